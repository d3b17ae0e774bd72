"""`workshop doctor` on the sandbox: every row is yes, proved by probes that leave nothing behind."""

from __future__ import annotations

from workshop.capabilities import NAMES


def _everything(aws) -> dict:
    events, lam = aws("events"), aws("lambda")
    return {
        "buses": sorted(b["Name"] for b in events.list_event_buses()["EventBuses"]),
        "rules": events.list_rules()["Rules"], "connections": events.list_connections()["Connections"],
        "queues": aws("sqs").list_queues().get("QueueUrls", []), "topics": aws("sns").list_topics()["Topics"],
        "functions": lam.list_functions()["Functions"], "roles": aws("iam").list_roles()["Roles"],
        "machines": aws("stepfunctions").list_state_machines()["stateMachines"],
        "apis": aws("apigateway").get_rest_apis()["items"],
        "groups": [g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"]],
        "log_policies": aws("logs").describe_resource_policies()["resourcePolicies"],
        "account_role": aws("apigateway").get_account().get("cloudwatchRoleArn") or "",
    }


def test_doctor_on_the_sandbox_says_yes_to_everything_and_cleans_up(cli, fresh, aws):
    before = _everything(aws)
    report = cli.json("doctor", timeout=300)
    rows = {r["name"]: r for r in report["capabilities"]}
    assert list(rows) == list(NAMES)
    assert all(r["supported"] is True for r in rows.values()), [r for r in rows.values() if r["supported"] is not True]
    assert all(r["reason"] for r in rows.values())
    assert report["url_form"] == "execute-api"
    assert _everything(aws) == before  # every probe removed what it made

    # cached per backend: run/verify read it without probing again
    table = cli("doctor")
    assert table.returncode == 0 and "Every check of the workshop can run here" in table.stderr
    assert "running Lambda function code" in table.stdout
