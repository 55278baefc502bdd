"""Retries and the errors AWS answers with: throttling is retried with back-off, credentials stop cleanly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse

from sparkfleet.cloud.aws import AwsApiError, AwsCredentialsError
from sparkfleet.cloud.aws.clients import AUTH_PAUSE, MAX_ATTEMPTS, AwsClients


class RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


def ec2_error(code: str, status: int) -> AWSResponse:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{code} said AWS</Message></Error></Errors>"
        "<RequestID>r-1</RequestID></Response>"
    ).encode()
    return AWSResponse("https://ec2.us-east-1.amazonaws.com/", status, {}, RawBody(body))


def fail_first(session: Any, code: str, status: int, times: int) -> list[int]:
    """DescribeSubnets answers `code` the first `times` sends (a real HTTP answer botocore parses)."""
    sent: list[int] = []

    def answer(**_: Any) -> AWSResponse | None:
        sent.append(1)
        return ec2_error(code, status) if len(sent) <= times else None

    session.events.register("before-send.ec2.DescribeSubnets", answer)
    return sent


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off delays botocore waits between attempts (recorded, not slept)."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    return delays


def test_throttling_is_retried_with_back_off_until_it_passes(session, clock, world, backoffs):
    sent = fail_first(session, "RequestLimitExceeded", 503, 2)
    clients = AwsClients(session, "us-east-1", clock)
    assert clients.call("ec2", "DescribeSubnets")["Subnets"]
    assert len(sent) == 3
    assert len(backoffs) == 2 and all(d >= 0 for d in backoffs)


def test_throttling_that_never_ends_gives_up_after_the_attempts_with_the_code(
    session, clock, world, backoffs
):
    sent = fail_first(session, "Throttling", 400, 100)
    clients = AwsClients(session, "us-east-1", clock)
    with pytest.raises(AwsApiError) as excinfo:
        clients.call("ec2", "DescribeSubnets")
    assert excinfo.value.code == "Throttling"
    assert len(sent) == MAX_ATTEMPTS


def test_refused_credentials_stop_calls_for_a_pause_with_the_fix_named(session, clock, world):
    sent = fail_first(session, "AuthFailure", 401, 1)
    clients = AwsClients(session, "us-east-1", clock)
    with pytest.raises(
        AwsCredentialsError, match=r"ec2:DescribeSubnets: AWS refused the credentials \(AuthFailure\)"
    ):
        clients.call("ec2", "DescribeSubnets")
    with pytest.raises(AwsCredentialsError):
        clients.call("ec2", "DescribeSubnets")
    assert len(sent) == 1  # the second call never reached AWS
    clock.advance((AUTH_PAUSE + timedelta(seconds=1)).total_seconds())
    assert clients.call("ec2", "DescribeSubnets")["Subnets"]


def test_a_denied_action_names_the_policy_and_does_not_stop_other_calls(session, clock, world):
    sent = fail_first(session, "UnauthorizedOperation", 403, 1)
    clients = AwsClients(session, "us-east-1", clock)
    with pytest.raises(AwsCredentialsError, match=r"deploy/iam-policy\.json"):
        clients.call("ec2", "DescribeSubnets")
    assert clients.call("ec2", "DescribeSubnets")["Subnets"]
    assert len(sent) == 2


def test_other_errors_carry_the_action_and_code(session, clock, world):
    clients = AwsClients(session, "us-east-1", clock)
    with pytest.raises(AwsApiError) as excinfo:
        clients.call("ec2", "DescribeLaunchTemplates", LaunchTemplateNames=["karpenter.k8s.aws/none"])
    assert excinfo.value.code == "InvalidLaunchTemplateName.NotFoundException"
    assert str(excinfo.value).startswith("ec2:DescribeLaunchTemplates: ")
