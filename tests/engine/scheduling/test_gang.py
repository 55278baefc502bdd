"""Task groups and scheduling policy parameters read as the shim reads them; placeholders shaped as the
shim creates them."""

from __future__ import annotations

import json

import pytest

from sparkfleet.engine.scheduling.gang import (
    DEFAULT_PLACEHOLDER_TIMEOUT,
    MAX_GANG_MEMBERS,
    GangStyle,
    PlaceholderPod,
    TaskGroupError,
    parse_policy_parameters,
    parse_task_groups,
    placeholder_name,
)
from sparkfleet.engine.scheduling.resources import Resources

from .builders import GI, pod

# The task groups of the blueprint's EMR driver template (driver-pod-template-yunikorn-gang.yaml)
EMR_GROUPS = """[{
    "name": "spark-driver", "minMember": 1, "minResource": {"cpu": "1200m", "memory": "15Gi"},
    "nodeSelector": {"NodeGroupType": "SparkMemoryOptimized"},
    "tolerations": [{"key" : "spark-memory-optimized", "operator": "Exists", "effect": "NoSchedule"}]
  }, {
    "name": "spark-executor", "minMember": 20, "minResource": {"cpu": "1200m", "memory": "15Gi"},
    "nodeSelector": {"NodeGroupType": "SparkMemoryOptimized"},
    "tolerations": [{"key" : "spark-memory-optimized", "operator": "Exists", "effect": "NoSchedule"}]
}]"""


def test_the_blueprint_task_groups_parse_with_their_placement() -> None:
    driver, executor = parse_task_groups(EMR_GROUPS)
    assert (executor.name, executor.min_member) == ("spark-executor", 20)
    assert executor.min_resource == Resources({"cpu": 1200, "memory": 15 * GI})
    assert executor.placeholder_requests == Resources({"cpu": 1200, "memory": 15 * GI, "pods": 1})
    assert executor.constraints.node_selector == (("NodeGroupType", "SparkMemoryOptimized"),)
    assert executor.constraints.tolerations[0].key == "spark-memory-optimized"
    assert driver.constraints == executor.constraints


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("not json", "is not valid JSON"),
        ('{"name": "x"}', "must be a JSON list"),
        ('[{"minMember": 1}]', "name is missing"),
        ('[{"name": "a"}, {"name": "a"}]', "used twice"),
        ('[{"name": "a", "minMember": "2"}]', "minMember must be a non-negative integer"),
        (
            '[{"name": "a", "minResource": {"memory": "lots"}}]',
            "minResource.memory: 'lots' is not a Kubernetes",
        ),
        ('[{"name": "a", "tolerations": [{"operator": "Equal", "value": "x"}]}]', "invalid tolerations"),
    ],
)
def test_invalid_task_groups_name_the_problem(raw: str, problem: str) -> None:
    with pytest.raises(TaskGroupError, match=problem):
        parse_task_groups(raw)


@pytest.mark.parametrize(
    ("raw", "timeout", "style", "ignored"),
    [
        (None, DEFAULT_PLACEHOLDER_TIMEOUT, GangStyle.SOFT, ()),
        ("placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard", 30.0, GangStyle.HARD, ()),
        # the shim's own cases: malformed pairs and unknown keys are ignored, defaults apply
        (
            "unknownPara=unkown placeholderTimeoutInSeconds=50=25 gangSchedulingStyle=Hard=Soft",
            DEFAULT_PLACEHOLDER_TIMEOUT,
            GangStyle.SOFT,
            ("unknownPara=unkown", "placeholderTimeoutInSeconds=50=25", "gangSchedulingStyle=Hard=Soft"),
        ),
        ("placeholderTimeoutInSeconds=oneSecond", DEFAULT_PLACEHOLDER_TIMEOUT, GangStyle.SOFT, None),
        ("placeholderTimeoutInSeconds=0", DEFAULT_PLACEHOLDER_TIMEOUT, GangStyle.SOFT, None),
        # the EMR template's misspelt key: ignored by YuniKorn, reported here
        (
            "placeholderTimeoutSeconds=30 gangSchedulingStyle=Hard",
            DEFAULT_PLACEHOLDER_TIMEOUT,
            GangStyle.HARD,
            None,
        ),
    ],
)
def test_policy_parameters_are_parsed_leniently(
    raw: str | None, timeout: float, style: GangStyle, ignored: tuple[str, ...] | None
) -> None:
    params = parse_policy_parameters(raw)
    assert (params.timeout, params.style) == (timeout, style)
    if ignored is not None:
        assert params.ignored == ignored
    else:
        assert params.ignored


