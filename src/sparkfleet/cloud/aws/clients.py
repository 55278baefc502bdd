"""The boto3 clients the adapter calls, with botocore's retry policy, and how AWS errors become port errors.

Throttling (`RequestLimitExceeded`, `Throttling`, 5xx) is retried by botocore's `standard` retry mode with
exponential back-off and jitter, up to `MAX_ATTEMPTS` tries per call. Credential and permission
failures are not retried: they raise `AwsCredentialsError` naming the fix. After credentials are refused
(not a single denied action) every call fails the same way for `AUTH_PAUSE` without reaching AWS, so a
controller retrying its reconcile does not flood the API with calls that cannot succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from sparkfleet.cloud.port import CloudError

MAX_ATTEMPTS = 8
AUTH_PAUSE = timedelta(minutes=1)
USER_AGENT = "sparkfleet"

IDENTITY_ERROR_CODES = frozenset(
    {
        "AuthFailure",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "SignatureDoesNotMatch",
    }
)
"""AWS does not accept the credentials: no call can succeed until they are fixed."""
PERMISSION_ERROR_CODES = frozenset(
    {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "OptInRequired"}
)
"""AWS accepts the credentials but not this action: other calls may still succeed."""

T = TypeVar("T")


class SupportsNow(Protocol):
    def now(self) -> datetime: ...


class AwsCredentialsError(CloudError):
    """AWS refused who we are or what we asked: fix the credentials or the IAM policy, then it resumes."""


class NothingSelected(CloudError):
    """A node class's selector terms select nothing in the account (no subnet, group or AMI)."""


class AwsApiError(CloudError):
    """Any other error AWS answered with; `code` is AWS's error code."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        super().__init__(f"{operation}: {code}: {message}")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


class AwsClients:
    """One client per AWS service, made from one boto3 session, and the single gate every call passes."""

    def __init__(self, session: boto3.Session, region: str, clock: SupportsNow) -> None:
        self._session = session
        self.region = region
        self._clock = clock
        self._config = Config(
            region_name=region,
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            user_agent_extra=USER_AGENT,
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._refused: tuple[datetime, str] | None = None

    def client(self, service: str) -> Any:
        """The client of `service` (made once). The Pricing API is served only from us-east-1."""
        with self._lock:
            if service not in self._clients:
                config = self._config
                if service == "pricing":
                    config = config.merge(Config(region_name="us-east-1"))
                self._clients[service] = self._session.client(service, config=config)
            return self._clients[service]

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """`client(service).<operation>(**params)`, with AWS's errors as CloudErrors."""
        method: Callable[..., dict[str, Any]] = getattr(self.client(service), xform_name(operation))
        return self.guard(f"{service}:{operation}", lambda: method(**params))

    def guard(self, what: str, action: Callable[[], T]) -> T:
        now = self._clock.now()
        refused = self._refused
        if refused is not None and now < refused[0]:
            raise AwsCredentialsError(refused[1])
        try:
            result = action()
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise self._refuse(
                now,
                f"{what}: no usable AWS credentials ({exc}); set AWS_PROFILE, the instance role or "
                "the pod's service account role (IRSA or EKS Pod Identity)",
            ) from None
        except ClientError as exc:
            code = error_code(exc)
            if code in IDENTITY_ERROR_CODES:
                raise self._refuse(
                    now,
                    f"{what}: AWS refused the credentials ({code}); renew them or fix AWS_PROFILE, "
                    "the instance role or the pod's service account role",
                ) from None
            if code in PERMISSION_ERROR_CODES:
                raise AwsCredentialsError(
                    f"{what} is not allowed ({code}): grant it to the controller's IAM role "
                    "(deploy/iam-policy.json lists every action the adapter calls)"
                ) from None
            raise AwsApiError(what, code, error_message(exc)) from None
        except BotoCoreError as exc:
            raise AwsApiError(what, type(exc).__name__, str(exc)) from None
        self._refused = None
        return result

    def _refuse(self, now: datetime, message: str) -> AwsCredentialsError:
        self._refused = (now + AUTH_PAUSE, message)
        return AwsCredentialsError(message)
