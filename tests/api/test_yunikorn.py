"""YuniKorn queues.yaml: what YuniKorn accepts is accepted, what it refuses is reported with its path."""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, ManifestError, issues_from
from sparkfleet.api.core import ConfigMap
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.yunikorn import (
    NodeSortPolicyType,
    PlacementRuleName,
    SchedulerConfig,
    dump_queues_yaml,
    iter_queues,
    parse_acl,
    parse_configmap,
    parse_queues_yaml,
    root_queue,
    to_configmap,
    validate_queues,
)

QUEUES_YAML = """
partitions:
  - name: default
    nodesortpolicy:
      type: binpacking
    placementrules:
      - name: tag
        value: namespace
        create: true
        parent:
          name: fixed
          value: root.teams
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: teams
            parent: true
            maxapplications: 100
            childtemplate:
              maxapplications: 10
              properties:
                application.sort.policy: fifo
              resources:
                guaranteed: {memory: 10G, vcore: 2}
                max: {memory: 100G, vcore: 20}
            resources:
              guaranteed: {memory: 500G, vcore: 50}
              max: {memory: 800G, vcore: 300}
            queues:
              - name: spark-team-a
                maxapplications: 50
                adminacl: "alice analysts"
                properties:
                  application.sort.policy: fair
                  priority.offset: 10
                  preemption.delay: 1m
                resources:
                  guaranteed: {memory: 100G, vcore: 10, nvidia.com/gpu: 0}
                  max: {memory: 800G, vcore: 50000m}
                limits:
                  - limit: one app per intern
                    users: [intern1, intern2]
                    maxapplications: 1
                  - users: ["*"]
                    maxresources: {memory: 200G}
"""


def queues_doc(queues: list[dict[str, Any]], **partition: Any) -> dict[str, Any]:
    return {"partitions": [{"name": "default", "queues": [{"name": "root", "queues": queues}], **partition}]}


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    try:
        config = SchedulerConfig.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, SchedulerConfig)
    return validate_queues(config)


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues


LEAF = "partitions[0].queues[0].queues[0]"


# --- valid configs and defaults ------------------------------------------------------------------------


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


def test_defaults_are_yunikorns() -> None:
    config = SchedulerConfig.model_validate({"partitions": [{"queues": [{"name": "root"}]}]})
    partition = config.partitions[0]
    assert partition.name == "default"
    assert partition.nodesortpolicy is None and partition.placementrules == []
    root = partition.queues[0]
    assert root.maxapplications == 0 and root.properties == {} and root.submitacl is None
    assert root.property_value("application.sort.policy") == "fifo"
    assert root.property_value("preemption.delay") == "30s"
    assert root.property_value("custom.key") is None
    assert not root.parent and root.resources is None
    assert validate_queues(config) == []


def test_without_a_root_the_top_level_queues_become_roots_children() -> None:
    config = SchedulerConfig.model_validate({"partitions": [{"queues": [{"name": "prod"}, {"name": "dev"}]}]})
    assert validate_queues(config) == []
    root = root_queue(config.partitions[0])
    assert root.name == "root" and root.is_parent
    assert [path for path, _ in iter_queues(config.partitions[0])] == ["root", "root.prod", "root.dev"]


def test_numeric_names_and_property_values_are_read_as_strings() -> None:
    config = parse_queues_yaml(
        "partitions:\n- queues:\n  - name: 2024\n    properties: {priority.offset: 5}\n"
    )
    queue = root_queue(config.partitions[0]).queues[0]
    assert queue.name == "2024"
    assert queue.properties == {"priority.offset": "5"}


def test_queue_paths_list_parents_before_children() -> None:
    partition = parse_queues_yaml(QUEUES_YAML).partitions[0]
    assert [path for path, _ in iter_queues(partition)] == ["root", "root.teams", "root.teams.spark-team-a"]


def test_the_config_is_found_by_partition_name_ignoring_case() -> None:
    config = parse_queues_yaml(QUEUES_YAML)
    assert config.partition("DEFAULT") is config.partitions[0]
    assert config.partition("gpu") is None


@pytest.mark.parametrize(
    ("acl", "user", "groups", "allowed"),
    [
        ("*", "anyone", set(), True),
        ("alice,bob admins", "bob", set(), True),
        ("alice,bob admins", "carol", {"admins"}, True),
        ("alice,bob admins", "carol", {"devs"}, False),
        (" admins", "admins", set(), False),  # a leading space: groups only
        (" admins", "carol", {"admins"}, True),
        ("", "alice", {"admins"}, False),
        (None, "alice", set(), False),
        ("alice *", "carol", {"x"}, True),
    ],
)
def test_acls_allow_listed_users_and_groups(
    acl: str | None, user: str, groups: set[str], allowed: bool
) -> None:
    assert parse_acl(acl).allows(user, groups) is allowed


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


