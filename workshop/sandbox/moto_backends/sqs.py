"""SQS on moto's queue objects (see the package's docstring): a delivery's message put on a
standard queue in constant time, and ReceiveMessage, DeleteMessage and DeleteMessageBatch
answered in one pass over the queue, long polls waiting on the queue's own condition; and
setting a queue's attributes without a Policy keeps its policy, as on AWS (keep_queue_policies)."""

from __future__ import annotations

import json
import os
import random
import re
import string
import threading
import time
import weakref
from collections.abc import Callable
from hashlib import md5

from moto.core.exceptions import ServiceException
from moto.iam.models import get_account_id_from
from moto.sqs.models import Message, Queue, sqs_backends

from ..front import Request, Response
from ..ids import new_id
from ..service import Service
from .lookups import region_backend

JSON_10 = "application/x-amz-json-1.0"
MAX_VISIBILITY_TIMEOUT = 43200
# The message system attributes moto's ReceiveMessage can return, in its order.
RENDERED_SYSTEM_ATTRIBUTES = ("AWSTraceHeader", "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount",
                              "MessageDeduplicationId", "MessageGroupId", "SenderId", "SentTimestamp", "SequenceNumber")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")
_BATCH_ID = re.compile(r"[\w-]{1,80}")  # a DeleteMessageBatch entry's Id, as SQS allows


