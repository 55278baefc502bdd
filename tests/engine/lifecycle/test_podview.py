"""Stored pods are read leniently: fields the models do not know are dropped, not fatal."""

from __future__ import annotations

from sparkfleet.engine.lifecycle import pod_from_obj


def test_unknown_fields_of_a_newer_kubelet_are_ignored() -> None:
    pod = pod_from_obj(
        {
            "metadata": {"name": "d", "labels": {"a": "b"}, "managedFields": [{"x": 1}]},
            "spec": {
                "containers": [{"name": "spark-kubernetes-driver", "resizePolicy": []}],
                "futureField": 1,
            },
            "status": {
                "phase": "Running",
                "hostIPs": [{"ip": "10.0.0.1"}],
                "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3}],
                "containerStatuses": [
                    {
                        "name": "spark-kubernetes-driver",
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed", "stopSignal": "TERM"}},
                        "allocatedResources": {"cpu": "1"},
                    }
                ],
            },
        }
    )
    assert pod.metadata.labels == {"a": "b"}
    assert pod.status is not None and pod.status.phase == "Running"
    terminated = pod.status.containerStatuses[0].state
    assert terminated is not None and terminated.terminated is not None
    assert terminated.terminated.exitCode == 0


def test_an_unknown_phase_is_no_phase() -> None:
    pod = pod_from_obj({"metadata": {"name": "d"}, "spec": {}, "status": {"phase": "Hibernating"}})
    assert pod.status is not None and pod.status.phase is None
