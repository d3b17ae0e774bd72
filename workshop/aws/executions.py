"""Finding the Step Functions execution an event started: a target passes the whole event as the
execution's input, so the execution is the one whose input has the event's id.

Executions are listed newest first and each input needs a DescribeExecution, so a finder remembers
the inputs it has read (an input never changes) and pages only as far as it must: a pattern that
matches the state machine's own output starts executions in a loop, and the one we look for is then
buried under hundreds of newer ones.
"""

from __future__ import annotations

import json

from .errors import found

PAGE = 100
MOST_LISTED = 5000  # bound one search; past this many executions the answer is "not found"


class ExecutionFinder:
    def __init__(self, sfn, state_machine_arn: str):
        self.sfn, self.arn = sfn, state_machine_arn
        self._event_of: dict[str, str | None] = {}  # execution ARN -> id of the event in its input

    def find(self, event_id: str) -> dict | None:
        """The execution (as DescribeExecution answers, so with its status now) whose input is this event."""
        for arn in self._listed():
            if arn not in self._event_of:
                self._event_of[arn] = _event_id(self.sfn.describe_execution(executionArn=arn))
            if self._event_of[arn] == event_id:
                return self.sfn.describe_execution(executionArn=arn)
        return None

    def _listed(self):
        token, listed = None, 0
        while listed < MOST_LISTED:
            page = found(lambda: self.sfn.list_executions(stateMachineArn=self.arn, maxResults=PAGE,
                                                          **({"nextToken": token} if token else {})))
            if page is None:  # no such state machine: it started nothing (a failed check, not an error)
                return
            for item in page.get("executions", []):
                listed += 1
                yield item["executionArn"]
            token = page.get("nextToken")
            if not token:
                return


def _event_id(described: dict) -> str | None:
    try:
        event = json.loads(described.get("input") or "{}")
    except ValueError:
        return None
    return event.get("id") if isinstance(event, dict) else None
