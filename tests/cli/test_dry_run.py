"""`run MODULE --dry-run` on an empty sandbox plans every module without the resources its earlier
steps (or the modules it requires) would create, and changes nothing."""

from __future__ import annotations

import pytest

from tests.support import deployed_resources
from workshop import scenario

MODULES = [m.id for m in scenario.load().modules]


@pytest.fixture(scope="module")
def empty(cli, sandbox, aws):
    cli.ok("sandbox", "reset")
    return deployed_resources(aws)


@pytest.mark.parametrize("module", MODULES)
def test_dry_run_plans_each_module_on_an_empty_sandbox(cli, aws, empty, module):
    result = cli("run", module, "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not any(line.startswith("Error:") for line in result.stderr.splitlines())
    assert "→ " in result.stderr  # the plan: each call it would make
    assert deployed_resources(aws) == empty, "a dry run created something"
    assert cli.ledger() == []


def test_dry_run_of_sns_plans_the_topic_policy_before_the_topic_exists(cli, aws, empty):
    result = cli("run", "sns", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    create, allow = result.stderr.index("sns.create_topic("), result.stderr.index("Let rule USLabSupplyRule publish to topic Orders")
    assert create < allow
    assert not any("Orders" in t for t in deployed_resources(aws)["topics"])