class SqsError(Exception):
    """moto refused a send: `code` is the AWS error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class SqsBackend(Service):
    priority = 0  # the hottest path: asked first

    def __init__(self):
        self._receipts: weakref.WeakValueDictionary[str, Message] = weakref.WeakValueDictionary()
        self._locks: weakref.WeakKeyDictionary[Queue, threading.Lock] = weakref.WeakKeyDictionary()
        self._locks_lock = threading.Lock()
        # queue -> (document, statements, count, text): gone with its queue, as its lock is
        self._policy_texts: weakref.WeakKeyDictionary[Queue, tuple] = weakref.WeakKeyDictionary()

    # the data plane's side ----------------------------------------------------------------------
    def policy(self, account: str, region: str, name: str) -> str | None:
        """The queue's policy document ("" when it has none), or None when there is no such queue."""
        queue = region_backend(sqs_backends, account, region).queues.get(name)
        if queue is None:
            return None
        # moto writes its policy out anew on every read (a tenth of a delivery). Its document is
        # replaced by SetQueueAttributes and RemovePermission and grown by AddPermission: the text
        # kept is used while the same document has the same statement list of the same length.
        document = queue._policy_json
        statements = document.get("Statement")
        count = len(statements) if isinstance(statements, list) else -1
        kept = self._policy_texts.get(queue)
        if kept is None or kept[0] is not document or kept[1] is not statements or kept[2] != count:
            kept = self._policy_texts[queue] = (document, statements, count, queue.policy or "")
        return kept[3]

    def send(self, account: str, region: str, name: str, body: str, group_id: str | None = None,
             deduplication_id: str | None = None) -> str:
        """SendMessage of one delivery; returns the message id, or raises SqsError as moto would answer."""
        try:
            backend = region_backend(sqs_backends, account, region)
            queue = backend.get_queue(name)
            if queue.fifo_queue or len(body) > queue.maximum_message_size:
                # Deduplication and groups, or moto's own InvalidParameterValue: moto's path.
                return backend.send_message(name, body, group_id=group_id, deduplication_id=deduplication_id).id
        except ServiceException as exc:
            raise SqsError(exc.code, exc.message) from None
        message = _message(queue, body)
        queue.add_message(message)
        return message.id

    def outbox(self) -> Outbox:
        return Outbox()

    # the consumer's side ------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        if request.service != "sqs" or not request.target.startswith("AmazonSQS."):
            return None
        operation = request.target[len("AmazonSQS."):]
        handler = {"ReceiveMessage": self._receive, "DeleteMessage": self._delete_one,
                   "DeleteMessageBatch": self._delete_batch}.get(operation)
        if handler is None:
            return None
        try:
            params = request.json()
        except ValueError:
            return None
        queue = self._queue_of(request, params) if isinstance(params, dict) else None
        if queue is None or queue.fifo_queue or queue.redrive_policy:
            return None
        return handler(queue, params)

    def _queue_of(self, request: Request, params: dict) -> Queue | None:
        """The queue moto would pick: the URL's last segment, in the caller's account and region."""
        url = params.get("QueueUrl")
        if not isinstance(url, str) or not url:
            return None
        account = os.environ.get("MOTO_ACCOUNT_ID") or request.headers.get("x-moto-account-id")
        if not account:
            found = _ACCESS_KEY.search(request.headers.get("authorization", ""))
            account = get_account_id_from(found.group(1) if found else "")
        return region_backend(sqs_backends, account, request.region).queues.get(url.rsplit("/", 1)[-1])

    def _receive(self, queue: Queue, params: dict) -> Response | None:
        count = params.get("MaxNumberOfMessages", 1)
        wait = params.get("WaitTimeSeconds", queue.receive_message_wait_time_seconds)
        visibility = params.get("VisibilityTimeout", queue.visibility_timeout)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (count, wait, visibility)) or \
                not 1 <= count <= 10 or not 0 <= wait <= 20 or not 0 <= visibility <= MAX_VISIBILITY_TIMEOUT:
            return None  # moto words the error
        names = set(params.get("AttributeNames") or []) | set(params.get("MessageSystemAttributeNames") or [])
        attribute_filter = params.get("MessageAttributeNames") or []
        deadline = time.monotonic() + wait
        while True:
            taken = self._take(queue, count, visibility)
            if taken or time.monotonic() >= deadline:
                break
            # Woken by every message added to this queue; visibility and delays expire unannounced.
            queue.wait_for_messages(min(1.0, max(0.0, deadline - time.monotonic())))
        messages = [_render(message, handle, names, attribute_filter) for message, handle in taken]
        return _json({"Messages": messages} if messages else {})

    def _take(self, queue: Queue, count: int, visibility: int) -> list[tuple[Message, str]]:
        """Mark up to `count` visible messages received (as moto's mark_received does) under this
        queue's lock, so two consumers never get the same message from one pass."""
        taken: list[tuple[Message, str]] = []
        expired: list[Message] = []
        retention_ms = int(queue.message_retention_period) * 1000
        with self._lock_for(queue):
            now = time.time() * 1000
            handles: list[str] = []  # made for the first message taken: a long poll's empty passes make none
            for message in list(queue._messages):
                if message.visible_at >= now or message.delayed_until > now:
                    continue
                if message.sent_timestamp is not None and message.sent_timestamp + retention_ms <= now:
                    expired.append(message)  # AWS deletes what outlived the retention period
                    continue
                handles = handles or _receipt_handles(count)
                handle = handles[len(taken)]
                if not message.approximate_first_receive_timestamp:
                    message.approximate_first_receive_timestamp = int(now)
                message.approximate_receive_count += 1
                if visibility:
                    message.visible_at = now + visibility * 1000
                message._old_receipt_handles.append(message.receipt_handle)
                message.receipt_handle = handle
                queue.pending_messages.add(message)
                self._receipts[handle] = message
                taken.append((message, handle))
                if len(taken) >= count:
                    break
            for message in expired:
                self._remove(queue, message)
        return taken

    def _delete_one(self, queue: Queue, params: dict) -> Response | None:
        handle = params.get("ReceiptHandle")
        if not isinstance(handle, str) or not self._known(queue, handle):
            return None
        self._delete(queue, [handle])
        return _json({})

    def _delete_batch(self, queue: Queue, params: dict) -> Response | None:
        entries = params.get("Entries")
        if not isinstance(entries, list) or not 1 <= len(entries) <= 10 or \
                not all(isinstance(e, dict) and isinstance(e.get("Id"), str) and isinstance(e.get("ReceiptHandle"), str)
                        for e in entries) or \
                len({e["Id"] for e in entries}) != len(entries) or \
                not all(_BATCH_ID.fullmatch(e["Id"]) and self._known(queue, e["ReceiptHandle"]) for e in entries):
            return None
        self._delete(queue, [entry["ReceiptHandle"] for entry in entries])
        return _json({"Successful": [{"Id": e["Id"]} for e in entries], "Failed": []})

    def _known(self, queue: Queue, handle: str) -> bool:
        return handle in queue.deleted_messages or handle in self._receipts

    def _delete(self, queue: Queue, handles: list[str]) -> None:
        # A handle already deleted: AWS answers success again.
        messages = [self._receipts.get(h) for h in handles if h not in queue.deleted_messages]
        with self._lock_for(queue):
            for message in messages:
                if message is not None:
                    self._remove(queue, message)

    def _remove(self, queue: Queue, message: Message) -> None:
        with queue._messages_lock:  # moto appends under it
            try:
                queue._messages.remove(message)
            except ValueError:
                pass  # deleted meanwhile, or through moto's path
        queue.pending_messages.discard(message)
        handles = [h for h in message.all_receipt_handles if h]
        queue.deleted_messages.update(handles)
        for handle in handles:
            self._receipts.pop(handle, None)

    def _lock_for(self, queue: Queue) -> threading.Lock:
        with self._locks_lock:
            lock = self._locks.get(queue)
            if lock is None:
                lock = self._locks[queue] = threading.Lock()
            return lock


