"""Turn a pattern explanation into rows a table (or a JSON document) can show."""

from __future__ import annotations


def explanation_rows(explanation) -> list[dict]:
    rows = [{"path": f.path, "expected": f.expected, "actual": f.actual, "matched": f.matched, "reason": f.reason}
            for f in explanation.fields]
    return rows


def failing_reasons(explanation) -> str:
    """One line: which conditions failed, e.g. 'detail.location: pattern asks ..., event has ...'."""
    wrong = [f for f in explanation.fields if not f.matched]
    if not wrong:
        return explanation.summary or "every condition holds"
    return "; ".join(f.reason or f"{f.path}: pattern asks {f.expected}, event has {f.actual}" for f in wrong)
