"""The learner's place: which modules are done, which challenges were solved (and how), which
extra credit was earned, and the next command. Progress is per backend scope (progress.py) and
survives `sandbox stop`: what was learned stays learned, even when the resources are gone."""

from __future__ import annotations


def module_state(entry: dict) -> str:
    """verified (with evidence for every check), or verified with some checks that could not run on
    this backend, or failed / error (a verify that failed or could not finish), deployed, not started;
    "not deployed now" once the sandbox that held its resources has stopped."""
    if entry.get("gone"):  # its resources went with the sandbox: what was learned is kept, said honestly
        return "verified, not deployed now" if entry.get("verified") else "not deployed now"
    if entry.get("verified"):
        return "verified"
    if entry.get("status") in ("error", "failed"):
        return entry["status"]
    if entry.get("could_not_run"):
        return f"verified ({entry['could_not_run']} check(s) could not run here)"
    return "deployed" if entry.get("deployed") else "not started"


def overview(scenario, progress: dict) -> dict:
    rows, earned, extra_total = [], 0, 0
    for module in scenario.modules:
        entry = progress.get(module.id, {})
        solved = entry.get("challenges", {})
        challenges = []
        for challenge in module.challenges:
            how = (solved.get(challenge.id) or {}).get("how")
            extra_total += challenge.optional
            earned += bool(challenge.optional and how == "own")
            challenges.append({"id": challenge.id, "title": challenge.title, "optional": challenge.optional,
                               "solved": how})
        rows.append({"id": module.id, "title": module.title, "requires": module.requires,
                     "state": module_state(entry), "done": bool(entry.get("verified")),
                     "deployed": bool(entry.get("deployed")) and not entry.get("gone"), "challenges": challenges})
    done = sum(r["done"] for r in rows)
    following = next_module(scenario, progress)
    return {"modules": rows, "done": done, "total": len(rows), "extra_credit": {"earned": earned, "total": extra_total},
            "next": f"workshop run {following.id}" if following else None}


def next_module(scenario, progress: dict, after: str | None = None):
    """The first module (in the workshop's order, after `after` when given) not done yet."""
    modules = scenario.modules
    if after is not None:
        ids = [m.id for m in modules]
        if after in ids:
            modules = modules[ids.index(after) + 1:] + modules[:ids.index(after)]
    return next((m for m in modules if not progress.get(m.id, {}).get("verified")), None)


def challenge_label(challenge: dict) -> str:
    mark = {"own": " ✓", "reference": " (solution used)", "skipped": " (skipped)"}.get(challenge["solved"] or "", "")
    return challenge["id"] + (" (extra credit)" if challenge["optional"] else "") + mark


def headline(view: dict) -> str:
    extra = view["extra_credit"]
    text = f"{view['done']} of {view['total']} modules done"
    if extra["total"]:
        text += f", {extra['earned']} of {extra['total']} extra credits earned"
    return text


def say_next(ui, scenario, progress: dict, just_ran: list[str], last_event: str | None = None) -> None:
    """Every run ends with where to go: the next module, or a completion summary."""
    if ui.quiet:
        return
    view = overview(scenario, progress)
    following = next_module(scenario, progress, after=just_ran[-1] if just_ran else None)
    if following is not None:
        ui.say(f"Next: [bold]workshop run {following.id}[/]  ({following.title}; {headline(view)})")
        return
    extra = view["extra_credit"]
    ui.say(f"[green]You have completed the workshop: all {view['total']} modules done.[/]")
    own = sum(c["solved"] == "own" for m in view["modules"] for c in m["challenges"] if not c["optional"])
    required = sum(not c["optional"] for m in view["modules"] for c in m["challenges"])
    ui.say(f"Challenges solved with your own pattern: {own} of {required}; extra credit: {extra['earned']} of {extra['total']}.")
    if own < required or extra["earned"] < extra["total"]:
        unsolved = [m["id"] for m in view["modules"] if any(c["solved"] != "own" for c in m["challenges"])]
        ui.say(f"Take a challenge yourself: [bold]workshop reset {unsolved[0]}[/], then [bold]workshop run {unsolved[0]}[/].")
    if last_event:
        ui.say(f"Follow any event above by its id, as `workshop trace {last_event}` does the last one; "
               "remove everything with `workshop cleanup`.")
    else:
        ui.say("Remove everything with `workshop cleanup`.")
