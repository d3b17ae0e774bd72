"""Step kinds `connection` and `api_destination`: EventBridge calling an HTTP endpoint.

The password goes to EventBridge (which keeps it in Secrets Manager) wrapped in a Secret, so it is
masked in plans, progress and tracebacks; Describe calls never return it, so an existing
connection is used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..aws.lookups import api_url, find_api
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Record


@dataclass
class ConnectionArgs:
    name: str  # Basic auth with the scenario's `credentials`
    description: str = ""


@step_kind("connection", ConnectionArgs)
def plan_connection(ctx, args: ConnectionArgs):
    events = ctx.client("events")
    if ctx.found(lambda: events.describe_connection(Name=args.name)):
        if not ctx.ours("connection", args.name):
            ctx.foreign(f"Connection {args.name}", "it is not in workshop's ledger, and its credentials cannot be read to compare",
                        adoptable=False, reason="AWS never returns a connection's secret, so cleanup could not put it back")
        return [ctx.existing_note("connection", args.name, f"Connection {args.name}")]
    username, password = ctx.scenario.require_credentials().pair()
    params = {"Name": args.name, "AuthorizationType": "BASIC",
              "AuthParameters": {"BasicAuthParameters": {"Username": username, "Password": password}}}
    if args.description:
        params["Description"] = args.description
    return [ApiCall("events", "create_connection", params, f"Create connection {args.name} (Basic auth as {username})",
                    records=Resource("connection", args.name, {"name": args.name}))]


@dataclass
class ApiDestinationArgs:
    name: str
    connection: str
    rest_api: str  # the REST API (by name) whose stage URL is the endpoint: the stack's ApiUrl output
    stage: str = "Prod"
    method: str = "POST"
    rate_limit_per_second: int | None = None


@step_kind("api_destination", ApiDestinationArgs)
def plan_api_destination(ctx, args: ApiDestinationArgs):
    events = ctx.client("events")
    api = find_api(ctx, args.rest_api)
    url = api_url(api["id"], ctx.region, args.stage) if api else None
    if url is None:
        if not ctx.dry_run:
            from ..errors import WorkshopError

            raise WorkshopError(f"There is no REST API named {args.rest_api}: run `workshop run prerequisites` first.")
        url = f"<ApiUrl of {args.rest_api}>"
    existing = ctx.found(lambda: events.describe_api_destination(Name=args.name))
    connection = ctx.found(lambda: events.describe_connection(Name=args.connection))
    connection_arn = connection["ConnectionArn"] if connection else f"<ARN of connection {args.connection}>"
    params = {"Name": args.name, "ConnectionArn": connection_arn, "InvocationEndpoint": url, "HttpMethod": args.method}
    if args.rate_limit_per_second:
        params["InvocationRateLimitPerSecond"] = args.rate_limit_per_second
    if existing:
        if (existing.get("InvocationEndpoint") == url and existing.get("HttpMethod") == args.method
                and existing.get("ConnectionArn") == connection_arn):
            return [ctx.existing_note("api_destination", args.name, f"API destination {args.name}")]
        if ctx.ours("api_destination", args.name):
            return [ApiCall("events", "update_api_destination", params, f"Point API destination {args.name} at {url}")]
        ctx.foreign(f"API destination {args.name}", "it is not in workshop's ledger and points elsewhere")
        previous = {k: existing[k] for k in ("ConnectionArn", "InvocationEndpoint", "HttpMethod", "InvocationRateLimitPerSecond")
                    if existing.get(k)}
        return [Record(Resource("api_destination", args.name, {"name": args.name, "adopted": previous}),
                       f"Record API destination {args.name} as it is now: cleanup puts it back"),
                ApiCall("events", "update_api_destination", params, f"Point API destination {args.name} at {url} (--adopt)")]
    return [ApiCall("events", "create_api_destination", params, f"Create API destination {args.name}: {args.method} {url}",
                    records=Resource("api_destination", args.name, {"name": args.name}))]
