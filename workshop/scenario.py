"""scenarios.yaml as typed objects: modules, steps, checks, samples, challenges.

The file is plain data an instructor can read (like rustlings' info.toml): each step says what it
does (`do:` a step kind and its arguments) and what proves it (`check:` named conditions, each with
a failure message and a hint). Every error names file:line and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError
from .typed_yaml import MAX_FILE_BYTES, TypedYamlError, compose, decode, plain, read


@dataclass
class Events:
    """Where the workshop's events go and what they say they are, unless a sample (or `workshop
    publish`) says otherwise."""

    bus: str
    source: str
    detail_type: str


@dataclass
class Sample:
    detail: dict
    bus: str | None = None  # None: the file's `events` default (filled in when the file loads)
    source: str | None = None
    detail_type: str | None = None
    description: str = ""
    replay_name: str = ""  # the event as a replay delivers it (only for grading: PutEvents cannot set it)
    attributes: dict = field(default_factory=dict)  # as an SNS message: its message attributes (body: the detail)


@dataclass
class Credentials:
    """The workshop's Basic-auth credentials (API destination module). The password is masked
    everywhere it could be shown."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='****')"

    def pair(self):
        from .aws.secrets import Secret

        return self.username, Secret(self.password)


@dataclass
class Check:
    name: str
    kind: str
    args: Any
    fail: str = ""
    hint: str = ""
    needs: tuple[str, ...] = ()  # backend capabilities beyond its kind's (e.g. deliver_sns)


@dataclass
class Step:
    name: str
    kind: str
    args: Any
    explain: str = ""
    checks: list[Check] = field(default_factory=list)
    line: int = 0  # where it stands in the file, for errors found after loading


@dataclass
class Challenge:
    id: str
    title: str
    goal: str
    must_match: list[str]
    must_not_match: list[str]
    solution: dict
    hint: str = ""
    optional: bool = False  # extra credit: offered, never required
    filter_scope: str = ""  # graded as an SNS filter policy on MessageAttributes or MessageBody, not an event pattern

    def __post_init_yaml__(self):
        # An invalid reference solution is a broken file, found at load, by the rules it is graded with.
        if self.filter_scope:
            from . import sns_filters

            sns_filters.validate(self.solution, self.filter_scope)
            return
        from . import patterns

        patterns.validate(self.solution)


@dataclass
class Output:
    """One of a module's outputs (as a CloudFormation stack's): the resource whose ARN or URL it shows."""

    rest_api: str | None = None  # its stage's invoke URL
    stage: str = "Prod"
    state_machine: str | None = None
    sns_topic: str | None = None
    sqs_queue: str | None = None  # its URL
    lambda_function: str | None = None
    event_bus: str | None = None

    KINDS = ("rest_api", "state_machine", "sns_topic", "sqs_queue", "lambda_function", "event_bus")

    def __post_init_yaml__(self):
        if sum(getattr(self, kind) is not None for kind in self.KINDS) != 1:
            raise ValueError(f"an output names exactly one of {', '.join(self.KINDS)}")

    @property
    def kind(self) -> str:
        return next(kind for kind in self.KINDS if getattr(self, kind) is not None)


@dataclass
class Module:
    id: str
    title: str
    summary: str
    steps: list[Step]
    requires: list[str] = field(default_factory=list)
    reading: str = ""
    challenges: list[Challenge] = field(default_factory=list)
    outputs: dict[str, Output] = field(default_factory=dict)

    @cached_property
    def checks(self) -> list[Check]:
        return [c for s in self.steps for c in s.checks]


@dataclass
class Scenario:
    path: str
    samples: dict[str, Sample]
    modules: list[Module]
    credentials: Credentials | None = None
    events: Events | None = None

    def require_credentials(self) -> Credentials:
        if self.credentials is None:
            raise ScenarioError(f"{self.path}: this module needs the workshop's Basic credentials (a top-level 'credentials:' entry)")
        return self.credentials

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        from .errors import BadInput

        raise BadInput(f"Unknown module '{module_id}': choose one of {', '.join(m.id for m in self.modules)}.")

    def challenge(self, challenge_id: str) -> Challenge:
        for module in self.modules:
            for challenge in module.challenges:
                if challenge.id == challenge_id:
                    return challenge
        raise KeyError(challenge_id)


# The file's raw shapes; step `do:` and `check:` entries are resolved against the kind registries.
@dataclass
class _RawCheck:
    name: str
    fail: str = ""
    hint: str = ""


@dataclass
class _RawStep:
    name: str
    do: dict
    explain: str = ""
    check: list = field(default_factory=list)


@dataclass
class _RawModule:
    id: str
    title: str
    summary: str
    steps: list
    requires: list[str] = field(default_factory=list)
    reading: str = ""
    challenges: list[Challenge] = field(default_factory=list)
    outputs: dict[str, Output] = field(default_factory=dict)


def default_path() -> Path:
    return Path(str(resources.files("workshop") / "scenarios.yaml"))


def load(path: str | Path | None = None) -> Scenario:
    from . import steps, verify

    path = Path(path) if path else default_path()
    shown = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read the scenarios file ({exc.strerror or exc}).") from None
    try:
        if len(data) > MAX_FILE_BYTES:
            raise TypedYamlError(shown, None, f"the file is larger than {MAX_FILE_BYTES // 1024} KB, the most a scenarios file may be")
        return _build(compose(decode(data, shown), shown), shown, steps.KINDS, verify.KINDS)
    except TypedYamlError as exc:
        raise ScenarioError(str(exc)) from None


def _mapping_items(node: yaml.Node, path: str, what: str):
    if not isinstance(node, yaml.MappingNode):
        raise TypedYamlError(path, node, f"{what} must be a mapping")
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise TypedYamlError(path, k, "a key must be a plain value, not a list or a mapping")
    return [(plain(k, path), k, v) for k, v in node.value]


def _build(root: yaml.Node, path: str, step_kinds: dict, check_kinds: dict) -> Scenario:
    top = {key: (knode, vnode) for key, knode, vnode in _mapping_items(root, path, "the file")}
    for key, (knode, _) in top.items():
        if key not in ("events", "samples", "modules", "credentials"):
            raise TypedYamlError(path, knode, f"unknown top-level key '{key}' (expected credentials, events, samples, modules)")
    if "modules" not in top:
        raise TypedYamlError(path, root, "the file needs a 'modules' list")
    events = read(top["events"][1], Events, path, "events") if "events" in top else _workshop_events(path)
    samples = read(top["samples"][1], dict[str, Sample], path, "samples") if "samples" in top else {}
    for name, sample in samples.items():
        for key in ("bus", "source", "detail_type"):
            if getattr(sample, key) is None:
                if events is None:
                    raise TypedYamlError(path, top["samples"][1], f"sample {name} names no {key.replace('_', '-')}, "
                                                                  "and the file has no 'events' default")
                setattr(sample, key, getattr(events, key))
    credentials = read(top["credentials"][1], Credentials, path, "credentials") if "credentials" in top else None
    modules_node = top["modules"][1]
    if not isinstance(modules_node, yaml.SequenceNode):
        raise TypedYamlError(path, modules_node, "modules must be a list")

    modules: list[Module] = []
    module_lines: dict[str, int] = {}
    for module_node in modules_node.value:
        raw = read(module_node, _RawModule, path, "a module")
        steps_node = _field_node(module_node, "steps", path)
        if not isinstance(steps_node, yaml.SequenceNode):
            raise TypedYamlError(path, steps_node, f"module {raw.id}: steps must be a list")
        built_steps = [_build_step(n, path, raw.id, step_kinds, check_kinds) for n in steps_node.value]
        if any(m.id == raw.id for m in modules):
            raise TypedYamlError(path, module_node, f"module id '{raw.id}' is used twice")
        modules.append(Module(raw.id, raw.title, raw.summary, built_steps, raw.requires, raw.reading, raw.challenges,
                              raw.outputs))
        module_lines[raw.id] = module_node.start_mark.line + 1

    scenario = Scenario(path, samples, modules, credentials, events)
    _cross_check(scenario, root, path)
    _check_requires_cycles(scenario, module_lines, path)
    _check_credentials(scenario, path, step_kinds)
    return scenario


def _workshop_events(path: str) -> Events | None:
    """A file without its own `events` (another scenarios file) takes the workshop's."""
    if Path(path) == default_path():
        return None
    root = compose(default_path().read_text(), str(default_path()))
    for key, _, value in _mapping_items(root, str(default_path()), "the file"):
        if key == "events":
            return read(value, Events, str(default_path()), "events")
    return None


def _field_node(mapping: yaml.Node, name: str, path: str) -> yaml.Node:
    for key, knode, vnode in _mapping_items(mapping, path, "a module"):
        if key == name:
            return vnode
    raise TypedYamlError(path, mapping, f"missing field '{name}'")


def _one_kind(node: yaml.Node, path: str, kinds: dict, what: str, reserved: tuple[str, ...]):
    """`{kind: args}` (plus reserved keys like name/fail/hint): returns (kind, args node)."""
    found = [(key, knode, vnode) for key, knode, vnode in _mapping_items(node, path, what) if key not in reserved]
    if len(found) != 1:
        raise TypedYamlError(path, node, f"{what} needs exactly one kind, one of: {', '.join(sorted(kinds))}")
    key, knode, vnode = found[0]
    if key not in kinds:
        raise TypedYamlError(path, knode, f"unknown {what} kind '{key}' (expected one of: {', '.join(sorted(kinds))})")
    return key, vnode


def _build_step(node: yaml.Node, path: str, module_id: str, step_kinds: dict, check_kinds: dict) -> Step:
    raw = read(node, _RawStep, path, f"a step of module {module_id}")
    do_node = next(v for k, _, v in _mapping_items(node, path, "a step") if k == "do")
    kind, args_node = _one_kind(do_node, path, step_kinds, "step", ())
    args = read(args_node, step_kinds[kind].args, path, f"step '{raw.name}' ({kind})")
    checks = []
    check_list = next((v for k, _, v in _mapping_items(node, path, "a step") if k == "check"), None)
    if check_list is not None:
        if not isinstance(check_list, yaml.SequenceNode):
            raise TypedYamlError(path, check_list, f"step '{raw.name}': check must be a list")
        for check_node in check_list.value:
            ckind, cargs_node = _one_kind(check_node, path, check_kinds, "check", ("name", "fail", "hint", "needs"))
            meta = {k: plain(v, path) for k, _, v in _mapping_items(check_node, path, "a check") if k in ("name", "fail", "hint")}
            needs = _needs(check_node, path)
            if "name" not in meta:
                raise TypedYamlError(path, check_node, f"a check of step '{raw.name}' is missing the field 'name'")
            for key in meta:
                if not isinstance(meta[key], str):
                    raise TypedYamlError(path, check_node, f"check field '{key}' must be a string")
            cargs = read(cargs_node, check_kinds[ckind].args, path, f"check '{meta['name']}' ({ckind})")
            checks.append(Check(meta["name"], ckind, cargs, meta.get("fail", ""), meta.get("hint", ""), needs))
    return Step(raw.name, kind, args, raw.explain, checks, node.start_mark.line + 1)


def _needs(check_node: yaml.Node, path: str) -> tuple[str, ...]:
    """A check's `needs:`: capability names (see `workshop doctor`), checked against the known ones."""
    from .capabilities import NAMES

    for key, knode, vnode in _mapping_items(check_node, path, "a check"):
        if key != "needs":
            continue
        value = plain(vnode, path)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypedYamlError(path, vnode, "needs must be a list of capability names")
        for name in value:
            if name not in NAMES:
                raise TypedYamlError(path, vnode, f"unknown capability '{name}' (expected one of: {', '.join(NAMES)})")
        return tuple(value)
    return ()


def _cross_check(scenario: Scenario, root: yaml.Node, path: str) -> None:
    """References between entries: samples and challenges named must exist, requires must resolve."""
    ids = {m.id for m in scenario.modules}
    challenges = {c.id for m in scenario.modules for c in m.challenges}
    for module in scenario.modules:
        for required in module.requires:
            if required not in ids:
                raise TypedYamlError(path, root, f"module {module.id} requires unknown module '{required}'")
        for challenge in module.challenges:
            for name in challenge.must_match + challenge.must_not_match:
                if name not in scenario.samples:
                    raise TypedYamlError(path, root, f"challenge {challenge.id} names unknown sample '{name}'")
        for step in module.steps:
            for value in _references(step.args) + [r for c in step.checks for r in _references(c.args)]:
                kind, name = value
                where = f"{path}:{step.line}"
                if kind == "sample" and name not in scenario.samples:
                    raise TypedYamlError(where, None, f"step '{step.name}' of module {module.id} names unknown sample '{name}'")
                if kind == "challenge" and name not in challenges:
                    raise TypedYamlError(where, None, f"step '{step.name}' of module {module.id} names unknown challenge '{name}'")


def _check_requires_cycles(scenario: Scenario, lines: dict[str, int], path: str) -> None:
    """A module that requires itself, directly or through others, could never run: say so now."""
    requires = {m.id: m.requires for m in scenario.modules}
    done: set[str] = set()

    def visit(module_id: str, trail: list[str]) -> None:
        if module_id in trail:
            cycle = trail[trail.index(module_id):] + [module_id]
            raise TypedYamlError(f"{path}:{lines[cycle[0]]}", None,
                                 f"module {cycle[0]} requires itself ({' -> '.join(cycle)})")
        if module_id in done:
            return
        for required in requires.get(module_id, []):
            visit(required, trail + [module_id])
        done.add(module_id)

    for module in scenario.modules:
        visit(module.id, [])


# Step and check kinds that use the scenario's `credentials` (require_credentials() at run time).
NEEDS_CREDENTIALS = {"connection", "api_authorizes"}


def _check_credentials(scenario: Scenario, path: str, step_kinds: dict) -> None:
    """Steps that need the workshop's Basic credentials fail at load time, before any call, without them."""
    if scenario.credentials is not None:
        return
    for module in scenario.modules:
        for step in module.steps:
            kinds = {step.kind} | {check.kind for check in step.checks}
            if kinds & NEEDS_CREDENTIALS:
                raise TypedYamlError(f"{path}:{step.line}", None,
                                     f"step '{step.name}' of module {module.id} needs the workshop's Basic credentials: "
                                     "add a top-level 'credentials:' entry with username and password")


def _references(args) -> list[tuple[str, str]]:
    refs = []
    for key in ("sample", "challenge"):
        value = getattr(args, key, None)
        if isinstance(value, str):
            refs.append((key, value))
    for value in getattr(args, "samples", None) or []:
        refs.append(("sample", value))
    return refs