def keep_queue_policies() -> None:
    """Setting a queue's attributes without a Policy keeps its policy, as on AWS, whichever way it
    comes (SetQueueAttributes in either protocol, CloudFormation): moto's Queue._set_attributes sets
    the policy to what it is given, nothing included. Idempotent."""
    original = Queue._set_attributes
    if getattr(original, "keeps_policy", False):
        return

    def _set_attributes(queue: Queue, attributes: dict, now: float | None = None) -> None:
        kept = None if "Policy" in attributes else getattr(queue, "_policy_json", None)  # none yet: a new queue
        original(queue, attributes, now)
        if kept is not None:
            queue._policy_json = kept

    _set_attributes.keeps_policy = True
    Queue._set_attributes = _set_attributes


def _message(queue: Queue, body: str) -> Message:
    message = Message(new_id(), body)
    # What moto's mark_sent sets (it gets there through naive datetimes, a tenth of a delivery).
    message.sent_timestamp = now_ms = int(time.time() * 1000)
    delay = int(queue.delay_seconds or 0)
    if delay:
        message.delayed_until = now_ms + delay * 1000
    return message


class Outbox:
    """A run of deliveries' messages to standard queues, made one by one as SqsBackend.send makes
    them and put on their queues together (flush): one lock and one wake-up per queue, not per
    message; each queue gets them in the order they were made."""

    def __init__(self):
        self._messages: dict[Queue, list[Message]] = {}

    def sender(self, account: str, region: str, name: str) -> Callable[[str], bool] | None:
        """put(body): True once its message is made, False when send() must take it (moto refuses
        it); None when every message to this queue takes send()'s path (no such queue, FIFO, or
        a Lambda event source mapping, which moto's add_message runs)."""
        queue = region_backend(sqs_backends, account, region).queues.get(name)
        if queue is None or queue.fifo_queue or queue.lambda_event_source_mappings:
            return None
        messages = self._messages.setdefault(queue, [])

        def put(body: str) -> bool:
            if len(body) > queue.maximum_message_size:
                return False
            messages.append(_message(queue, body))
            return True

        return put

    def flush(self) -> None:
        for queue, messages in self._messages.items():
            if messages:
                with queue._messages_lock:  # as moto's add_message appends
                    queue._messages.extend(messages)
                    queue._messages_lock.notify_all()
                messages.clear()


# moto's receipt handles are 185 random lowercase letters; random.choices makes them 50x slower.
_LETTERS = "".join(string.ascii_lowercase[b % 26] for b in range(256)).encode("ascii")
_TO_LETTERS = bytes.maketrans(bytes(range(256)), _LETTERS)


def _receipt_handles(count: int) -> list[str]:
    """`count` receipt handles from Python's own generator, as ids.py makes ids (they guard nothing):
    reading the system's random source is a system call, after which a receive must win the
    interpreter back, a switch interval (1 ms) while the routing thread runs."""
    letters = random.randbytes(185 * count).translate(_TO_LETTERS).decode("ascii")
    return [letters[n:n + 185] for n in range(0, 185 * count, 185)]


def _render(message: Message, handle: str, names: set[str], attribute_filter: list[str]) -> dict:
    """One message as moto's ReceiveMessage renders it (same keys, same attribute filtering)."""
    rendered = {"MessageId": message.id, "ReceiptHandle": handle,
                "MD5OfBody": md5(message.body.encode("utf-8")).hexdigest(), "Body": message.body}
    if message.message_attributes:
        everything = "All" in attribute_filter
        prefixes = [name[:-2] for name in attribute_filter if name.endswith(".*")]
        chosen = {key: value for key, value in message.message_attributes.items()
                  if everything or key in attribute_filter or any(key.startswith(p) for p in prefixes)}
        if chosen:
            shown = Message(message.id, message.body)
            shown.message_attributes = chosen
            rendered["MessageAttributes"] = chosen
            rendered["MD5OfMessageAttributes"] = shown.attribute_md5
    every = "All" in names
    included = [name for name in RENDERED_SYSTEM_ATTRIBUTES if every or name in names]
    if included:
        values = {"SenderId": message.sender_id, "SentTimestamp": str(message.sent_timestamp),
                  "ApproximateReceiveCount": str(message.approximate_receive_count),
                  "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
                  "MessageDeduplicationId": message.deduplication_id, "MessageGroupId": message.group_id,
                  "SequenceNumber": message.sequence_number,
                  "AWSTraceHeader": ((message.system_attributes or {}).get("AWSTraceHeader") or {}).get("StringValue")}
        rendered["Attributes"] = {name: values[name] for name in included if values[name] is not None}
    return rendered


def _json(document: dict) -> Response:
    return Response(200, json.dumps(document).encode(), {"Content-Type": JSON_10, "x-amzn-RequestId": new_id()})
