"""Pod status as the kubelet writes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sparkfleet.runtime.local.podstatus import pod_status, running, same_status, terminated, waiting

from ..builders import START

SCHEDULED = {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-05T08:59:00Z"}


def bound_pod() -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"nodeName": "ip-1", "containers": [{"name": "spark-kubernetes-driver", "image": "spark:4"}]},
        "status": {"phase": "Pending", "conditions": [SCHEDULED]},
    }


def test_a_running_pod_is_ready_on_loopback_and_keeps_its_scheduled_condition() -> None:
    pod = bound_pod()
    status = pod_status(pod, pod["spec"]["containers"][0], running(START, "process://42"), START)
    assert status["phase"] == "Running"
    assert (status["podIP"], status["hostIP"], status["startTime"]) == (
        "127.0.0.1",
        "127.0.0.1",
        "2026-01-05T09:00:00Z",
    )
    assert status["conditions"][0] == SCHEDULED
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodScheduled": "True",
        "Initialized": "True",
        "ContainersReady": "True",
        "Ready": "True",
    }
    (container,) = status["containerStatuses"]
    assert container == {
        "name": "spark-kubernetes-driver",
        "image": "spark:4",
        "imageID": "",
        "ready": True,
        "started": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": "2026-01-05T09:00:00Z"}},
        "containerID": "process://42",
    }


def test_a_terminated_container_makes_the_pod_succeeded_or_failed() -> None:
    pod = bound_pod()
    later = START + timedelta(seconds=30)
    failed = pod_status(
        pod, pod["spec"]["containers"][0], terminated(START, later, 1, "Error", "boom"), later
    )
    assert failed["phase"] == "Failed"
    assert failed["containerStatuses"][0]["state"] == {
        "terminated": {
            "exitCode": 1,
            "reason": "Error",
            "message": "boom",
            "startedAt": "2026-01-05T09:00:00Z",
            "finishedAt": "2026-01-05T09:00:30Z",
        }
    }
    ready = next(c for c in failed["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodFailed")
    done = pod_status(pod, pod["spec"]["containers"][0], terminated(START, later, 0, "Completed"), later)
    assert done["phase"] == "Succeeded"


def test_an_unchanged_status_is_recognised_whatever_the_time() -> None:
    pod = bound_pod()
    first = pod_status(pod, pod["spec"]["containers"][0], running(START), START)
    again = pod_status(
        {**pod, "status": first}, pod["spec"]["containers"][0], running(START), START + timedelta(hours=1)
    )
    assert same_status(first, again)
    assert not same_status(
        first, pod_status(pod, pod["spec"]["containers"][0], terminated(START, START, 0, "Completed"), START)
    )


def test_a_container_that_cannot_be_created_yet_waits_and_its_pod_stays_pending() -> None:
    pod = bound_pod()
    report = waiting(START, "CreateContainerConfigError", 'secret "db" not found')
    status = pod_status(pod, pod["spec"]["containers"][0], report, START)
    assert status["phase"] == "Pending"
    (entry,) = status["containerStatuses"]
    assert entry["state"] == {
        "waiting": {"reason": "CreateContainerConfigError", "message": 'secret "db" not found'}
    }
    assert (entry["ready"], entry["started"]) == (False, False)
    ready = {c["type"]: (c["status"], c.get("reason")) for c in status["conditions"]}
    assert ready["Ready"] == ready["ContainersReady"] == ("False", "ContainersNotReady")
    assert ready["PodScheduled"] == ("True", None)
