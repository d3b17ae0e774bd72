"""Eventual consistency: a call that AWS refuses while a new IAM role propagates is retried, with one
progress message, and gives up after its limit. Run against the sandbox, where Lambda refuses a
role that does not exist yet with the same error AWS gives for one that has not propagated."""

from __future__ import annotations

import json
import threading
import time
import uuid

import boto3
import botocore.exceptions
import pytest
from tests.support import ACCOUNT, REGION

from workshop import assets
from workshop.aws.propagation import lambda_role_not_ready as role_not_ready
from workshop.aws.propagation import retry_while_propagating

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def fresh_client(sandbox, service):
    return boto3.client(service, endpoint_url=sandbox.endpoint_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def waiting_notes():
    notes: list[str] = []
    return notes.append, notes


def test_create_function_waits_until_the_role_exists(sandbox):
    """The role appears only once the first attempt was refused (as IAM propagation would end)."""
    lam, iam = fresh_client(sandbox, "lambda"), fresh_client(sandbox, "iam")
    role, function = f"late-{uuid.uuid4().hex[:8]}", f"fn-{uuid.uuid4().hex[:8]}"
    notes: list[str] = []

    def say(summary):
        notes.append(summary)
        threading.Timer(1.0, lambda: iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))).start()

    retry_while_propagating(lam, ["CreateFunction"], role_not_ready, "Waiting for the role", say, limit_s=20)
    started = time.monotonic()
    created = lam.create_function(FunctionName=function, Runtime="python3.12", Handler="app.handler",
                                  Role=f"arn:aws:iam::{ACCOUNT}:role/{role}", Code={"ZipFile": assets.lambda_package("inventory", None)})
    assert created["FunctionName"] == function
    assert 1.0 < time.monotonic() - started < 20
    assert len(notes) == 1 and notes[0].startswith("Waiting for the role")
    lam.delete_function(FunctionName=function)
    iam.delete_role(RoleName=role)


def test_it_gives_up_after_its_limit(sandbox):
    lam = fresh_client(sandbox, "lambda")
    say, notes = waiting_notes()
    retry_while_propagating(lam, ["CreateFunction"], role_not_ready, "Waiting for the role", say, limit_s=1.5)
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        lam.create_function(FunctionName=f"fn-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Handler="app.handler",
                            Role=f"arn:aws:iam::{ACCOUNT}:role/never-{uuid.uuid4().hex[:8]}",
                            Code={"ZipFile": assets.lambda_package("inventory", None)})
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert 1.0 < time.monotonic() - started < 15
    assert len(notes) == 1


def test_other_errors_are_not_retried(sandbox):
    lam, iam = fresh_client(sandbox, "lambda"), fresh_client(sandbox, "iam")
    role, function = f"r-{uuid.uuid4().hex[:8]}", f"fn-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    params = dict(FunctionName=function, Runtime="python3.12", Handler="app.handler", Role=arn,
                  Code={"ZipFile": assets.lambda_package("inventory", None)})
    lam.create_function(**params)
    say, notes = waiting_notes()
    retry_while_propagating(lam, ["CreateFunction"], role_not_ready, "Waiting for the role", say, limit_s=20)
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        lam.create_function(**params)  # it exists: a conflict, not propagation
    assert raised.value.response["Error"]["Code"] == "ResourceConflictException"
    assert time.monotonic() - started < 5 and notes == []
    lam.delete_function(FunctionName=function)
    iam.delete_role(RoleName=role)
