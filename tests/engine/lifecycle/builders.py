"""Builders for the lifecycle engine tests: applications in a given state, driver and executor pods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, SparkApplicationStatus
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT, LABEL_SUBMISSION_ID
from sparkfleet.engine.lifecycle import pod_from_obj, spec_fingerprint

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""When the current attempt was submitted."""


def ids(attempt: int) -> str:
    """Submission ids for the tests: attempt n is "sub-n"."""
    return f"sub-{attempt}"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def spec(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "Python",
        "image": "apache/spark:3.5.0",
        "sparkVersion": "3.5.0",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "driver": {"cores": 1, "memory": "512m"},
        "executor": {"cores": 1, "instances": 2, "memory": "512m"},
    }
    body.update(overrides)
    return body


def app(
    state: ApplicationStateType = ApplicationStateType.NEW,
    *,
    status: dict[str, Any] | None = None,
    fingerprint: str | None = "current",
    name: str = "pi",
    **spec_overrides: Any,
) -> SparkApplication:
    """An application in `state`. A started state gets a first attempt submitted at T0.

    `fingerprint`: "current" records the spec's own fingerprint (unchanged spec), None records none,
    anything else records that value (the spec changed since it was submitted).
    """
    fields: dict[str, Any] = {"applicationState": {"state": state.value}}
    if state not in (ApplicationStateType.NEW,):
        fields.update(
            submissionAttempts=1,
            executionAttempts=1,
            lastSubmissionAttemptTime=format_rfc3339(T0),
            submissionID="sub-1",
            driverInfo={"podName": f"{name}-driver"},
        )
    fields.update(status or {})
    model = SparkApplication.model_validate(
        {
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": "uid-1",
                "creationTimestamp": format_rfc3339(T0 - timedelta(seconds=2)),
            },
            "spec": spec(**spec_overrides),
            "status": SparkApplicationStatus.model_validate(fields).model_dump(
                mode="json", exclude_none=True
            ),
        }
    )
    if fingerprint is not None:
        value = spec_fingerprint(model.spec) if fingerprint == "current" else fingerprint
        model.metadata.annotations[ANNOTATION_SPEC_FINGERPRINT] = value
    return model


def terminated(code: int, reason: str, message: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": code, "reason": reason}
    if message is not None:
        state["message"] = message
    return {"terminated": state}


def driver(
    phase: str | None,
    *,
    name: str = "pi-driver",
    container_state: dict[str, Any] | None = None,
    submission_id: str = "sub-1",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    **status: Any,
) -> Pod:
    pod_status: dict[str, Any] = dict(status)
    if phase is not None:
        pod_status["phase"] = phase
    if container_state is not None:
        pod_status["containerStatuses"] = [{"name": "spark-kubernetes-driver", "state": container_state}]
    if conditions is not None:
        pod_status["conditions"] = conditions
    return pod_from_obj(
        {
            "metadata": {
                "name": name,
                "namespace": "default",
                "labels": {"spark-role": "driver", LABEL_SUBMISSION_ID: submission_id, **(labels or {})},
                "annotations": annotations or {},
            },
            "spec": {"containers": [{"name": "spark-kubernetes-driver"}]},
            "status": pod_status,
        }
    )


def executor(
    n: int, phase: str, *, exit_code: int | None = None, reason: str = "Error", message: str = ""
) -> Pod:
    status: dict[str, Any] = {"phase": phase}
    if exit_code is not None:
        status["containerStatuses"] = [
            {"name": "spark-kubernetes-executor", "state": terminated(exit_code, reason)}
        ]
    if message:
        status["message"] = message
    return pod_from_obj(
        {
            "metadata": {
                "name": f"pi-exec-{n}",
                "namespace": "default",
                "labels": {
                    "spark-role": "executor",
                    "spark-exec-id": str(n),
                    "spark-app-selector": "spark-abc",
                },
            },
            "spec": {"containers": [{"name": "spark-kubernetes-executor"}]},
            "status": status,
        }
    )
