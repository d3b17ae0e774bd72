"""Random ids as AWS shows them (event ids, message ids, request ids): a version-4 UUID's text.

str(uuid.uuid4()) builds a UUID object around a system call; a delivery makes three ids, and
that was a tenth of its time. These ids name things, they guard nothing, so Python's own
generator is random enough.
"""

from __future__ import annotations

import random

_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_id() -> str:
    """'xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx', as str(uuid.uuid4()) gives."""
    h = f"{random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
