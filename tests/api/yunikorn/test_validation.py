"""What YuniKorn refuses in a queues.yaml is reported with its path."""

from typing import Any

import pytest

from .builders import LEAF, assert_issue, issues_of, queues_doc


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
