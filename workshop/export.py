"""`workshop export`: what the learner built, to take home, as a CloudFormation template or as AWS CLI commands.

What is exported is what exists: every resource the ledger holds for this backend is described
live (so the learner's own patterns and filter policies are what comes out), then turned into one
`Piece` per resource: a CloudFormation resource and the API calls that create it. The template is
JSON; the CLI form is `aws <service> <command> --cli-input-json '<request>'`, the same requests.

Account ids and regions become `${AWS::AccountId}` / `${AWS::Region}` (Fn::Sub), so the template
deploys anywhere. Secrets never appear: the connection's password and the authorizer's credential
digest are NoEcho parameters in the template and placeholders in the CLI commands. What a service
names by itself (API Gateway's execution log group) and what is account-wide (API Gateway's
CloudWatch role) is left out, with a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

PASSWORD_PARAMETER = "ConnectionPassword"
DIGEST_PARAMETER = "BasicAuthDigest"
PASSWORD_PLACEHOLDER = "<password of the API destination connection>"
_SECRET = "__WORKSHOP_SECRET_PARAMETER__"  # where a parameter goes, until the template is written


@dataclass
class Piece:
    logical_id: str
    cfn_type: str
    properties: dict
    calls: list[tuple[str, str, dict]] = field(default_factory=list)  # (CLI service, CLI command, request)
    arns: list[str] = field(default_factory=list)  # what other pieces may name it by
    depends_on: set[str] = field(default_factory=set)
    module: str = ""  # the workshop module that created it (the template's Metadata says so)


@dataclass
class Export:
    pieces: list[Piece]
    notes: list[str]
    account: str
    region: str


def logical_id(*parts: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", " ".join(parts))
    return "".join(w[:1].upper() + w[1:] for w in words if w)[:255] or "Resource"


# reading what exists ---------------------------------------------------------------------------
def collect(ctx) -> Export:
    from .exporters import EXPORTERS

    pieces, notes, seen = [], [], set()
    for resource in ctx.backend.ledger.resources():
        exporter = EXPORTERS.get(resource.kind)
        if exporter is None:
            continue
        for piece in exporter(ctx, resource, notes) or []:
            if piece.logical_id in seen:
                continue
            seen.add(piece.logical_id)
            piece.module = piece.module or resource.module
            pieces.append(piece)
    _link(pieces)
    return Export(pieces, sorted(set(notes)), ctx.account, ctx.region)


def _link(pieces: list[Piece]) -> None:
    """A piece depends on every other piece whose ARN it names (exactly), so CloudFormation creates
    them in order."""
    by_arn = {arn: p.logical_id for p in pieces for arn in p.arns}
    for piece in pieces:
        for value in _strings(piece.properties):
            for candidate in (value, value.removesuffix(":*"), value.removesuffix(":$LATEST")):
                owner = by_arn.get(candidate)
                if owner and owner != piece.logical_id:
                    piece.depends_on.add(owner)


def _refs(value) -> set[str]:
    if isinstance(value, dict):
        return ({value["Ref"]} if isinstance(value.get("Ref"), str) else set()) | {r for v in value.values() for r in _refs(v)}
    if isinstance(value, list):
        return {r for v in value for r in _refs(v)}
    return set()


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# CloudFormation --------------------------------------------------------------------------------
def cloudformation(export: Export) -> dict:
    resources = {}
    used_secrets = set()
    present = {p.logical_id for p in export.pieces}
    for piece in export.pieces:
        piece.depends_on &= present  # a resource that was there before the workshop is not in the template
        piece.depends_on -= _refs(piece.properties)  # a Ref orders them already
        body: dict[str, Any] = {"Type": piece.cfn_type,
                                "Properties": _portable(piece.properties, export.account, export.region, used_secrets)}
        if piece.depends_on:
            body["DependsOn"] = sorted(piece.depends_on)
        if piece.module:
            body["Metadata"] = {"WorkshopModule": piece.module}
        resources[piece.logical_id] = body
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "What you built in the Amazon EventBridge workshop, exported by `workshop export`.",
    }
    parameters = {}
    if PASSWORD_PARAMETER in used_secrets:
        parameters[PASSWORD_PARAMETER] = {"Type": "String", "NoEcho": True,
                                          "Description": "The password of the API destination's Basic-auth connection"}
    if DIGEST_PARAMETER in used_secrets:
        parameters[DIGEST_PARAMETER] = {"Type": "String", "NoEcho": True,
                                        "Description": "SHA-256 (hex) of the salt and 'Basic base64(user:password)' the authorizer allows"}
    if parameters:
        template["Parameters"] = parameters
    if export.notes:
        template["Metadata"] = {"WorkshopNotes": export.notes}
    template["Resources"] = resources
    return template


def _portable(value, account: str, region: str, secrets: set):
    """ARNs and names with this account and region become Fn::Sub; secret markers become Refs."""
    if isinstance(value, dict):
        if set(value) == {_SECRET}:
            secrets.add(value[_SECRET])
            return {"Ref": value[_SECRET]}
        return {k: _portable(v, account, region, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_portable(v, account, region, secrets) for v in value]
    if isinstance(value, str) and (account in value or f":{region}:" in value or f".{region}." in value):
        escaped = value.replace("${", "${!")
        escaped = escaped.replace(account, "${AWS::AccountId}").replace(f":{region}:", ":${AWS::Region}:")
        escaped = escaped.replace(f".{region}.", ".${AWS::Region}.")
        return {"Fn::Sub": escaped}
    return value


def secret(parameter: str) -> dict:
    """A secret's place in a piece: a parameter in the template, a placeholder in the CLI."""
    return {_SECRET: parameter}


# AWS CLI ---------------------------------------------------------------------------------------
def cli(export: Export) -> str:
    lines = ["#!/bin/sh",
             "# What you built in the Amazon EventBridge workshop, as AWS CLI commands (exported by `workshop export`).",
             f"# Account {export.account} and region {export.region} as they were; change them for another account.",
             "set -e"]
    for note in export.notes:
        lines.append(f"# Note: {note}")
    for piece in _ordered(export.pieces):
        for service, command, request in piece.calls:
            text = json.dumps(_placeholders(request), separators=(",", ":")).replace("'", "'\\''")
            lines.append(f"aws {service} {command} --cli-input-json '{text}'")
    return "\n".join(lines) + "\n"


def _placeholders(value):
    if isinstance(value, dict):
        if set(value) == {_SECRET}:
            return PASSWORD_PLACEHOLDER if value[_SECRET] == PASSWORD_PARAMETER else "<credential digest of the API authorizer>"
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _ordered(pieces: list[Piece]) -> list[Piece]:
    """Dependencies first (the template's DependsOn, as a topological order)."""
    done: list[Piece] = []
    names = {p.logical_id: p for p in pieces}
    visiting: set[str] = set()

    def visit(piece: Piece) -> None:
        if piece in done or piece.logical_id in visiting:
            return
        visiting.add(piece.logical_id)
        for dependency in sorted(piece.depends_on):
            if dependency in names:
                visit(names[dependency])
        done.append(piece)

    for piece in pieces:
        visit(piece)
    return done
