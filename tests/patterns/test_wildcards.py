"""Wildcard matching: the same answers as a textbook matcher, with work bounded by the value."""

from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.patterns import glob, matches

# A pattern of stars, the letters the values use and escapes of both special characters.
WILDCARDS = st.lists(
    st.sampled_from(["a", "b", "*", "\\*", "\\\\"]), max_size=10
).map("".join).filter(lambda w: "**" not in w.replace("\\*", "").replace("\\\\", ""))
VALUES = st.text(alphabet="ab*\\", max_size=12)


def reference(wildcard: str, value: str) -> bool:
    """Dynamic programming over (pattern token, value position): slow, obviously right."""
    tokens = []  # None for a star, else a literal character
    i = 0
    while i < len(wildcard):
        if wildcard[i] == "\\":
            tokens.append(wildcard[i + 1])
            i += 2
        else:
            tokens.append(None if wildcard[i] == "*" else wildcard[i])
            i += 1
    reachable = {0}  # value positions matched by the tokens so far
    for token in tokens:
        if token is None:
            reachable = set(range(min(reachable), len(value) + 1)) if reachable else set()
        else:
            reachable = {p + 1 for p in reachable if p < len(value) and value[p] == token}
    return len(value) in reachable


class CountingStr(str):
    """A value that counts the characters each search examines (a string scan is linear)."""

    examined = 0

    def find(self, sub, start=0, end=None):
        end = len(self) if end is None else end
        found = str.find(self, sub, start, end)
        self.examined += (found + len(sub) - start) if found >= 0 else (end - start)
        return found

    def startswith(self, prefix, *args):
        self.examined += len(prefix)
        return str.startswith(self, prefix, *args)

    def endswith(self, suffix, *args):
        self.examined += len(suffix)
        return str.endswith(self, suffix, *args)


def _valid(wildcard: str) -> bool:
    try:
        glob.check_wildcard(wildcard)
    except ValueError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(WILDCARDS, VALUES)
def test_the_linear_matcher_agrees_with_the_reference(wildcard, value):
    if not _valid(wildcard):
        return
    assert glob.matcher(wildcard)(value) == reference(wildcard, value)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="ab", min_size=1, max_size=3), min_size=1, max_size=12),
    st.text(alphabet="ab", max_size=300),
)
def test_work_is_bounded_by_twice_the_value_whatever_the_pattern(pieces, value):
    # Adversarial shapes: many stars, short repeating pieces, long values of the same letters.
    wildcard = "*" + "*".join(pieces) + "*"
    counted = CountingStr(value)
    glob.matcher(wildcard)(counted)
    assert counted.examined <= 2 * len(value)


def test_the_pattern_that_wedged_the_sandbox_answers_after_one_scan():
    wildcard = "*a*a*a*a*a*a*a*a*a*a*a*a*b"
    counted = CountingStr("a" * 200)
    assert glob.matcher(wildcard)(counted) is False
    assert 0 < counted.examined <= 2 * 200
    assert glob.matcher(wildcard)("a" * 200 + "b") is True


def test_escapes_are_literal_and_pieces_split_on_bare_stars_only():
    assert glob.pieces("a*b\\*c*") == ["a", "b*c", ""]
    assert glob.pieces("x\\\\*y") == ["x\\", "y"]
    assert glob.tokens("é*") == [0xC3, 0xA9, glob.STAR]
    assert matches({"f": [{"wildcard": "a\\**"}]}, {"f": "a*zz"})
    assert not matches({"f": [{"wildcard": "a\\**"}]}, {"f": "azz"})


def test_anything_but_wildcard_uses_the_same_matcher():
    pattern = {"f": [{"anything-but": {"wildcard": ["*.so", "lib*"]}}]}
    assert matches(pattern, {"f": "x.dll"})
    assert not matches(pattern, {"f": "libc"})
    assert not matches(pattern, {"f": "a.so"})
