"""One condition of a pattern leaf: a test on a single event value, and its description.

Event values reaching a test are JSON scalars (str, int, float, bool or None); arrays are
taken apart by the matcher. Types never cross: "300" is not 300, true is not 1.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from . import glob

# event-ruler's ComparableNumber: numeric matching works between these bounds only, with at
# most six digits after the decimal point.
NUMERIC_LIMIT = 5_000_000_000
NUMERIC_DECIMALS = 6

# event-ruler treats a string as an IP address only when it has this shape (Constants.java).
_IPV4_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_SHAPE = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")

Test = Callable[[Any], bool]


@dataclass(frozen=True)
class Condition:
    """kind: "equals", "exists", or the operator name. plain_string: set when the condition is
    exact equality with that string, which the matcher turns into a set lookup."""

    kind: str
    description: str
    test: Test
    plain_string: str | None = None
    plain_prefix: str | None = None  # set for a case-sensitive prefix: the index looks it up
    exists: bool | None = None
    wildcards: tuple[str, ...] = ()  # the wildcard texts it holds, for the complexity check


def quote(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def decimal_places(number: int | float) -> int:
    if type(number) is int:
        return 0
    return max(0, -Decimal(repr(number)).normalize().as_tuple().exponent)


def comparable(value: Any) -> bool:
    """Whether an event number can take part in numeric comparison at all."""
    return (
        is_number(value)
        and -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT
        and decimal_places(value) <= NUMERIC_DECIMALS
    )


def looks_like_ip(text: str) -> bool:
    return bool(_IPV4_SHAPE.fullmatch(text) or _IPV6_SHAPE.fullmatch(text))


def ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not looks_like_ip(text):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# -- exact values ---------------------------------------------------------------------------


def equals(literal: Any) -> Condition:
    description = quote(literal)
    if type(literal) is str:
        address = ip_address(literal)
        if address is None:
            return Condition(
                "equals", description, lambda v: v == literal, plain_string=literal
            )

        # event-ruler turns an IP literal into a one-address range, so any spelling of the
        # same address matches.
        def same_address(value: Any) -> bool:
            return type(value) is str and (value == literal or ip_address(value) == address)

        return Condition("equals", description, same_address)
    if is_number(literal):
        # Compared by value (300 matches 300.0 and 3e2): event-ruler adds a numeric-equality
        # matcher beside the literal text for every number in a pattern.
        return Condition(
            "equals", description, lambda v: is_number(v) and v == literal
        )
    return Condition("equals", description, lambda v: v is literal)


def exists(flag: bool) -> Condition:
    return Condition(
        "exists", "must exist" if flag else "must not exist", _never, exists=flag
    )


def _never(_value: Any) -> bool:
    return False


# -- strings ---------------------------------------------------------------------------------


def prefix(text: str, ignore_case: bool = False) -> Condition:
    if ignore_case:
        lowered = text.lower()
        return Condition(
            "prefix",
            f"prefix {quote(text)} (any case)",
            lambda v: type(v) is str and v.lower().startswith(lowered),
        )
    return Condition(
        "prefix", f"prefix {quote(text)}", lambda v: type(v) is str and v.startswith(text), plain_prefix=text
    )


def suffix(text: str, ignore_case: bool = False) -> Condition:
    if ignore_case:
        lowered = text.lower()
        return Condition(
            "suffix",
            f"suffix {quote(text)} (any case)",
            lambda v: type(v) is str and v.lower().endswith(lowered),
        )
    return Condition(
        "suffix", f"suffix {quote(text)}", lambda v: type(v) is str and v.endswith(text)
    )


def equals_ignore_case(text: str) -> Condition:
    lowered = text.lower()
    return Condition(
        "equals-ignore-case",
        f"{quote(text)} in any case",
        lambda v: type(v) is str and v.lower() == lowered,
    )


def wildcard(text: str) -> Condition:
    match = glob.matcher(text)
    return Condition(
        "wildcard",
        f"wildcard {quote(text)}",
        lambda v: type(v) is str and match(v),
        wildcards=(text,),
    )


# -- anything-but ----------------------------------------------------------------------------
# Anything-but excludes values of its own type only: {"anything-but": 5} matches "5", true and
# null (ByteMachine only fails an anything-but when the event value's type agrees).


def _listing(values: list[Any]) -> str:
    return ", ".join(quote(v) for v in values)


def anything_but(values: list[Any]) -> Condition:
    excluded = frozenset(values)
    if all(type(v) is str for v in values):

        def test(value: Any) -> bool:
            return value not in excluded

    else:

        def test(value: Any) -> bool:
            return not is_number(value) or value not in excluded

    return Condition("anything-but", f"anything but {_listing(values)}", test)


def anything_but_prefix(values: list[str]) -> Condition:
    starts = tuple(values)
    return Condition(
        "anything-but",
        f"anything but prefix {_listing(values)}",
        lambda v: type(v) is not str or not v.startswith(starts),
    )


def anything_but_suffix(values: list[str]) -> Condition:
    ends = tuple(values)
    return Condition(
        "anything-but",
        f"anything but suffix {_listing(values)}",
        lambda v: type(v) is not str or not v.endswith(ends),
    )


def anything_but_ignore_case(values: list[str]) -> Condition:
    excluded = frozenset(v.lower() for v in values)
    return Condition(
        "anything-but",
        f"anything but {_listing(values)} in any case",
        lambda v: type(v) is not str or v.lower() not in excluded,
    )


def anything_but_wildcard(values: list[str]) -> Condition:
    tests = tuple(glob.matcher(v) for v in values)
    return Condition(
        "anything-but",
        f"anything but wildcard {_listing(values)}",
        lambda v: type(v) is not str or not any(test(v) for test in tests),
        wildcards=tuple(values),
    )


# -- numbers and addresses -------------------------------------------------------------------


def numeric(
    low: float | None, low_open: bool, high: float | None, high_open: bool, text: str
) -> Condition:
    """A range; None means unbounded on that side. text: how the pattern wrote it."""

    def test(value: Any) -> bool:
        if not comparable(value):
            return False
        if low is not None and (value <= low if low_open else value < low):
            return False
        if high is not None and (value >= high if high_open else value > high):
            return False
        return True

    return Condition("numeric", f"numeric {text}", test)


def cidr(base: ipaddress.IPv4Address | ipaddress.IPv6Address, mask: int, text: str) -> Condition:
    # event-ruler's range runs from the address as written (host bits not cleared) to the
    # top of its block, so "10.0.0.5/24" does not cover 10.0.0.1 (CIDR.java).
    bottom = int(base)
    host_bits = base.max_prefixlen - mask
    top = bottom | ((1 << host_bits) - 1)
    version = base.version

    def test(value: Any) -> bool:
        if type(value) is not str:
            return False
        address = ip_address(value)
        return (
            address is not None
            and address.version == version
            and bottom <= int(address) <= top
        )

    return Condition("cidr", f"IP address in {text}", test)
