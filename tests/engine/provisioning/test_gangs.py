"""Which pods a batch plans: Unschedulable pods, whole gangs, placeholders standing for their real pods."""

from __future__ import annotations

from typing import Any

from sparkfleet.engine.provisioning.gangs import gang_of, is_provisionable, without_reserved

UNSCHEDULABLE = {
    "phase": "Pending",
    "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
}


def pod(
    name: str, *, group: str | None = None, placeholder: bool = False, app: str = "app-1", **status: Any
) -> dict[str, Any]:
    annotations = {"yunikorn.apache.org/task-group-name": group} if group else {}
    if placeholder:
        annotations["yunikorn.apache.org/placeholder"] = "true"
    return {
        "metadata": {
            "name": name,
            "namespace": "team",
            "labels": {"applicationId": app},
            "annotations": annotations,
        },
        "spec": {},
        "status": {**UNSCHEDULABLE, **status},
    }


def test_pods_of_one_application_with_task_groups_share_a_gang_and_plain_pods_have_none() -> None:
    assert gang_of(pod("driver", group="spark-driver")) == "team/app-1"
    assert gang_of(pod("tg-0", group="spark-executor", placeholder=True)) == "team/app-1"
    assert gang_of(pod("lonely")) is None


def test_only_pending_unbound_pods_the_scheduler_marked_unschedulable_are_provisioned() -> None:
    assert is_provisionable(pod("p"))
    assert not is_provisionable(pod("p", phase="Running"))
    assert not is_provisionable(pod("p", conditions=[]))
    bound = pod("p")
    bound["spec"]["nodeName"] = "node-1"
    assert not is_provisionable(bound)


def test_live_placeholders_stand_for_as_many_real_pods_of_their_task_group() -> None:
    placeholders = [pod(f"tg-{i}", group="spark-executor", placeholder=True) for i in range(2)]
    real = [pod(f"exec-{i}", group="spark-executor") for i in range(3)]
    driver = pod("driver", group="spark-driver")
    pending = [*real, driver, *placeholders]
    planned = without_reserved(pending, pending)
    assert [p["metadata"]["name"] for p in planned] == ["driver", "exec-2", "tg-0", "tg-1"]


def test_finished_placeholders_reserve_nothing() -> None:
    done = pod("tg-0", group="spark-executor", placeholder=True, phase="Succeeded")
    real = [pod("exec-0", group="spark-executor")]
    assert without_reserved(real, [*real, done]) == real
