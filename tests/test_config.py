"""A config directory overrides the blueprint part by part; bad files are refused with their names."""

from pathlib import Path

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.config import load_config

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "config"


def test_without_a_directory_the_blueprint_is_the_configuration() -> None:
    config = load_config()
    assert [p.metadata.name for p in config.nodepools] == [
        "spark-compute-optimized",
        "spark-graviton-memory-optimized",
        "spark-memory-optimized",
        "spark-vertical-ebs-scale",
    ]
    assert config.namespaces == ["default", "spark-team-a", "spark-team-b", "spark-team-c"]
    assert config.scenario.zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert config.queues.partitions[0].name == "default"


def test_the_example_config_directory_equals_the_blueprint() -> None:
    shipped, default = load_config(EXAMPLE_CONFIG), load_config()
    assert shipped.nodepools == default.nodepools
    assert shipped.nodeclasses == default.nodeclasses
    assert shipped.queues == default.queues


def test_a_directory_with_only_a_scenario_keeps_the_blueprint_pools(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(
        "unavailableOfferings:\n  - instanceFamily: r6g\n    capacityType: spot\nlaunchLatencySeconds: 30\n"
    )
    config = load_config(tmp_path)
    assert len(config.nodepools) == 4
    assert config.scenario.launchLatencySeconds == 30
    assert config.scenario.unavailableOfferings[0].instanceFamily == "r6g"


def test_nodepools_in_the_directory_replace_the_blueprint_pools(tmp_path: Path) -> None:
    text = (EXAMPLE_CONFIG / "nodepools.yaml").read_text()
    first = text.split("\n---\n")[1]
    (tmp_path / "pools.yaml").write_text(first)
    config = load_config(tmp_path)
    assert [p.metadata.name for p in config.nodepools] == ["spark-compute-optimized"]


def test_a_pool_pointing_at_a_missing_node_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pools.yaml").write_text(
        "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  template:\n    spec:\n"
        "      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: nowhere}\n"
        "      requirements: []\n"
    )
    with pytest.raises(ManifestError, match='EC2NodeClass "nowhere" is not in the configuration'):
        load_config(tmp_path)


def test_an_invalid_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "queues.yaml").write_text("partitions:\n  - name: default\n    queus: []\n")
    with pytest.raises(ManifestError) as info:
        load_config(tmp_path)
    assert str(tmp_path / "queues.yaml") in str(info.value)
    assert 'did you mean "queues"' in str(info.value)


def test_a_bad_scenario_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("launchLatencySecond: 3\n")
    with pytest.raises(ManifestError, match="launchLatencySecond"):
        load_config(tmp_path)


def test_settings_keep_logs_a_week_and_the_last_five_runs_unless_settings_yaml_says_otherwise(
    tmp_path: Path,
) -> None:
    default = load_config().settings
    assert (default.logs.retentionDays, default.logs.maxArchivedPods, default.runs.keep) == (7, 1000, 5)
    (tmp_path / "settings.yaml").write_text("logs:\n  retentionDays: 1.5\nruns:\n  keep: 2\n")
    settings = load_config(tmp_path).settings
    assert (settings.logs.retentionDays, settings.logs.maxArchivedPods, settings.runs.keep) == (1.5, 1000, 2)


def test_a_settings_file_with_an_unknown_or_bad_field_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("logs:\n  retentionDay: 3\nruns:\n  keep: 0\n")
    with pytest.raises(ManifestError) as refused:
        load_config(tmp_path)
    problems = [str(issue) for issue in refused.value.issues]
    assert any("settings.yaml: logs.retentionDay" in p and "retentionDays" in p for p in problems)
    assert any("settings.yaml: runs.keep" in p for p in problems)
