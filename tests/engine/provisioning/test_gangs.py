"""Which pods a batch plans: Unschedulable pods, whole gangs, placeholders standing for their real pods."""

from __future__ import annotations

from typing import Any

from sparkfleet.engine.provisioning.gangs import gang_of, is_provisionable, whole_gangs, without_reserved

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


TASK_GROUPS = (
    '[{"name": "spark-driver", "minMember": 1, "minResource": {"cpu": "1", "memory": "2Gi"}},'
    ' {"name": "spark-executor", "minMember": 2, "minResource": {"cpu": "1", "memory": "2Gi"}}]'
)


def placeholders(app: str = "app-1", executors: int = 2) -> list[dict[str, Any]]:
    """The placeholders the scheduler makes for TASK_GROUPS, each carrying the task groups (as the shim's)."""
    made = [pod(f"tg-{app}-driver", group="spark-driver", placeholder=True, app=app)]
    made += [
        pod(f"tg-{app}-exec-{i}", group="spark-executor", placeholder=True, app=app) for i in range(executors)
    ]
    for p in made:
        p["metadata"]["annotations"]["yunikorn.apache.org/task-groups"] = TASK_GROUPS
    return made


def test_a_batch_of_every_placeholder_of_its_gangs_with_their_drivers_holds_whole_gangs() -> None:
    driver = pod("driver", group="spark-driver")
    driver["metadata"]["annotations"]["yunikorn.apache.org/task-groups"] = TASK_GROUPS
    assert whole_gangs(placeholders())
    assert whole_gangs([driver, *placeholders(), *placeholders(app="app-2")])


def test_a_gang_missing_placeholders_or_a_pod_of_no_gang_makes_the_batch_not_whole() -> None:
    assert not whole_gangs(placeholders(executors=1))
    assert not whole_gangs([*placeholders(), pod("lonely")])
    assert not whole_gangs([])


def test_a_driver_whose_placeholders_are_not_made_yet_is_not_a_whole_gang() -> None:
    driver = pod("driver", group="spark-driver")
    driver["metadata"]["annotations"]["yunikorn.apache.org/task-groups"] = TASK_GROUPS
    assert not whole_gangs([driver])
    assert not whole_gangs([driver, *placeholders(app="app-2")])


def test_placeholders_with_task_groups_that_cannot_be_read_are_not_a_whole_gang() -> None:
    broken = placeholders()
    for p in broken:
        p["metadata"]["annotations"]["yunikorn.apache.org/task-groups"] = "not json"
    assert not whole_gangs(broken)
