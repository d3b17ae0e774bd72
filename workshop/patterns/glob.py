"""Wildcard values: their syntax (event-ruler's WildcardParser) and a linear-time matcher.

A wildcard is literal text in which `*` stands for any run of characters; `\\*` is a literal
star and `\\\\` a literal backslash. Matching never backtracks: the text between stars is found
greedily, left to right, each piece after the previous one. Taking the leftmost place for each
piece is always safe (a later place only leaves less room for the rest), so the value is
scanned once and the work is linear in its length, whatever the pattern.
"""

from __future__ import annotations

from typing import Callable

from .errors import InvalidPatternError

STAR = -1  # stands for `*` among the byte tokens of a wildcard


def check_wildcard(text: str) -> None:
    """Refuse what event-ruler refuses; positions are byte offsets in the UTF-8 value."""
    data = text.encode()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ord("*") and i + 1 < len(data) and data[i + 1] == ord("*"):
            raise InvalidPatternError(f"Consecutive wildcard characters at pos {i + 1}")
        if byte == ord("\\"):
            if i + 1 < len(data) and data[i + 1] in (ord("*"), ord("\\")):
                i += 2
                continue
            raise InvalidPatternError(f"Invalid escape character at pos {i + 1}")
        i += 1


def pieces(text: str) -> list[str]:
    """The literal text between the stars of a checked wildcard, escapes resolved.

    "a*b\\*c*" gives ["a", "b*c", ""]: one more piece than there are stars.
    """
    found: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "*":
            found.append("".join(current))
            current = []
        elif char == "\\":
            i += 1
            current.append(text[i])
        else:
            current.append(char)
        i += 1
    found.append("".join(current))
    return found


def tokens(text: str) -> list[int]:
    """A checked wildcard as UTF-8 bytes, STAR for each `*`: how event-ruler's machine sees it."""
    found: list[int] = []
    for index, piece in enumerate(pieces(text)):
        if index:
            found.append(STAR)
        found.extend(piece.encode())
    return found


def matcher(text: str) -> Callable[[str], bool]:
    """A test of a string against a checked wildcard, in time linear in the string's length."""
    parts = pieces(text)
    if len(parts) == 1:
        literal = parts[0]
        return lambda value: value == literal
    head, middle, tail = parts[0], parts[1:-1], parts[-1]
    shortest = sum(len(part) for part in parts)
    start = len(head)

    def match(value: str) -> bool:
        if len(value) < shortest or not value.startswith(head) or not value.endswith(tail):
            return False
        position, end = start, len(value) - len(tail)
        for part in middle:
            found = value.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return match
