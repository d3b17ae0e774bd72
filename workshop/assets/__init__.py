"""The files the prerequisites are built from: Lambda sources, the state machine definition and
IAM policy templates, plus the helpers that turn them into API parameters.

Templates name the workshop's own resources with `${Region}`, `${Account}` and `${FunctionName}`
placeholders, so every policy is scoped to this account and region. Lambda code is zipped in
memory, deterministically (fixed timestamps, order and permissions), so the same sources always
give the same CodeSha256 and a second run changes nothing.

The workshop's Basic credentials live in scenarios.yaml (`credentials:`), the one place that holds
them; they are passed here as masked `Secret` values, and the authorizer package receives a salted
digest of them, never the password.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..aws.secrets import Secret

ROOT = Path(__file__).parent
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
AUTHORIZER_SALT = b"eventbridge-workshop-api-authorizer"  # must match lambda/api_authorizer/app.py
DIGEST_PLACEHOLDER = "__BASIC_AUTH_SHA256__"


class AssetError(ValueError):
    pass


def path(*parts: str) -> Path:
    target = ROOT.joinpath(*parts)
    if not target.resolve().is_relative_to(ROOT.resolve()):
        raise AssetError(f"asset path {'/'.join(parts)} leaves the assets directory")
    return target


def render(value: Any, values: dict[str, str]) -> Any:
    """Replace ${Name} placeholders in every string of a JSON-like value."""
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("${" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {render(k, values): render(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, values) for v in value]
    return value


def unresolved(value: Any) -> list[str]:
    """Placeholders left after rendering (a template naming a value nobody supplied)."""
    text = json.dumps(value)
    found, start = [], 0
    while (i := text.find("${", start)) != -1:
        end = text.find("}", i)
        found.append(text[i:end + 1])
        start = end + 1 if end != -1 else len(text)
    return found


def policy(name: str, **values: str) -> dict:
    """An IAM policy template from policies/NAME.json, rendered for this account and region."""
    try:
        template = json.loads(path("policies", f"{name}.json").read_text())
    except FileNotFoundError:
        raise AssetError(f"there is no policy template '{name}' in {ROOT / 'policies'}") from None
    document = render(template, values)
    missing = unresolved(document)
    if missing:
        raise AssetError(f"policy template '{name}' needs values for {', '.join(sorted(set(missing)))}")
    return document


def policy_names() -> list[str]:
    return sorted(p.stem for p in path("policies").glob("*.json"))


def state_machine_definition(name: str, **values: str) -> dict:
    try:
        template = json.loads(path("state_machines", f"{name}.asl.json").read_text())
    except FileNotFoundError:
        raise AssetError(f"there is no state machine definition '{name}' in {ROOT / 'state_machines'}") from None
    return render(template, values)


# Lambda packages -----------------------------------------------------------------------------
class ZipBytes(bytes):
    """A deployment package: passed to boto3 as bytes, shown in plans and logs as its size and hash."""

    def __repr__(self) -> str:
        return f"<zip {len(self)} bytes, CodeSha256 {code_sha256(self)}>"

    __str__ = __repr__


def code_sha256(package: bytes) -> str:
    """What Lambda reports as CodeSha256: base64 of the package's SHA-256."""
    return base64.b64encode(hashlib.sha256(bytes(package)).digest()).decode()


def lambda_package(name: str, credentials: tuple[str, Any] | None = None) -> ZipBytes:
    """Zip lambda/NAME/ in memory, the same bytes every time for the same sources.

    A source that expects the Basic-auth digest gets it from `credentials` (username, password)."""
    folder = path("lambda", name)
    if not folder.is_dir():
        raise AssetError(f"there is no Lambda source folder '{name}' in {ROOT / 'lambda'}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            data = file.read_bytes()
            if DIGEST_PLACEHOLDER.encode() in data:
                if credentials is None:
                    raise AssetError(f"the Lambda source '{name}' needs the workshop's credentials (scenarios.yaml: credentials)")
                data = data.replace(DIGEST_PLACEHOLDER.encode(), basic_auth_digest(*credentials).encode())
            info = zipfile.ZipInfo(file.relative_to(folder).as_posix(), date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permission bits below mean the same everywhere
            info.external_attr = (0o100644 & 0xFFFF) << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return ZipBytes(buffer.getvalue())


# credentials ---------------------------------------------------------------------------------
def basic_authorization(username: str, password) -> "Secret":
    """The Authorization header value for Basic credentials, masked."""
    from ..aws.secrets import Secret, reveal

    token = base64.b64encode(f"{username}:{reveal(password)}".encode()).decode()
    return Secret(f"Basic {token}")


def basic_auth_digest(username: str, password) -> str:
    """What the authorizer compares against: a salted SHA-256 of the expected header value."""
    from ..aws.secrets import reveal

    header = reveal(basic_authorization(username, password))
    return hashlib.sha256(AUTHORIZER_SALT + header.encode()).hexdigest()
