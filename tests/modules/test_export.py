"""`workshop export`: the template is clean under cfn-lint, keeps no secret, and deploys through
CloudFormation on a fresh sandbox (the resource types moto's CloudFormation supports), where the
modules' verify passes; the CLI form holds the same requests with placeholders for secrets."""

from __future__ import annotations

import base64
import json

import pytest

# Resource types moto 5.2.5's CloudFormation creates (of those the export writes).
MOTO_CFN_TYPES = {"AWS::Events::EventBus", "AWS::Events::Rule", "AWS::Events::Archive", "AWS::Logs::LogGroup",
                  "AWS::Logs::ResourcePolicy", "AWS::IAM::Role", "AWS::SQS::Queue", "AWS::SNS::Topic",
                  "AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::StepFunctions::StateMachine"}
SECRETS = ("myPassword", base64.b64encode(b"myUsername:myPassword").decode())


@pytest.fixture(scope="module")
def exported(cli, sandbox, tmp_path_factory):
    assert cli("sandbox", "reset").returncode == 0
    result = cli("run", "event-bus", "api-destination", "error-handling", "archive-replay", "scheduler", "sns-filtering",
                 "--yes", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    template = cli("export", "--format", "cloudformation")
    commands = cli("export", "--format", "cli")
    assert template.returncode == 0, template.stderr
    assert commands.returncode == 0, commands.stderr
    path = tmp_path_factory.mktemp("export") / "template.json"
    path.write_text(template.stdout)
    return {"template": json.loads(template.stdout), "path": path, "cli": commands.stdout}


def test_the_template_holds_what_was_built(exported):
    resources = exported["template"]["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert {"AWS::Events::EventBus", "AWS::Events::Rule", "AWS::Events::Archive", "AWS::Scheduler::Schedule",
            "AWS::SNS::Subscription", "AWS::SQS::QueuePolicy", "AWS::Lambda::EventInvokeConfig", "AWS::IAM::Role",
            "AWS::Events::Connection", "AWS::Lambda::Function"} <= types
    rule = next(r for r in resources.values() if r["Type"] == "AWS::Events::Rule" and r["Properties"]["Name"] == "OrdersReplayRule")
    assert rule["Properties"]["EventPattern"] == {"replay-name": [{"exists": True}], "source": ["com.aws.orders"]}
    invoke = next(r for r in resources.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig")
    assert set(invoke["Properties"]["DestinationConfig"]) == {"OnSuccess", "OnFailure"}
    subscription = next(r for r in resources.values() if r["Type"] == "AWS::SNS::Subscription"
                        and r["Properties"].get("FilterPolicyScope") == "MessageBody")
    assert subscription["Properties"]["FilterPolicy"] == {"category": ["books"]}


def test_the_template_keeps_no_secret_and_no_account(exported):
    text = exported["path"].read_text()
    assert not any(secret in text for secret in SECRETS)
    assert "123456789012" not in text
    parameters = exported["template"]["Parameters"]
    assert parameters["ConnectionPassword"]["NoEcho"] is True and parameters["BasicAuthDigest"]["NoEcho"] is True


def test_the_template_is_clean_under_cfn_lint(exported):
    from cfnlint.api import lint_file

    findings = lint_file(exported["path"])
    assert findings == [], "\n".join(str(f) for f in findings)


def test_the_cli_form_is_the_same_requests_with_placeholders(exported):
    lines = [line for line in exported["cli"].splitlines() if line.startswith("aws ")]
    assert lines and not any(secret in exported["cli"] for secret in SECRETS)
    assert any(line.startswith("aws events create-archive ") for line in lines)
    assert any(line.startswith("aws scheduler create-schedule ") for line in lines)
    connection = next(line for line in lines if line.startswith("aws events create-connection "))
    assert "<password of the API destination connection>" in connection
    for line in lines:
        request = line.split(" --cli-input-json ", 1)[1]
        assert request.startswith("'") and request.endswith("'")
        json.loads(request[1:-1].replace("'\\''", "'"))
    order = [line.split(" ")[2] for line in lines]
    assert order.index("create-event-bus") < order.index("put-rule")  # what a rule needs comes first


def test_the_template_deploys_on_a_fresh_sandbox_and_verify_passes(cli, exported, aws):
    template = exported["template"]
    kept = {name: body for name, body in template["Resources"].items() if body["Type"] in MOTO_CFN_TYPES}
    for body in kept.values():
        if "DependsOn" in body:
            body["DependsOn"] = [d for d in body["DependsOn"] if d in kept]
    deployable = dict(template, Resources=kept)
    assert cli("sandbox", "reset").returncode == 0
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="workshop-export", TemplateBody=json.dumps(deployable),
                     Parameters=[{"ParameterKey": "ConnectionPassword", "ParameterValue": "not-the-password"},
                                 {"ParameterKey": "BasicAuthDigest", "ParameterValue": "0" * 64}],
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    stack = cfn.describe_stacks(StackName="workshop-export")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    assert aws("events").describe_archive(ArchiveName="OrderEventArchive")["RetentionDays"] == 30
    report = cli.json("verify", "event-bus")
    assert report["passed"] is True, report
