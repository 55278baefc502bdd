"""Loading queues.yaml, bare or in the yunikorn-configs ConfigMap, and writing it back."""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.api.base import FieldIssue, ManifestError
from sparkfleet.api.core import ConfigMap
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.yunikorn import (
    PLACEHOLDER_IMAGE_KEY,
    NodeSortPolicyType,
    PlacementRuleName,
    SchedulerConfig,
    dump_queues_yaml,
    parse_configmap,
    parse_queues_yaml,
    service_setting,
    to_configmap,
    validate_queues,
)

from .builders import QUEUES_YAML, queues_doc


def test_a_full_config_parses_and_validates() -> None:
    config = parse_queues_yaml(QUEUES_YAML)
    partition = config.partitions[0]
    assert (
        partition.nodesortpolicy is not None
        and partition.nodesortpolicy.type == NodeSortPolicyType.BINPACKING
    )
    assert partition.placementrules[0].name == PlacementRuleName.TAG
    team_a = partition.queues[0].queues[0].queues[0]
    assert team_a.properties["priority.offset"] == "10"  # YuniKorn reads properties as strings
    assert team_a.guaranteed() == {"memory": 100 * 10**9, "vcore": 10_000, "nvidia.com/gpu": 0}
    assert team_a.max() == {"memory": 800 * 10**9, "vcore": 50_000}


# --- ConfigMap form ------------------------------------------------------------------------------------


def test_the_yunikorn_configs_configmap_holds_queues_yaml() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "yunikorn-configs", "namespace": "yunikorn"},
        "data": {"queues.yaml": QUEUES_YAML, "log.level": "0"},
    }
    assert parse_configmap(cm) == parse_queues_yaml(QUEUES_YAML)


def test_a_config_turns_into_a_configmap_and_back() -> None:
    config = parse_queues_yaml(QUEUES_YAML)
    cm = to_configmap(config)
    assert cm.metadata.name == "yunikorn-configs"
    assert parse_configmap(cm) == config


def test_configmap_problems_are_reported_inside_its_queues_yaml_key() -> None:
    bad = ConfigMap(
        metadata=ObjectMeta(name="yunikorn-configs"), data={"queues.yaml": "partitions:\n- queues: []\n"}
    )
    with pytest.raises(ManifestError) as info:
        parse_configmap(bad)
    assert info.value.issues == [
        FieldIssue(
            'data["queues.yaml"].partitions[0].queues',
            "queue config is not set: define at least the root queue",
        )
    ]


def test_a_configmap_yunikorn_does_not_read_is_refused() -> None:
    with pytest.raises(ManifestError, match="reads only the ConfigMaps"):
        parse_configmap(ConfigMap(metadata=ObjectMeta(name="queues"), data={"queues.yaml": QUEUES_YAML}))
    with pytest.raises(ManifestError, match="required key is missing"):
        parse_configmap(ConfigMap(metadata=ObjectMeta(name="yunikorn-defaults"), data={}))


def test_text_that_is_not_yaml_is_one_issue() -> None:
    with pytest.raises(ManifestError, match="not valid YAML"):
        parse_queues_yaml("partitions: [")


# --- round trip ----------------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True).filter(lambda n: n != "root")
_properties = st.fixed_dictionaries(
    {},
    optional={
        "application.sort.policy": st.sampled_from(["fifo", "fair"]),
        "priority.policy": st.sampled_from(["default", "fence"]),
        "priority.offset": st.integers(-100, 100).map(str),
        "preemption.delay": st.sampled_from(["30s", "1m", "2h45m"]),
        "preemption.policy": st.sampled_from(["default", "fence", "disabled"]),
    },
)
_acls = st.sampled_from(["*", "alice", "alice,bob admins", " admins", "", "sys-spark data_eng"])


@st.composite
def leaf_resources(draw: st.DrawFn) -> dict[str, Any]:
    memory = draw(st.integers(1, 1000))
    vcore = draw(st.integers(1, 500))
    return {
        "guaranteed": {"memory": f"{draw(st.integers(0, memory))}G", "vcore": draw(st.integers(0, vcore))},
        "max": {"memory": f"{memory}G", "vcore": vcore},
    }


@st.composite
def queue_trees(draw: st.DrawFn, depth: int) -> list[dict[str, Any]]:
    names = draw(st.lists(_names, min_size=1, max_size=3, unique_by=str.lower))
    queues = []
    for name in names:
        queue: dict[str, Any] = {"name": name, "properties": draw(_properties), "submitacl": draw(_acls)}
        if depth > 0 and draw(st.booleans()):
            queue["queues"] = draw(queue_trees(depth - 1))
        else:
            queue["resources"] = draw(leaf_resources())
            queue["maxapplications"] = draw(st.integers(0, 50))
            if draw(st.booleans()):
                queue["limits"] = [{"users": ["*"], "maxapplications": draw(st.integers(1, 9))}]
        queues.append(queue)
    return queues


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    rules = draw(
        st.sampled_from(
            [
                [],
                [{"name": "provided", "create": True}],
                [{"name": "tag", "value": "namespace", "create": True}],
            ]
        )
    )
    return queues_doc(
        draw(queue_trees(2)),
        nodesortpolicy={"type": draw(st.sampled_from(["fair", "binpacking"]))},
        placementrules=rules,
    )


@settings(max_examples=60, deadline=None)
@given(configs())
def test_valid_configs_survive_a_yaml_round_trip(doc: dict[str, Any]) -> None:
    config = SchedulerConfig.model_validate(copy.deepcopy(doc))
    assert validate_queues(config) == []
    assert parse_queues_yaml(dump_queues_yaml(config)) == config


def test_a_service_setting_of_the_users_configs_overrides_the_defaults_key_by_key() -> None:
    defaults = {"data": {PLACEHOLDER_IMAGE_KEY: "pause:defaults", "log.level": "INFO"}}
    assert service_setting({"yunikorn-defaults": defaults}, PLACEHOLDER_IMAGE_KEY) == "pause:defaults"
    configs = {"data": {PLACEHOLDER_IMAGE_KEY: " pause:3.10 "}}
    both = {"yunikorn-defaults": defaults, "yunikorn-configs": configs}
    assert service_setting(both, PLACEHOLDER_IMAGE_KEY) == "pause:3.10"
    assert service_setting(both, "log.level") == "INFO"  # the user's configs do not set it


def test_an_empty_or_missing_service_setting_is_unset() -> None:
    assert (
        service_setting({"yunikorn-configs": {"data": {PLACEHOLDER_IMAGE_KEY: "  "}}}, PLACEHOLDER_IMAGE_KEY)
        is None
    )
    assert service_setting({"yunikorn-configs": {}}, PLACEHOLDER_IMAGE_KEY) is None
    assert service_setting({}, PLACEHOLDER_IMAGE_KEY) is None
