"""An existing Lambda function is "in place" only when it can run: a Failed one is named as such."""

from workshop.steps.lambda_function import why_broken


def test_a_failed_function_is_broken_with_its_reason():
    assert why_broken({"State": "Failed", "StateReason": "The role cannot be assumed"}) == "Failed (The role cannot be assumed)"
    assert why_broken({"State": "Active", "LastUpdateStatus": "Failed", "LastUpdateStatusReason": "bad zip"}) \
        == "Failed at its last update (bad zip)"
    assert why_broken({"State": "Active", "LastUpdateStatus": "Successful"}) == ""
    assert why_broken({}) == ""  # a backend that reports no state: nothing says it cannot run
