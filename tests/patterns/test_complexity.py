"""'Rule is too complex': event-ruler's complexity score, and EventBridge's limit on it."""

import pytest

from workshop.patterns import InvalidPatternError, compile, validate
from workshop.patterns.complexity import MAX_COMPLEXITY, TOO_COMPLEX, complexity

# Scores event-ruler's MachineComplexityEvaluatorTest asserts for bare values (no quotes).
EVENT_RULER_SCORES = [
    (["*"], 1), (["*", "ab*c"], 3), (["abc"], 1), (["*ab"], 2), (["*aa"], 3), (["a*b"], 2),
    (["aa*"], 2), (["a*bc"], 2), (["a*bb"], 3), (["a*bcb"], 3), (["a*bbb"], 4),
    (["*ab*ad"], 4), (["*ab*d"], 3), (["*aba*"], 4), (["a*b*bb"], 5), (["a*b*cb"], 4),
    (["a*b*cd"], 3), (["a*b*b"], 4), (["a*bb*"], 4), (["ab*b*"], 3), (["ab*c", "x*xx"], 3),
    (["*abc", "*abcde"], 4), (["a*bcd", "ab*cd"], 4), (["a*bc", "a*bcde"], 4),
    (["a*aaa", "aa*aa"], 7), (["a*bc", "abc*d"], 4), (["a*aaa", "aaa*a"], 6),
    (["a*aax", "aaa*x"], 5), (["a*bc", "abc*"], 4), (["a*aa", "aaa*"], 5),
    (["abc*", "abcde*"], 3), (["ab*cd", "ab*wx", "ab*yz"], 6), (["*ab*b*b*"], 7),
    (["*a*a*a*a*a*a*a*a*"], 17), (["ab*c", "ab*c"], 2),
    (["F*eatureFeature", "Fe*atureFeature", "Fea*tureFeature"], 10),
    (["aahed*", "aal*ii", "aargh*", "aarti*", "a*baca", "*abaci", "a*back", "ab*acs",
      "abaf*t", "*abaka", "ab*amp", "a*band", "*abase", "abash*", "abas*k", "ab*ate",
      "aba*ya", "abbas*", "abbed*", "ab*bes", "abbey*", "*abbot", "ab*cee", "abea*m",
      "abe*ar", "a*bele", "a*bers", "abet*s", "*abhor", "abi*de", "a*bies", "*abled"], 45),
]


@pytest.mark.parametrize("wildcards, score", EVENT_RULER_SCORES)
def test_scores_agree_with_event_ruler(wildcards, score):
    assert complexity(wildcards, ceiling=100, quoted=False) == score


def test_rules_score_with_the_quotes_event_ruler_adds():
    # event-ruler's testEvaluateNestedMachinesViaNextNameStates compiles a JSON rule: 11.
    assert complexity(["a*a*a*a*a*a*"], ceiling=100) == 11


def _too_complex(pattern) -> bool:
    try:
        validate(pattern)
    except InvalidPatternError as exc:
        assert exc.reason == TOO_COMPLEX
        assert str(exc) == f"Event pattern is not valid. Reason: {TOO_COMPLEX}"
        return True
    return False


@pytest.mark.parametrize("pattern", [
    {"detail": {"a": [{"wildcard": "*a*a*a*a*a*a*a*a*a*a*a*a*b"}]}},
    {"a": [{"wildcard": "a*a*a*a*a*a*"}]},
    {"a": [{"anything-but": {"wildcard": "*x*x*x*x*x*x*"}}]},
    # Several values on one field share one machine: six "*N" make twelve prefixes.
    {"a": [{"wildcard": f"*{n}"} for n in range(6)]},
    # $or branches that agree on the fields before share it too.
    {"$or": [{"a": [{"wildcard": f"*{n}*"}]} for n in range(4)]},
])
def test_patterns_event_bridge_finds_too_complex_are_refused(pattern):
    assert _too_complex(pattern)


@pytest.mark.parametrize("pattern", [
    {"a": [{"wildcard": "dir/*.png"}]},
    {"a": [{"wildcard": "*/lib/*"}], "b": [{"wildcard": "*/lib/*"}]},
    {"a": [{"wildcard": "a*a*a*a*"}]},
    {"a": [{"wildcard": f"*{n}"} for n in range(4)]},
    # Different earlier fields give the branches machines of their own.
    {"$or": [{"a": [f"v{n}"], "b": [{"wildcard": f"*{n}*"}]} for n in range(4)]},
])
def test_ordinary_wildcards_are_accepted(pattern):
    assert not _too_complex(pattern)
    assert compile(pattern).matches({"a": "x"}) in (True, False)


def test_the_limit_is_ten():
    assert MAX_COMPLEXITY == 10
    # "Fewer repeating character sequences after a wildcard": nine a's pass, ten do not.
    assert complexity(["*aaaaaaaaa"]) == 10
    assert not _too_complex({"a": [{"wildcard": "*aaaaaaaaa"}]})
    assert complexity(["*aaaaaaaaaa"]) == 11
    assert _too_complex({"a": [{"wildcard": "*aaaaaaaaaa"}]})


def test_an_anything_but_list_is_one_pattern_sharing_its_first_star():
    # event-ruler weighs a state by the patterns reaching it: the values of one anything-but
    # share the states up to their first star, unlike ten separate wildcard conditions.
    values = [f"*{n}" for n in range(10)]
    assert complexity([("anything-but", tuple(values))]) == 2
    assert complexity(values, ceiling=100) == 20
    assert not _too_complex({"a": [{"anything-but": {"wildcard": values}}]})
    assert _too_complex({"a": [{"wildcard": value} for value in values]})
