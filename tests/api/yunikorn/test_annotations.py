"""YuniKorn's annotations as the k8shim parses them: task groups are errors when malformed, policy
parameters YuniKorn would skip are warnings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sparkfleet.api.wire import ANNOTATION_SCHEDULING_POLICY_PARAMETERS, ANNOTATION_TASK_GROUPS
from sparkfleet.api.yunikorn import yunikorn_annotation_issues, yunikorn_annotation_warnings

WHERE = f'metadata.annotations["{ANNOTATION_TASK_GROUPS}"]'
POLICY = f'metadata.annotations["{ANNOTATION_SCHEDULING_POLICY_PARAMETERS}"]'


def issues(groups: Any) -> list[str]:
    text = groups if isinstance(groups, str) else json.dumps(groups)
    return [
        str(i) for i in yunikorn_annotation_issues({ANNOTATION_TASK_GROUPS: text}, "metadata.annotations")
    ]


def warnings(params: str) -> list[str]:
    found = yunikorn_annotation_warnings(
        {ANNOTATION_SCHEDULING_POLICY_PARAMETERS: params}, "metadata.annotations"
    )
    return [str(w) for w in found]


def test_task_groups_as_the_spark_operator_writes_them_are_valid() -> None:
    groups = [
        {
            "name": "spark-driver",
            "minMember": 1,
            "minResource": {"cpu": "1200m", "memory": "1433Mi"},
            "nodeSelector": {"karpenter.sh/capacity-type": "on-demand"},
            "tolerations": [{"key": "spark", "operator": "Exists", "effect": "NoSchedule"}],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}
                                ]
                            }
                        ]
                    }
                }
            },
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                }
            ],
            "labels": {"team": "a"},
            "futureKey": "decoded leniently, as Go's encoding/json does",
        }
    ]
    assert issues(groups) == []


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ('[{"name": "driver"', f"{WHERE}: not valid JSON"),
        ({"name": "driver"}, f"{WHERE}: must be a JSON list of task groups"),
        (["driver"], f"{WHERE}[0]: must be an object with name, minMember and minResource"),
        ([{"minMember": 1}], f"{WHERE}[0].name: required: every task group needs a name"),
        ([{"name": "a"}, {"name": "a"}], f'{WHERE}[1].name: "a" is used twice'),
        ([{"name": "a", "minMember": "2"}], f"{WHERE}[0].minMember: must be a non-negative integer, got '2'"),
        (
            [{"name": "a", "minResource": {"cpu": "many"}}],
            f"{WHERE}[0].minResource.cpu: 'many' is not a Kubernetes quantity",
        ),
        (
            [{"name": "a", "nodeSelector": {"zone": 1}}],
            f"{WHERE}[0].nodeSelector: must be a map of strings to strings",
        ),
        ([{"name": "a", "tolerations": {"key": "x"}}], f"{WHERE}[0].tolerations: must be a list"),
        (
            [{"name": "a", "tolerations": [{"operator": "Exist"}]}],
            f"{WHERE}[0].tolerations[0].operator: 'Exist' is not allowed",
        ),
        (
            [{"name": "a", "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "z"}]}],
            f"{WHERE}[0].topologySpreadConstraints[0].whenUnsatisfiable: required field is missing",
        ),
    ],
)
def test_a_malformed_task_groups_annotation_is_an_error_saying_what_is_wrong(
    groups: Any, expected: str
) -> None:
    found = issues(groups)
    assert any(f.startswith(expected) for f in found), found


def test_known_scheduling_policy_parameters_pass() -> None:
    assert warnings("placeholderTimeoutInSeconds=30 gangSchedulingStyle=Soft") == []
    assert yunikorn_annotation_warnings({}, "metadata.annotations") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            "placeholderTimeoutSeconds=60",
            'unknown parameter "placeholderTimeoutSeconds" (did you mean "placeholderTimeoutInSeconds"?)',
        ),
        ("gangSchedulingStyle=hard", 'gangSchedulingStyle "hard" is not Soft or Hard (did you mean "Hard"?)'),
        (
            "placeholderTimeoutInSeconds=-1",
            'placeholderTimeoutInSeconds "-1" must be a positive number of seconds',
        ),
        ("timeout", '"timeout" is not key=value'),
    ],
)
def test_parameters_yunikorn_skips_are_warnings_naming_the_annotation(params: str, expected: str) -> None:
    (found,) = warnings(params)
    assert found.startswith(f"{POLICY}: {expected}")
    assert found.endswith("; YuniKorn skips it")