def test_placeholder_names_are_short_valid_reproducible_and_distinct_per_run() -> None:
    app_id = "Spark-App.With_Odd-Chars-and-a-very-long-application-id"
    name = placeholder_name(app_id, "spark-executor", 7, "uid-driver-1")
    assert name == placeholder_name(app_id, "spark-executor", 7, "uid-driver-1")
    assert name != placeholder_name(app_id, "spark-executor", 8, "uid-driver-1")
    # the next run of the same application id (another driver) never reuses a name
    assert name != placeholder_name(app_id, "spark-executor", 7, "uid-driver-2")
    assert len(name) <= 63
    assert name.startswith("tg-spark-app-with-odd-chars-and-spark-executor-")
    assert name.replace("-", "").isalnum() and name == name.lower()


def test_a_placeholder_pod_is_a_pause_pod_sized_and_placed_like_its_task_group() -> None:
    groups = parse_task_groups(EMR_GROUPS)
    driver = pod("ny-taxi-driver", "ny-taxi", namespace="emr-data-team-a", priority_class="high")
    ph = PlaceholderPod(
        namespace="emr-data-team-a",
        name=placeholder_name("ny-taxi", "spark-executor", 0, driver.uid),
        app_id="ny-taxi",
        queue="root.test",
        task_group=groups[1],
        originator=driver,
        task_groups_json=EMR_GROUPS,
        policy_params="placeholderTimeoutInSeconds=30",
        image="registry.k8s.io/pause:3.7",
    )
    manifest = ph.manifest()
    meta, spec = manifest["metadata"], manifest["spec"]
    assert meta["labels"] == {"applicationId": "ny-taxi", "queue": "root.test", "placeholder": "true"}
    assert meta["annotations"]["yunikorn.apache.org/placeholder"] == "true"
    assert meta["annotations"]["yunikorn.apache.org/task-group-name"] == "spark-executor"
    assert json.loads(meta["annotations"]["yunikorn.apache.org/task-groups"])[1]["minMember"] == 20
    assert meta["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Pod", "name": "ny-taxi-driver", "uid": driver.uid, "controller": False}
    ]
    [container] = spec["containers"]
    assert container["image"] == "registry.k8s.io/pause:3.7"
    assert (
        container["resources"]["requests"]
        == container["resources"]["limits"]
        == {
            "cpu": "1200m",
            "memory": "15Gi",
        }
    )
    assert spec["nodeSelector"] == {"NodeGroupType": "SparkMemoryOptimized"}
    assert spec["tolerations"][0]["key"] == "spark-memory-optimized"
    assert spec["schedulerName"] == "yunikorn"
    assert spec["priorityClassName"] == "high"
    assert spec["restartPolicy"] == "Never"


def test_a_gang_of_more_members_than_an_application_may_have_is_refused_before_any_placeholder() -> None:
    groups = [{"name": "driver", "minMember": 1}, {"name": "executors", "minMember": MAX_GANG_MEMBERS - 1}]
    assert sum(g.min_member for g in parse_task_groups(json.dumps(groups))) == MAX_GANG_MEMBERS
    many = [{"name": f"g{i}", "minMember": 10**4} for i in range(10**3)]
    with pytest.raises(TaskGroupError, match="asks for 10000000 members, above the 10001"):
        parse_task_groups(json.dumps(many))