# --- invalid configs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [
        (queues_doc([{"name": "spark.team"}]), f"{LEAF}.name", "contains a dot"),
        (queues_doc([{"name": "q" * 65}]), f"{LEAF}.name", "longer than 64 characters"),
        (queues_doc([{"name": "team a"}]), f"{LEAF}.name", 'only contain letters, digits, "-" and "_"'),
        (
            queues_doc([{"name": "prod"}, {"name": "Prod"}]),
            "partitions[0].queues[0].queues[1].name",
            'duplicate queue name "Prod"',
        ),
        (
            queues_doc(
                [{"name": "q", "resources": {"guaranteed": {"memory": "200G"}, "max": {"memory": "100G"}}}]
            ),
            f"{LEAF}.resources.guaranteed",
            "guaranteed memory=200G is larger than max memory=100G",
        ),
        (
            queues_doc(
                [
                    {
                        "name": "p",
                        "resources": {"max": {"vcore": 10}},
                        "queues": [{"name": "c", "resources": {"max": {"vcore": 20}}}],
                    }
                ]
            ),
            f"{LEAF}.queues[0].resources.max",
            "larger than the parent's max",
        ),
        (
            queues_doc(
                [
                    {
                        "name": "p",
                        "resources": {"guaranteed": {"memory": "10G"}},
                        "queues": [
                            {"name": "a", "resources": {"guaranteed": {"memory": "6G"}}},
                            {"name": "b", "resources": {"guaranteed": {"memory": "6G"}}},
                        ],
                    }
                ]
            ),
            f"{LEAF}.resources.guaranteed",
            "smaller than the children's guaranteed sum memory=12G",
        ),
        (
            queues_doc(
                [{"name": "p", "maxapplications": 5, "queues": [{"name": "c", "maxapplications": 6}]}]
            ),
            f"{LEAF}.queues[0].maxapplications",
            "above the parent's maxapplications 5",
        ),
        (
            queues_doc([{"name": "p", "maxapplications": 5, "queues": [{"name": "c"}]}]),
            f"{LEAF}.queues[0].maxapplications",
            "unset (unlimited)",
        ),
        (queues_doc([{"name": "q", "submitacl": "alice bob carol"}]), f"{LEAF}.submitacl", "multiple spaces"),
        (
            queues_doc([{"name": "q", "adminacl": "alice,1bob"}]),
            f"{LEAF}.adminacl",
            '"1bob" is not a valid user name',
        ),
        (
            queues_doc([{"name": "q", "properties": {"application.sort.policy": "lifo"}}]),
            f"{LEAF}.properties.application.sort.policy",
            '"lifo" is not one of fifo, fair',
        ),
        (
            queues_doc([{"name": "q", "properties": {"preemption.delay": "soon"}}]),
            f"{LEAF}.properties.preemption.delay",
            "invalid duration",
        ),
        (
            queues_doc([{"name": "q", "properties": {"preemption.delay": "-5s"}}]),
            f"{LEAF}.properties.preemption.delay",
            "positive duration",
        ),
        (
            queues_doc([{"name": "q", "properties": {"priority.offset": "high"}}]),
            f"{LEAF}.properties.priority.offset",
            "not an integer",
        ),
        (
            queues_doc([{"name": "q", "properties": {"priority.policy": "strict"}}]),
            f"{LEAF}.properties.priority.policy",
            "default, fence",
        ),
        (
            queues_doc([{"name": "q", "childtemplate": {"properties": {"preemption.policy": "never"}}}]),
            f"{LEAF}.childtemplate.properties.preemption.policy",
            "default, fence, disabled",
        ),
        (
            queues_doc([{"name": "q", "resources": {"max": {"memory": "1.5G"}}}]),
            f"{LEAF}.resources.max",
            "memory: invalid quantity",
        ),
        (
            queues_doc([{"name": "q", "resources": {"max": {"memory": "500m"}}}]),
            f"{LEAF}.resources.max",
            "only for vcore",
        ),
        (
            queues_doc([{"name": "q", "resources": {"max": {"vcore": "1K"}}}]),
            f"{LEAF}.resources.max",
            'invalid suffix "K"',
        ),
        (
            queues_doc([{"name": "q", "maxApplications": 3}]),
            f"{LEAF}.maxApplications",
            'did you mean "maxapplications"',
        ),
        (
            queues_doc([{"name": "q", "maxapplications": -1}]),
            f"{LEAF}.maxapplications",
            "greater than or equal to 0",
        ),
        (
            queues_doc([{"name": "q", "limits": [{"maxapplications": 1}]}]),
            f"{LEAF}.limits[0]",
            "needs users or groups",
        ),
        (
            queues_doc([{"name": "q", "limits": [{"users": ["alice"]}]}]),
            f"{LEAF}.limits[0]",
            "all limits are empty",
        ),
        (
            queues_doc(
                [
                    {
                        "name": "q",
                        "limits": [
                            {"users": ["*"], "maxapplications": 1},
                            {"users": ["bob"], "maxapplications": 2},
                        ],
                    }
                ]
            ),
            f"{LEAF}.limits[1].users",
            "after the wildcard user limit",
        ),
        (
            queues_doc([{"name": "q", "limits": [{"groups": ["dev ops"], "maxapplications": 1}]}]),
            f"{LEAF}.limits[0].groups",
            "invalid group name",
        ),
    ],
)
def test_invalid_queues_are_reported_where_they_are(doc: dict[str, Any], path: str, fragment: str) -> None:
    assert_issue(issues_of(doc), path, fragment)


