"""The Lambda packages, offline: deterministic zips, no credential inside, and the handlers do what
REFERENCE.md says (the real code, unpacked from the real package and run)."""

from __future__ import annotations

import base64
import importlib.util
import io
import zipfile

import pytest
from tests.support import BASIC_TOKEN, PASSWORD

from workshop import assets, scenario
from workshop.aws.secrets import Secret, masked

CREDENTIALS = scenario.load().require_credentials().pair()  # the built-in workshop's, as the steps use them


def load_handler(package: bytes, tmp_path, name: str):
    folder = tmp_path / name
    zipfile.ZipFile(io.BytesIO(package)).extractall(folder)
    spec = importlib.util.spec_from_file_location(f"asset_{name}", folder / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["inventory", "api_authorizer"])
def test_packages_are_deterministic(name):
    first, second = assets.lambda_package(name, CREDENTIALS), assets.lambda_package(name, CREDENTIALS)
    assert bytes(first) == bytes(second)
    assert assets.code_sha256(first) == assets.code_sha256(second)
    assert len(base64.b64decode(assets.code_sha256(first))) == 32
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert "__pycache__" not in info.filename


def test_package_shows_itself_as_size_and_hash():
    package = assets.lambda_package("inventory", CREDENTIALS)
    assert str(package).startswith("<zip ") and assets.code_sha256(package) in repr(package)


def test_authorizer_package_holds_no_credential():
    package = bytes(assets.lambda_package("api_authorizer", CREDENTIALS))
    text = b"".join(zipfile.ZipFile(io.BytesIO(package)).read(i) for i in zipfile.ZipFile(io.BytesIO(package)).namelist())
    assert PASSWORD.encode() not in text and BASIC_TOKEN.encode() not in text
    assert assets.DIGEST_PLACEHOLDER.encode() not in text  # the digest was filled in
    assert assets.basic_auth_digest(*CREDENTIALS).encode() in text


def test_credentials_are_masked():
    username, password = CREDENTIALS
    assert username == "myUsername" and isinstance(password, Secret)
    header = assets.basic_authorization(username, password)
    assert str(header) == "****" and repr(header) == "'****'" and f"{header}" == "****"
    assert masked({"Authorization": header}) == {"Authorization": "****"}


def test_authorizer_allows_exactly_the_workshop_credentials(tmp_path):
    module = load_handler(assets.lambda_package("api_authorizer", CREDENTIALS), tmp_path, "authorizer")
    method_arn = "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/POST/"

    def effect(headers):
        answer = module.handler({"type": "REQUEST", "methodArn": method_arn, "headers": headers}, None)
        (statement,) = answer["policyDocument"]["Statement"]
        assert statement["Resource"] == method_arn and statement["Action"] == "execute-api:Invoke"
        return statement["Effect"]

    right = "Basic " + BASIC_TOKEN
    assert effect({"Authorization": right}) == "Allow"
    assert effect({"authorization": right}) == "Allow"  # header names are case-insensitive
    assert effect({"Authorization": "Basic " + base64.b64encode(b"myUsername:wrong").decode()}) == "Deny"
    assert effect({"Authorization": "Basic " + base64.b64encode(b"someone:myPassword").decode()}) == "Deny"
    assert effect({"Authorization": "Bearer " + BASIC_TOKEN}) == "Deny"
    assert effect({}) == "Deny"


def test_inventory_returns_the_detail_and_fails_on_force_error(tmp_path):
    module = load_handler(assets.lambda_package("inventory", CREDENTIALS), tmp_path, "inventory")
    detail = {"OrderId": "new_id", "OrderDetails": {"category": "office-supplies", "value": 1200, "location": "eu-west"}}
    assert module.handler({"detail-type": "Order Processed", "detail": detail}, None) == detail
    assert module.handler({"detail": {"OrderDetails": {"force-error": False}}}, None) == {"OrderDetails": {"force-error": False}}
    with pytest.raises(Exception, match="force-error"):
        module.handler({"detail": {"OrderId": "new_id", "OrderDetails": {"force-error": True}}}, None)


def test_templates_render_completely():
    for name in assets.policy_names():
        document = assets.policy(name, Region="eu-west-1", Account="111122223333", FunctionName="F")
        assert assets.unresolved(document) == []
    with pytest.raises(assets.AssetError, match="FunctionName"):
        assets.policy("lambda-logs", Region="eu-west-1", Account="111122223333")
