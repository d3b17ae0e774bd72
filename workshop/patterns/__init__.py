"""The EventBridge event-pattern engine: validate, match and explain, with AWS's semantics.

Pure Python, no AWS and no I/O. Patterns and events are dicts or JSON text.

    matcher = compile('{"source": ["com.aws.orders"]}')
    matcher.matches(event)            # reuse for many events
    explain(pattern, event).fields    # which condition failed, and why
    index = RuleIndex(); index.add("r1", matcher); index.matching(event)  # many rules at once

Limits (limits.py), checked before matching: patterns of 2048 characters, PutEvents entries of
256 KB counted as AWS does (entry_size, event_entry_size), JSON nested at most 100 levels
(nesting_depth; an engine guard, AWS documents none), no NaN/Infinity (load_json reads text
that way, never raising RecursionError). Text events and explain() are checked in load_event;
Matcher.matches(dict) trusts its caller (the sandbox checks at PutEvents), to stay fast.

Semantics, and where they come from. The reference is AWS's documentation ("Content filtering
in Amazon EventBridge event patterns", "Arrays in Amazon EventBridge event patterns") and the
open-source engine behind EventBridge, aws/event-ruler (JsonRuleCompiler, ByteMachine,
ACFinder, ComparableNumber, CIDR, WildcardParser):

- Validation mirrors event-ruler's compiler and reuses its messages, prefixed as AWS's
  InvalidEventPatternException is: "Event pattern is not valid. Reason: ...". A pattern is a
  non-empty object, each field an object or a non-empty array; `$or` takes an array of at least
  two objects whose fields may not be operator names. Patterns longer than 2048 characters (the
  default "Event pattern size" quota) are refused.
- Duplicate keys in pattern text: no error (Jackson accepts them); a repeated object key adds its
  fields, a repeated leaf keeps the last value (aws/event-ruler#22).
- `$or` is expanded, as event-ruler does, into one sub-rule per combination of branches; a field
  given both outside and inside a branch takes the value written last.
- Types never cross: "300" is not 300, true is not 1, null is only null. Exact numbers compare by
  value (300 matches 300.0), because event-ruler adds a numeric-equality matcher beside the text
  of every pattern number; that is what EventBridge does today, whatever the workshop text says.
- `numeric` applies to JSON numbers between -5e9 and 5e9 with at most six decimals; pattern
  values outside that are refused, event values outside it never match (ComparableNumber).
- `anything-but` only excludes values of its own type (5 is "anything but" "5") and, like every
  operator but `exists: false`, never matches a missing field.
- `exists` looks at leaf values: a field holding an object, or an empty array, does not exist.
- Event arrays match when any element does; where the pattern reaches into an array of objects,
  all its fields must be satisfied by the same element (event-ruler's array consistency).
- `wildcard` matches in time linear in the value (glob.py). A rule whose wildcards on one field
  score more than 10 in event-ruler's MachineComplexityEvaluator is refused as EventBridge
  does: "Rule is too complex - try using fewer wildcard characters or fewer repeating
  character sequences after a wildcard character" (complexity.py).
- `cidr` covers IPv4 and IPv6 from the address as written to the top of its block, and refuses
  /32 (IPv4) and /128 (IPv6) as event-ruler does.

- Fields are named by dotted paths, as event-ruler flattens events: the pattern key
  "state.status" is the field status inside state, and so is an event key "state.status";
  an event holding both spellings gives the field both values (eventpaths.py).

Known differences from event-ruler, all in corners: `exists: false` inside an array of objects is judged per element,
whereas event-ruler's answer there can depend on the alphabetical order of the field names.
"""

from .errors import InvalidEventError, InvalidPatternError
from .explanation import Branch, Explanation, FieldResult, explain
from .index import RuleIndex
from .jsonio import TooDeep, load_event
from .jsonio import loads as load_json
from .limits import (
    MAX_ENTRY_BYTES,
    MAX_NESTING_DEPTH,
    entry_size,
    event_entry_size,
    nesting_depth,
)
from .matcher import Matcher, compile, matches
from .syntax import MAX_PATTERN_LENGTH, parse

__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_NESTING_DEPTH",
    "MAX_PATTERN_LENGTH",
    "Branch",
    "Explanation",
    "FieldResult",
    "InvalidEventError",
    "InvalidPatternError",
    "Matcher",
    "RuleIndex",
    "TooDeep",
    "compile",
    "entry_size",
    "event_entry_size",
    "explain",
    "load_event",
    "load_json",
    "matches",
    "nesting_depth",
    "validate",
]


def validate(pattern: object) -> dict:
    """The pattern as a dict if EventBridge would accept it; raises InvalidPatternError."""
    return parse(pattern)[0]
