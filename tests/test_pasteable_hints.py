"""Every command a learner is shown (a hint, a failure, teaching text, a message of the code) can be
pasted as it is: no `…` or `...`, no <placeholders>, an `aws` command names a real operation with
all its required parameters, a `workshop` command parses. On the sandbox and other endpoints the
`aws` commands carry the endpoint (and, on the sandbox, its any-value credentials)."""

from __future__ import annotations

import ast
import re
import shlex
import uuid
from pathlib import Path
from types import SimpleNamespace

import botocore.session
import pytest
import typer.main
from botocore import xform_name

from workshop import hints, scenario
from workshop.commands import app

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"`((?:[A-Z_]+=\S+ )*(?:aws|workshop) [^`]*)`")
# Placeholders the code fills in before a learner sees a scenario's text (hints.for_check, hints.pasteable).
# A fixed event id: test ids must be the same in every xdist worker.
FILLED = {"EVENT_ID": str(uuid.UUID(int=0x5EED)), "{region}": "us-east-1", "{account}": "123456789012"}


def _scenario_texts() -> list[tuple[str, str]]:
    texts = []
    for module in scenario.load().modules:
        texts += [(f"{module.id} summary", module.summary or ""), (f"{module.id} reading", module.reading or "")]
        for step in module.steps:
            texts.append((f"{module.id}/{step.name} explain", step.explain or ""))
            for check in step.checks:
                texts += [(f"{module.id}/{check.name} hint", check.hint or ""), (f"{module.id}/{check.name} fail", check.fail or "")]
        for challenge in module.challenges:
            texts += [(f"{module.id}/{challenge.id} {field}", str(getattr(challenge, field, "") or ""))
                      for field in ("hint", "goal", "title")]
    return texts


def _code_texts() -> list[tuple[str, str]]:
    """Every string the code may show (docstrings and comments excluded); f-string fields become X."""
    texts = []
    for path in sorted((ROOT / "workshop").rglob("*.py")):
        if "sandbox" in path.relative_to(ROOT / "workshop").parts[:1]:
            continue  # the sandbox speaks AWS's APIs, not to the learner
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = node.value
            else:
                continue
            texts.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return texts


def _commands(texts, filled=None):
    found = []
    for where, text in texts:
        for key, value in (filled or {}).items():
            text = text.replace(key, value)
        found += [(where, command) for command in COMMAND.findall(text)]
    return found


SCENARIO_COMMANDS = _commands(_scenario_texts(), FILLED)
CODE_COMMANDS = _commands(_code_texts())  # the code fills nothing in after: what it says is what is shown
CLI = typer.main.get_command(app)
BOTOCORE = botocore.session.get_session()


def check_pasteable(command: str) -> None:
    assert "…" not in command and "..." not in command, f"an ellipsis: {command}"
    assert not re.search(r"<[^>]*>", command), f"a <placeholder>: {command}"
    words = shlex.split(command)
    while re.match(r"^[A-Z_]+=", words[0]):
        words.pop(0)  # VAR=value prefixes, as a shell reads them
    capitals = [w for w in words if re.fullmatch(r"\[?[A-Z][A-Z_]{2,}\]?", w)]
    assert not capitals, f"a placeholder ({capitals[0]}) a learner would have to replace: {command}"
    if words[0] == "aws":
        _check_aws(words[1:], command)
    else:
        _check_workshop(words[1:], command)


def _check_aws(words: list[str], command: str) -> None:
    while words and words[0] in ("--endpoint-url", "--region", "--profile"):
        words = words[2:]
    if words == ["configure"]:
        return  # the AWS CLI's own setup, not an API call
    service, operation, args = words[0], words[1], words[2:]
    model = BOTOCORE.get_service_model(service)
    names = {xform_name(op, "-"): op for op in model.operation_names}
    assert operation in names, f"aws {service} has no {operation}: {command}"
    required = model.operation_model(names[operation]).input_shape
    for member in (required.required_members if required else []):
        assert f"--{xform_name(member, '-')}" in args, f"{command}: --{xform_name(member, '-')} is required"


def _rest(ctx) -> list[str]:  # what a group left for its subcommand (click keeps it apart)
    return list(getattr(ctx, "_protected_args", [])) + list(ctx.args)


def _check_workshop(words: list[str], command: str) -> None:
    """Parsed as the CLI parses it (nothing runs): a usage error raises."""
    if words == ["X"]:
        return  # the command another process is running (state_lock names the holder of the lock)
    group, ctx = CLI, CLI.make_context("workshop", list(words))
    rest = _rest(ctx)
    assert rest, f"no command: {command}"
    while rest:
        name, sub, args = group.resolve_command(ctx, rest)
        ctx = sub.make_context(name, list(args), parent=ctx)
        if not hasattr(sub, "resolve_command"):
            return
        group, rest = sub, _rest(ctx)
    raise AssertionError(f"a command group without its command: {command}")


def test_the_scan_finds_commands_in_both_places():
    assert len(SCENARIO_COMMANDS) >= 10 and len(CODE_COMMANDS) >= 10
    assert any(c.startswith("aws ") for _, c in SCENARIO_COMMANDS) and any(c.startswith("workshop ") for _, c in CODE_COMMANDS)


@pytest.mark.parametrize("where,command", SCENARIO_COMMANDS + CODE_COMMANDS, ids=lambda v: v[:60] if isinstance(v, str) else v)
def test_every_command_shown_can_be_pasted(where, command):
    check_pasteable(command)


@pytest.mark.parametrize("bad", ["workshop logs …", "aws scheduler update-schedule ... --end-date",
                                 "aws events describe-replay", "aws sns get-subscription-attributes", "workshop run <module>",
                                 "workshop reset MODULE", "workshop hint [MODULE]",
                                 "workshop frobnicate", "aws events enable-rules --name X"])
def test_the_check_refuses_what_cannot_be_pasted(bad):
    with pytest.raises(Exception):
        check_pasteable(bad)


def _backend(kind: str, profile: str | None = None):
    return SimpleNamespace(choice=SimpleNamespace(kind=kind, profile=profile), region="eu-west-1", account="210987654321",
                           endpoint_url=None if kind == "aws" else "http://127.0.0.1:4566")


@pytest.mark.parametrize("kind,expected", [
    ("sandbox", "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url http://127.0.0.1:4566 --region eu-west-1 "),
    ("endpoint", "aws --endpoint-url http://127.0.0.1:4566 --region eu-west-1 "),
    ("aws", "aws --region eu-west-1 ")])
def test_aws_commands_in_hints_reach_the_backend_in_use(kind, expected):
    text = hints.pasteable("See `aws sns list-subscriptions-by-topic --topic-arn arn:aws:sns:{region}:{account}:Orders`.",
                           _backend(kind))
    (command,) = COMMAND.findall(text)
    assert command.startswith(expected), command
    assert command.endswith("arn:aws:sns:eu-west-1:210987654321:Orders")
    check_pasteable(command)


def test_a_profile_is_carried_to_the_aws_cli():
    text = hints.pasteable("`aws events list-rules`", _backend("aws", profile="dev"))
    assert text == "`aws --profile dev --region eu-west-1 events list-rules`"
