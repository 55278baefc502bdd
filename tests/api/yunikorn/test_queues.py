"""The queue tree: YuniKorn's defaults, names and properties read as strings, ACLs."""

import pytest

from sparkfleet.api.yunikorn import SchedulerConfig, parse_acl, parse_queues_yaml, root_queue, validate_queues


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


def test_numeric_names_and_property_values_are_read_as_strings() -> None:
    config = parse_queues_yaml(
        "partitions:\n- queues:\n  - name: 2024\n    properties: {priority.offset: 5}\n"
    )
    queue = root_queue(config.partitions[0]).queues[0]
    assert queue.name == "2024"
    assert queue.properties == {"priority.offset": "5"}


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
