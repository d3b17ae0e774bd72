"""The sandbox says whether anything was asked to change since it started or was reset, so a run
on an untouched sandbox need not plan every module ahead to look for someone else's resources."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from workshop.sandbox.changes import is_read
from workshop.sandbox.front import Front

from tests.support import unique

FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.mark.parametrize("method, path, query, headers, body, read", [
    ("POST", "/", "", {"x-amz-target": "AWSEvents.DescribeRule"}, b"{}", True),
    ("POST", "/", "", {"x-amz-target": "AmazonSQS.GetQueueUrl"}, b"{}", True),
    ("POST", "/", "", {"x-amz-target": "AWSEvents.PutRule"}, b"{}", False),
    ("POST", "/", "", {"x-amz-target": "AWSEvents.PutEvents"}, b"{}", False),
    ("POST", "/", "", FORM, b"Action=GetRole&Version=2010-05-08", True),
    ("POST", "/", "", FORM, b"Action=CreateRole&Version=2010-05-08", False),
    ("GET", "/", "Action=CreateQueue&QueueName=q", {}, b"", False),  # the query protocol in a GET is still a create
    ("GET", "/2015-03-31/functions/", "", {}, b"", True),
    ("POST", "/2015-03-31/functions", "", {"content-type": "application/json"}, b"{}", False),
    ("DELETE", "/restapis/abc", "", {}, b"", False),
    ("POST", "/_workshop/reset", "", {}, b"{}", True),
    ("POST", "/moto-api/config", "", {}, b"{}", True),
    ("POST", "/moto-api/reset", "", {}, b"", False),
])
def test_a_read_is_told_from_a_change_by_its_operation_or_method(method, path, query, headers, body, read):
    assert is_read(Front.request(method, path, query, headers, body)) is read


def test_only_a_change_makes_the_sandbox_touched_and_a_reset_makes_it_untouched_again(fresh, aws):
    control = fresh.control
    assert control.untouched() is True
    aws("sts").get_caller_identity()
    aws("events").list_rules()
    with pytest.raises(ClientError):
        aws("sqs").get_queue_url(QueueName=unique("missing"))
    assert control.untouched() is True  # reads, found or not, change nothing
    with pytest.raises(ClientError):
        aws("iam").delete_role(RoleName=unique("missing"))
    assert control.untouched() is False  # a change counts even when it fails
    fresh.call("/_workshop/reset", {})
    assert control.untouched() is True
    aws("sqs").create_queue(QueueName=unique("q"))
    assert control.untouched() is False
