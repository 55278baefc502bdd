"""Status bodies: every failure is a Kubernetes Status, and the client maps it back to the same error."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import (
    AlreadyExists,
    BadRequest,
    ClusterError,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    StorageError,
)
from sparkfleet.server.errors import (
    Cause,
    CauseType,
    FieldInvalid,
    Forbidden,
    MethodNotAllowed,
    RequestEntityTooLarge,
    RequestTimeout,
    ServerError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    error_from_status,
    status_of,
    success_status,
)


def test_a_not_found_status_splits_resource_and_group() -> None:
    assert status_of(NotFound.of("nodepools.karpenter.sh", "spot")) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'nodepools.karpenter.sh "spot" not found',
        "reason": "NotFound",
        "details": {"name": "spot", "group": "karpenter.sh", "kind": "nodepools"},
        "code": 404,
    }


def test_an_invalid_object_lists_a_cause_per_field() -> None:
    err = FieldInvalid(
        "SparkApplication",
        "sparkoperator.k8s.io",
        "pi",
        [
            Cause("spec.type", "unsupported"),
            Cause("spec.executor", "required field is missing", CauseType.REQUIRED),
        ],
    )
    body = status_of(err)
    assert body["code"] == 422
    assert body["reason"] == "Invalid"
    assert body["message"] == (
        'SparkApplication.sparkoperator.k8s.io "pi" is invalid: '
        "[spec.type: unsupported, spec.executor: required field is missing]"
    )
    assert body["details"] == {
        "name": "pi",
        "group": "sparkoperator.k8s.io",
        "kind": "SparkApplication",
        "causes": [
            {"reason": "FieldValueInvalid", "message": "unsupported", "field": "spec.type"},
            {
                "reason": "FieldValueRequired",
                "message": "required field is missing",
                "field": "spec.executor",
            },
        ],
    }


@pytest.mark.parametrize(
    ("err", "code", "reason"),
    [
        (NotFound("x"), 404, "NotFound"),
        (AlreadyExists("x"), 409, "AlreadyExists"),
        (Conflict("x"), 409, "Conflict"),
        (Invalid("x"), 422, "Invalid"),
        (Gone("x"), 410, "Expired"),
        (BadRequest("x"), 400, "BadRequest"),
        (Unauthorized("x"), 401, "Unauthorized"),
        (MethodNotAllowed("x"), 405, "MethodNotAllowed"),
        (UnsupportedMediaType("x"), 415, "UnsupportedMediaType"),
        (RequestEntityTooLarge("x"), 413, "RequestEntityTooLarge"),
        (RequestTimeout("x"), 408, "Timeout"),
        (TooManyRequests("x"), 429, "TooManyRequests"),
        (StorageError("x"), 507, "StorageError"),
    ],
)
def test_each_error_has_its_kubernetes_code_and_reason(err: ClusterError, code: int, reason: str) -> None:
    body = status_of(err)
    assert (body["code"], body["reason"]) == (code, reason)
    back = error_from_status(body, code)
    assert type(back) is type(err)
    assert back.message == "x"


def test_too_many_requests_says_when_to_try_again() -> None:
    body = status_of(TooManyRequests("too many open watches", retry_after=3))
    assert body["details"] == {"retryAfterSeconds": 3}


def test_a_status_maps_back_with_its_group_qualified_resource() -> None:
    back = error_from_status(status_of(NotFound.of("sparkapplications.sparkoperator.k8s.io", "pi")), 404)
    assert isinstance(back, NotFound)
    assert (back.kind, back.name) == ("sparkapplications.sparkoperator.k8s.io", "pi")


def test_an_invalid_status_with_causes_maps_back_to_field_invalid() -> None:
    err = FieldInvalid(
        "Pod", "", "p", [Cause("spec.containers", "required field is missing", CauseType.REQUIRED)]
    )
    back = error_from_status(status_of(err), 422)
    assert isinstance(back, FieldInvalid) and isinstance(back, Invalid)
    assert back.causes == err.causes
    assert back.message == err.message


def test_unknown_reasons_and_non_status_bodies_become_server_errors() -> None:
    unknown = error_from_status(
        {"kind": "Status", "reason": "ExpectationFailed", "message": "no", "code": 417}, 417
    )
    assert isinstance(unknown, ServerError)
    assert (unknown.http_code, status_of(unknown)["reason"]) == (417, "ExpectationFailed")
    gateway = error_from_status("<html>bad gateway</html>", 502)
    assert isinstance(gateway, ServerError)
    assert "HTTP 502" in gateway.message


def test_a_success_status_carries_its_code() -> None:
    assert success_status(201) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }


def test_a_forbidden_status_is_read_back_as_forbidden() -> None:
    error = error_from_status(status_of(Forbidden("no")), 403)
    assert isinstance(error, Forbidden)
    assert (error.code, error.reason) == (403, "Forbidden")


@pytest.mark.parametrize(
    ("error", "reason", "code"),
    [
        (NotFound.of("pods", "x"), "NotFound", 404),
        (AlreadyExists.of("pods", "x"), "AlreadyExists", 409),
        (Conflict.stale("pods", "x"), "Conflict", 409),
        (Invalid.field("Pod", "x", "metadata.name", "X", "bad"), "Invalid", 422),
        (Gone("too old resource version: 1 (5)"), "Expired", 410),
        (BadRequest("nope"), "BadRequest", 400),
    ],
)
def test_each_port_error_is_a_failure_status(error: ClusterError, reason: str, code: int) -> None:
    status = status_of(error)
    assert status["kind"] == "Status"
    assert status["status"] == "Failure"
    assert (status["reason"], status["code"]) == (reason, code)
    assert status["message"] == str(error)


def test_a_not_found_status_names_the_resource() -> None:
    assert status_of(NotFound.of("pods", "x"))["details"] == {"name": "x", "kind": "pods"}
