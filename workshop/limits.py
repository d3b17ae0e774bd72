"""EventBridge's limits on what the CLI sends, checked before anything is sent (AWS's numbers).

PutEventsRequestEntry: Source 1-256 characters, not starting with `aws.` (reserved for AWS
services); DetailType 1-128 characters; an entry of at most 256 KB, counted as AWS counts it
(`patterns.entry_size`: the UTF-8 sizes of Source, DetailType, Detail and Resources, and 14
bytes for Time when an entry sets it; the CLI's do not).
EventBusName: 1-256 characters of `/ . - _ A-Z a-z 0-9`, or an event bus ARN.
"""

from __future__ import annotations

import re

from .errors import BadInput
from .patterns.limits import MAX_ENTRY_BYTES as MAX_EVENT_BYTES
from .patterns.limits import entry_size
MAX_SOURCE = 256
MAX_DETAIL_TYPE = 128
MAX_BUS_NAME = 256
_BUS_NAME = re.compile(r"(arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus/)?[/.\-_A-Za-z0-9]+")


def check_event(*, bus: str, source: str, detail_type: str, detail: str) -> None:
    """Raise BadInput, naming the option to fix, for any entry EventBridge would refuse."""
    if not bus or len(bus) > MAX_BUS_NAME or not _BUS_NAME.fullmatch(bus):
        raise BadInput(f"--bus {bus!r} is not an event bus name: 1-{MAX_BUS_NAME} letters, digits and / . - _, or an event bus ARN.")
    if not source:
        raise BadInput("--source cannot be empty: EventBridge requires a source such as com.aws.orders.")
    if len(source) > MAX_SOURCE:
        raise BadInput(f"--source is {len(source)} characters long; EventBridge allows at most {MAX_SOURCE}.")
    if source.startswith("aws."):
        raise BadInput(f"--source {source!r} starts with 'aws.', which EventBridge reserves for AWS services.")
    if not detail_type:
        raise BadInput("--detail-type cannot be empty: EventBridge requires one, such as 'Order Notification'.")
    if len(detail_type) > MAX_DETAIL_TYPE:
        raise BadInput(f"--detail-type is {len(detail_type)} characters long; EventBridge allows at most {MAX_DETAIL_TYPE}.")
    size = entry_size({"Source": source, "DetailType": detail_type, "Detail": detail})
    if size > MAX_EVENT_BYTES:
        raise BadInput(f"The event is {size:,} bytes; EventBridge accepts at most {MAX_EVENT_BYTES:,} (256 KB) per event.")
