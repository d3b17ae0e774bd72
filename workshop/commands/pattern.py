"""`workshop pattern test|explain`: event patterns tried locally, with EventBridge's semantics.
"""

from __future__ import annotations

from typing import List

import typer

from ..errors import BadInput
from .app import pattern_app
from .common import load_scenario, make_ui


def _pattern_and_events(pattern_arg: str, event_args: list[str], detail_only: bool, ui):
    from .. import patterns
    from ..inputs import complete_event, read_json_arg

    pattern = read_json_arg(pattern_arg, "pattern")
    try:
        matcher = patterns.compile(pattern)
    except patterns.InvalidPatternError as exc:
        raise BadInput(f"Invalid pattern: {exc}") from None
    from ..render import envelope_notes

    defaults = load_scenario().events  # an event without source or detail-type gets the workshop's
    envelope = {"source": defaults.source, "detail_type": defaults.detail_type} if defaults else {}
    events, filled_any, notes = [], set(), []
    for arg in event_args:
        raw = read_json_arg(arg, "event")
        event, filled = complete_event(raw, detail_only=detail_only, **envelope)
        filled_any.update(filled)
        events.append(event)
        if not detail_only:
            notes += [n for n in envelope_notes(raw, filled) if n not in notes]
    if filled_any and not detail_only:
        ui.say(f"[dim]Filled envelope fields the event(s) lacked with defaults: {', '.join(sorted(filled_any))}[/]")
    for note in notes:
        ui.say(f"[yellow]Note:[/] {note}")
    return pattern, matcher, events


@pattern_app.command("test")
def pattern_test(
    pattern_arg: str = typer.Argument(..., metavar="PATTERN", help="Inline JSON, @file.json, or - for stdin."),
    event_args: List[str] = typer.Argument(..., metavar="EVENT", help="One or more events (inline JSON, @file.json, -)."),
    detail_only: bool = typer.Option(False, "--detail", help="The events are detail objects only; the envelope is filled."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Does the pattern match every event? Exit 0 all match, 1 one does not, 2 invalid pattern/event.

    \b
    Examples:
      workshop pattern test '{"detail":{"location":[{"prefix":"eu-"}]}}' --detail '{"location":"eu-west"}'
      workshop pattern test @pattern.json @event1.json @event2.json
    """
    ui = make_ui(json_out)
    _, matcher, events = _pattern_and_events(pattern_arg, event_args, detail_only, ui)
    results = [matcher.matches(e) for e in events]
    if json_out:
        ui.emit_json({"matched": all(results), "results": [{"event": i, "matched": r} for i, r in enumerate(results, 1)]})
    else:
        for index, result in enumerate(results, 1):
            typer.echo(f"event {index}: {'match' if result else 'no match'}")
    raise typer.Exit(0 if all(results) else 1)


@pattern_app.command("explain")
def pattern_explain(
    pattern_arg: str = typer.Argument(..., metavar="PATTERN"),
    event_arg: str = typer.Argument(..., metavar="EVENT"),
    detail_only: bool = typer.Option(False, "--detail", help="The event is a detail object only; the envelope is filled."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Why the pattern matches the event or not, field by field.

    \b
    Example:
      workshop pattern explain '{"detail":{"value":[{"numeric":[">",1000]}]}}' --detail '{"value":300}'
    """
    from .. import patterns
    from ..render import explanation_rows

    ui = make_ui(json_out)
    pattern, _, events = _pattern_and_events(pattern_arg, [event_arg], detail_only, ui)
    explanation = patterns.explain(pattern, events[0])
    rows = explanation_rows(explanation)
    if json_out:
        ui.emit_json({"matched": explanation.matched, "summary": explanation.summary, "fields": rows})
    else:
        if explanation.summary:
            ui.say(explanation.summary)
        ui.table("Match" if explanation.matched else "No match", ["field", "pattern asks", "event has", "result"],
                 [[r["path"], r["expected"], r["actual"], ("ok" if r["matched"] else "FAILS: " + (r.get("reason") or ""))] for r in rows])
    raise typer.Exit(0 if explanation.matched else 1)
