"""IAM is eventually consistent: a role created a moment ago may not yet be assumable by the service
that uses it. Configured once on the backend's clients (not while planning): each client retries
the operations that hand a role to its service, with backoff and one progress message, while AWS
answers with that service's "role not ready" error, up to about 60 s.

It uses botocore's documented `needs-retry` event, so the plan still shows (and the executor still
makes) one ordinary API call.
"""

from __future__ import annotations

import time
from typing import Callable

LIMIT_S = 60.0


def lambda_role_not_ready(code: str, message: str) -> bool:
    return code == "InvalidParameterValueException" and "cannot be assumed" in message


def states_role_not_ready(code: str, message: str) -> bool:
    return code == "AccessDeniedException" and "assume" in message.lower() and "role" in message.lower()


def apigateway_role_not_ready(code: str, message: str) -> bool:
    return code == "BadRequestException" and "role" in message.lower()


# client service name -> (operations, is the error "the role has not propagated yet", who must assume it)
RULES: dict[str, tuple[tuple[str, ...], Callable[[str, str], bool], str]] = {
    "lambda": (("CreateFunction", "UpdateFunctionConfiguration"), lambda_role_not_ready, "Lambda"),
    "stepfunctions": (("CreateStateMachine", "UpdateStateMachine"), states_role_not_ready, "Step Functions"),
    "apigateway": (("UpdateAccount",), apigateway_role_not_ready, "API Gateway"),
}


def configure(client, service: str, say: Callable[[str], None]) -> None:
    """Teach a new client of `service` to wait for roles to propagate (nothing for other services)."""
    if service in RULES:
        operations, matches, who = RULES[service]
        retry_while_propagating(client, list(operations), matches, f"Waiting for the IAM role to become assumable by {who}", say)


def retry_while_propagating(client, operations: list[str], matches: Callable[[str, str], bool], waiting: str,
                            say: Callable[[str], None], limit_s: float = LIMIT_S) -> None:
    """Retry these operations of `client` with backoff while `matches(code, message)`, up to limit_s.
    Registering twice is harmless (unique ids)."""
    service = client.meta.service_model.service_id.hyphenize()
    for operation in operations:
        state = {"started": None, "told": False}

        def needs_retry(response=None, attempts=None, caught_exception=None, state=state, **_):
            if response is None:
                return None
            error = (response[1] or {}).get("Error", {}) if isinstance(response, tuple) else {}
            if not matches(error.get("Code", ""), error.get("Message", "")):
                return None
            now = time.monotonic()
            if state["started"] is None or attempts == 1:
                state["started"], state["told"] = now, False
            if now - state["started"] >= limit_s:
                return None
            if not state["told"]:
                say(f"{waiting} (IAM changes take a few seconds to reach every AWS service; retrying for up to {limit_s:.0f}s)")
                state["told"] = True
            return min(0.5 * (2 ** max(0, (attempts or 1) - 1)), 8.0)

        client.meta.events.register(f"needs-retry.{service}.{operation}", needs_retry,
                                    unique_id=f"workshop-propagation-{service}-{operation}")
