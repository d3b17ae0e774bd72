"""Turn a pattern explanation into rows a table (or a JSON document) can show."""

from __future__ import annotations

import json


def explanation_rows(explanation) -> list[dict]:
    rows = [{"path": f.path, "expected": f.expected, "actual": f.actual, "matched": f.matched, "reason": f.reason}
            for f in explanation.fields]
    return rows


def failing_reasons(explanation) -> str:
    """One line: which conditions failed, e.g. 'detail.location: pattern asks ..., event has ...'."""
    wrong = [f for f in explanation.fields if not f.matched]
    if not wrong:
        return explanation.summary or "every condition holds"
    return "; ".join((f.reason or f"{f.path}: pattern asks {f.expected}, event has {f.actual}").rstrip(".") for f in wrong)


# trace ------------------------------------------------------------------------------------------
_STATUS = {"delivered": "[green]✓ delivered[/]", "failed": "[red]✗ failed[/]", "target failed": "[red]✗ target failed[/]",
           "pending": "[yellow]… pending[/]", "not seen": "[yellow]? not seen[/]", "routed": "[cyan]sent[/]"}


def _short_time(value) -> str:
    text = str(value or "")
    return text[11:23] if len(text) >= 19 and text[10] in "T " else text


def _compact(value, limit: int = 0) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str) if not isinstance(value, str) else value
    return text if not limit or len(text) <= limit else text[:limit - 1] + "…"


def trace_tree(node: dict, *, compact: bool = False, limit: int = 0):
    """A rich Tree of one trace (trace.py's document). compact: one line per rule and target."""
    from rich.markup import escape
    from rich.tree import Tree

    label = f"[bold]event {escape(node['event_id'])}[/] on bus [bold]{escape(node['bus'])}[/] [dim]{escape(_short_time(node.get('at')))}[/]"
    if node.get("via"):
        label = f"{escape(node['via'])} put " + label
    if not compact:
        label += f"\n[dim]{escape(_compact({'source': node.get('source'), 'detail-type': node.get('detail-type'), 'detail': node.get('detail')}, limit))}[/]"
    elif node.get("detail") is not None:  # what was published, in brief
        label += f" [dim]{escape(_compact(node.get('detail'), limit))}[/]"
    root = Tree(label)
    for rule in node["rules"]:
        _add_rule(root, rule, compact, limit)
    if not node["rules"]:
        root.add("[yellow]no rules on this bus: the event went nowhere[/]")
    return root


def _add_rule(root, rule: dict, compact: bool, limit: int) -> None:
    from rich.markup import escape

    if rule.get("schedule") and not rule["matched"]:
        if not compact:
            root.add(f"[dim]· {escape(rule['name'])}: {escape(rule['reason'])}[/]")
        return
    if not rule["matched"]:
        root.add(f"[dim]✗ {escape(rule['name'])} did not match: {escape(_compact(rule['reason'], limit))}[/]")
        return
    disabled = rule.get("state") != "ENABLED"
    mark = "[yellow]![/]" if disabled else "[green]✓[/]"
    text = f"{mark} [bold]{escape(rule['name'])}[/] matched"
    if disabled:
        text += f": {escape(rule['reason'])}"
    if not compact and rule.get("pattern") is not None:
        text += f" [dim]{escape(_compact(rule['pattern'], limit))}[/]"
    branch = root.add(text)
    if rule.get("hint"):
        branch.add(f"[yellow]hint:[/] {escape(rule['hint'])}")
    for target in rule["targets"]:
        _add_target(branch, target, compact, limit)


def _add_target(branch, target: dict, compact: bool, limit: int) -> None:
    from rich.markup import escape

    delivery = target["delivery"]
    text = f"→ {escape(target['kind'])} [bold]{escape(target['name'])}[/]: {_STATUS.get(delivery['status'], escape(delivery['status']))}"
    if delivery.get("at"):
        text += f" [dim]{escape(_short_time(delivery['at']))}[/]"
    if delivery.get("error_code"):
        text += f" [red]{escape(delivery['error_code'])}[/]"
    if delivery.get("error_message"):
        text += f" {escape(_compact(delivery['error_message'], limit))}"
    node = branch.add(text)
    if not compact:
        for line in evidence_lines(target):
            node.add(f"[dim]{escape(_compact(line, limit))}[/]")
        if target.get("note"):
            node.add(f"[yellow]{escape(target['note'])}[/]")
        if delivery.get("note") and delivery["status"] not in ("delivered",):
            node.add(f"[dim]{escape(delivery['note'])}[/]")
    for hop in target.get("onward", []):
        if "rules" in hop:
            node.add(trace_tree(hop, compact=compact, limit=limit))
        else:
            node.add(f"{escape(hop.get('via') or '')} → bus {escape(hop.get('bus') or '')}: [dim]{escape(hop.get('note') or '')}[/]")


def evidence_lines(target: dict) -> list[str]:
    """Brief evidence, one line each: what the target holds of the event."""
    found = target.get("evidence")
    if not found:
        return []
    kind = target["kind"]
    if kind == "logs":
        return [f"log stream {found['log_stream']} at {_short_time(found['at'])}: {_compact(found['message'])}"]
    if kind == "sqs":
        return [f"message {found['message_id']}: {_compact(found['event'])}"]
    if kind == "sns":
        lines = []
        for sub in found["subscriptions"]:
            message = sub.get("message")
            if message:
                envelope = message.get("sns_envelope")
                lines.append(f"queue {sub['queue']} holds message {message['message_id']}"
                             + (f" (SNS envelope {envelope.get('MessageId')}, Message unwrapped)" if envelope else " (raw)"))
                lines.append(f"  {_compact(message['event'])}")
        return lines
    if kind == "states":
        lines = [f"execution {found['execution']} {found['status']}"]
        for state in found.get("states", []):
            lines.append(f"  state {state['name']}: in {_compact(state.get('input'))} out {_compact(state.get('output'))}")
        lines.append(f"  output {_compact(found.get('output'))}")
        return lines
    if kind == "lambda":
        return [f"request {found['request_id']}:"] + [f"  {line}" for line in found["log"]]
    if kind == "api-destination":
        return [f"request {found['request_id']} in {found['log_group']}, status {found.get('status') or '?'}:"] + \
            [f"  {line}" for line in found["log"]]
    return [_compact(found)]


# pattern test / explain --------------------------------------------------------------------------
ENVELOPE_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def envelope_notes(raw: dict, filled: list[str]) -> list[str]:
    """What a filled default envelope may hide: a near-miss key (detail_type for detail-type), or
    an event that is really a detail (no `detail`, and fields that are not the envelope's)."""
    def plain(key: str) -> str:
        return key.lower().replace("-", "").replace("_", "")

    notes = []
    for key in filled:
        near = [k for k in raw if k != key and plain(k) == plain(key)]
        if near:
            notes.append(f"The event has \"{near[0]}\", but EventBridge's field is \"{key}\": the pattern never sees "
                         f"\"{near[0]}\", and \"{key}\" was filled with a default. Rename it to \"{key}\".")
    near_keys = {k for k in raw if any(plain(k) == plain(e) for e in ENVELOPE_KEYS)}
    others = [k for k in raw if k not in ENVELOPE_KEYS and k not in near_keys]
    if "detail" not in raw and others:
        notes.append(f"The event has no \"detail\", but its fields ({', '.join(others[:3])}) look like one: "
                     "add --detail to treat the event as the detail.")
    return notes
