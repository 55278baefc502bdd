"""Which directory a cluster lives in: `--cluster` names it, with or without `$SPARKFLEET_HOME`."""

from pathlib import Path

import pytest

from sparkfleet.platform import cluster_home


def test_without_sparkfleet_home_each_cluster_has_its_own_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPARKFLEET_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cluster_home() == tmp_path / "sparkfleet" / "default"
    assert cluster_home("prod") == tmp_path / "sparkfleet" / "prod"


def test_sparkfleet_home_is_the_default_cluster_s_home_and_holds_the_others_under_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path / "sf"))
    assert cluster_home() == tmp_path / "sf"
    assert cluster_home("prod") == tmp_path / "sf" / "clusters" / "prod"
    assert cluster_home("run") != cluster_home("prod")
