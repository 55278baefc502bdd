"""Partitions: the effective root, queue paths, partition look-up, node sort policy."""

from sparkfleet.api.yunikorn import (
    SchedulerConfig,
    iter_queues,
    parse_queues_yaml,
    root_queue,
    validate_queues,
)

from .builders import QUEUES_YAML, assert_issue, issues_of, queues_doc


def test_without_a_root_the_top_level_queues_become_roots_children() -> None:
    config = SchedulerConfig.model_validate({"partitions": [{"queues": [{"name": "prod"}, {"name": "dev"}]}]})
    assert validate_queues(config) == []
    root = root_queue(config.partitions[0])
    assert root.name == "root" and root.is_parent
    assert [path for path, _ in iter_queues(config.partitions[0])] == ["root", "root.prod", "root.dev"]


def test_queue_paths_list_parents_before_children() -> None:
    partition = parse_queues_yaml(QUEUES_YAML).partitions[0]
    assert [path for path, _ in iter_queues(partition)] == ["root", "root.teams", "root.teams.spark-team-a"]


def test_the_config_is_found_by_partition_name_ignoring_case() -> None:
    config = parse_queues_yaml(QUEUES_YAML)
    assert config.partition("DEFAULT") is config.partitions[0]
    assert config.partition("gpu") is None


def test_an_unknown_node_sort_policy_is_refused() -> None:
    doc = queues_doc([], nodesortpolicy={"type": "spread"})
    assert_issue(issues_of(doc), "partitions[0].nodesortpolicy.type", "'fair' or 'binpacking'")
