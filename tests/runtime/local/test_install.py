"""Finding Spark (PySpark's distribution or $SPARK_HOME) and Java for driver processes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import SparkInstall, find_spark

HAS_PYSPARK = importlib.util.find_spec("pyspark") is not None


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


@pytest.mark.skipif(not HAS_PYSPARK, reason="pyspark is not installed")
def test_without_spark_home_the_pyspark_distribution_is_used(tmp_path: Path) -> None:
    found = find_spark({"PATH": str(fake_java(tmp_path) / "bin")})
    assert (found.home / "bin" / "spark-submit").is_file()
    assert (found.home / "jars").is_dir()
    assert found.java_home is None, "java on PATH is what spark-class uses"


def test_without_java_drivers_cannot_start_and_the_message_says_what_to_install(
    fake_spark: SparkInstall,
) -> None:
    with pytest.raises(StartError, match="no Java runtime found: Spark needs Java 17 or 21"):
        find_spark({"SPARK_HOME": str(fake_spark.home), "PATH": ""})