def test_the_root_queue_has_no_resource_limits() -> None:
    doc = {"partitions": [{"queues": [{"name": "root", "resources": {"max": {"memory": "1T"}}}]}]}
    assert_issue(issues_of(doc), "partitions[0].queues[0].resources", "must not have resource limits")


def test_root_must_be_the_only_top_level_queue_when_named() -> None:
    doc = {"partitions": [{"queues": [{"name": "root"}, {"name": "prod"}]}]}
    assert_issue(issues_of(doc), "partitions[0].queues[0]", '"root" must be the only top-level queue')


def test_an_implicit_roots_children_are_checked_at_their_own_paths() -> None:
    doc = {"partitions": [{"queues": [{"name": "a.b"}, {"name": "c"}]}]}
    assert_issue(issues_of(doc), "partitions[0].queues[0].name", "contains a dot")


def test_partitions_must_be_unique_and_include_default() -> None:
    root = [{"name": "root"}]
    doc = {"partitions": [{"name": "gpu", "queues": root}, {"name": "GPU", "queues": root}]}
    issues = issues_of(doc)
    assert_issue(issues, "partitions[1].name", 'duplicate partition name "GPU"')
    assert_issue(issues, "partitions", 'no partition named "default"')
    assert_issue(issues_of({"partitions": []}), "partitions", "at least one partition")


@pytest.mark.parametrize(
    ("rules", "path", "fragment"),
    [
        ([{"name": "fixed"}], "partitions[0].placementrules[0].value", 'a "fixed" rule needs a value'),
        ([{"name": "tag"}], "partitions[0].placementrules[0].value", "the tag, e.g. namespace"),
        (
            [{"name": "recovery"}],
            "partitions[0].placementrules[0].name",
            "'provided', 'user', 'fixed' or 'tag'",
        ),
        (
            [{"name": "user", "filter": {"type": "maybe"}}],
            "partitions[0].placementrules[0].filter.type",
            "allow or deny",
        ),
        (
            [{"name": "user", "filter": {"users": ["9lives"]}}],
            "partitions[0].placementrules[0].filter.users",
            "neither a user name nor a regexp",
        ),
        (
            [{"name": "fixed", "value": "root.missing"}],
            "partitions[0].placementrules[0]",
            'references queue "root.missing", which does not exist, and create is false',
        ),
        (
            [{"name": "user", "parent": {"name": "fixed", "value": "prod"}}],
            "partitions[0].placementrules[0]",
            'below queue "root.prod", but it is a leaf queue',
        ),
        (
            [{"name": "user", "parent": {"name": "fixed"}}],
            "partitions[0].placementrules[0].parent.value",
            "needs a value",
        ),
    ],
)
def test_invalid_placement_rules_are_reported_where_they_are(
    rules: list[dict[str, Any]], path: str, fragment: str
) -> None:
    assert_issue(issues_of(queues_doc([{"name": "prod"}], placementrules=rules)), path, fragment)


def test_placement_rules_may_target_leaves_create_queues_and_filter_by_regexp() -> None:
    rules = [
        {"name": "fixed", "value": "root.prod"},
        {"name": "fixed", "value": "prod"},
        {"name": "user", "create": True, "parent": {"name": "fixed", "value": "root.users"}},
        {"name": "provided", "filter": {"type": "Deny", "users": ["^sys-.*$"], "groups": ["admins", "ops"]}},
        {"name": "Tag", "value": "namespace", "create": True},
    ]
    assert issues_of(queues_doc([{"name": "prod"}], placementrules=rules)) == []


def test_negative_node_sort_weights_are_refused() -> None:
    doc = queues_doc([], nodesortpolicy={"type": "Fair", "resourceweights": {"vcore": 1.0, "memory": -1.0}})
    assert_issue(
        issues_of(doc), "partitions[0].nodesortpolicy.resourceweights.memory", "negative resource weight"
    )


def test_an_unknown_node_sort_policy_is_refused() -> None:
    doc = queues_doc([], nodesortpolicy={"type": "spread"})
    assert_issue(issues_of(doc), "partitions[0].nodesortpolicy.type", "'fair' or 'binpacking'")


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
