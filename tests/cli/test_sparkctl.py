"""sparkctl keeps the old operator CLI's verbs and flags working."""

from pathlib import Path

import pytest

from sparkfleet.cli.sparkctl import app as sparkctl
from support.cli import PI, sf

pytestmark = pytest.mark.usefixtures("home")


def ctl(*args: str) -> tuple[int, str, str]:
    return sf(*args, app=sparkctl)


def test_create_list_status_event_delete() -> None:
    created = 'SparkApplication "pyspark-pi-karpenter" created in namespace "spark-team-a"\n'
    assert ctl("create", str(PI))[:2] == (0, created)
    code, out, _ = ctl("list", "-n", "spark-team-a")
    assert code == 0
    assert "pyspark-pi-karpenter" in out
    code, out, _ = ctl("status", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 0
    assert "State:" in out
    assert ctl("event", "pyspark-pi-karpenter", "-n", "spark-team-a")[0] == 0
    assert ctl("delete", "pyspark-pi-karpenter", "-n", "spark-team-a")[0] == 0
    assert "No resources found." in ctl("list", "-n", "spark-team-a")[1]


def test_create_twice_needs_delete_first() -> None:
    ctl("create", str(PI))
    code, _, err = ctl("create", str(PI))
    assert code == 1
    assert "already exists; use -d" in err
    assert ctl("create", "-d", str(PI))[0] == 0


def test_status_of_a_missing_app_is_an_error_not_a_traceback() -> None:
    code, _, err = ctl("status", "nope")
    assert code == 1
    assert "not found" in err


def test_log_of_a_missing_app_executor_is_an_error() -> None:
    code, _, err = ctl("log", "nope", "-e", "1")
    assert code == 1
    assert "not found" in err


def test_without_a_namespace_in_the_manifest_or_n_create_uses_default_and_says_so(tmp_path: Path) -> None:
    bare = tmp_path / "pi.yaml"
    bare.write_text(PI.read_text().replace("\n  namespace: spark-team-a\n", "\n", 1))
    assert ctl("create", str(bare))[:2] == (
        0,
        'SparkApplication "pyspark-pi-karpenter" created in namespace "default"\n',
    )
    assert "pyspark-pi-karpenter" in ctl("list")[1]
