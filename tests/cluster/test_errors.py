"""Port errors carry Kubernetes Status reasons, codes and messages."""

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
)


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
def test_each_error_has_a_status_reason_and_http_code(error: ClusterError, reason: str, code: int) -> None:
    assert error.reason == reason
    assert error.code == code


def test_conflict_message_reads_like_kubernetes() -> None:
    assert str(Conflict.stale("pods", "x")) == (
        'Operation cannot be fulfilled on pods "x": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_not_found_and_already_exists_name_the_resource() -> None:
    assert str(NotFound.of("nodepools.karpenter.sh", "spot")) == 'nodepools.karpenter.sh "spot" not found'
    assert str(AlreadyExists.of("pods", "x")) == 'pods "x" already exists'


def test_invalid_names_the_field_and_value() -> None:
    error = Invalid.field("Pod", "Bad_Name", "metadata.name", "Bad_Name", "must be lowercase")
    assert (
        str(error) == 'Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": must be lowercase'
    )
