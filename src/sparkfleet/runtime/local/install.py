"""Where Spark and Java are on this machine: the PySpark distribution's `bin/spark-submit` and a JDK.

Spark home is found as PySpark's own `find_spark_home` does it: `$SPARK_HOME` when it holds Spark, else
the installed `pyspark` package (the PyPI distribution carries bin/, jars/ and the launch scripts). The
package is located without importing it, so the control plane does not pay for Spark's imports.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sparkfleet.runtime.port import StartError

__all__ = ["SparkInstall", "find_spark"]

_NO_SPARK = (
    "Spark is not installed: the local runtime runs drivers with PySpark's spark-submit. "
    "Install it with `pip install 'sparkfleet[spark]'` (or `pip install pyspark`), or set SPARK_HOME "
    "to a Spark distribution"
)
_NO_JAVA = (
    "no Java runtime found: Spark needs Java 17 or 21. Install a JDK (e.g. `apt-get install "
    "openjdk-17-jre-headless`) and put `java` on PATH, or set JAVA_HOME"
)


@dataclass(frozen=True, slots=True)
class SparkInstall:
    home: Path
    java_home: Path | None
    """None when `java` on PATH will do (spark-class uses it when JAVA_HOME is not set)."""
    python: str
    """The interpreter PySpark's workers and the driver script run with: this one, which has pyspark."""

    @property
    def spark_submit(self) -> Path:
        return self.home / "bin" / "spark-submit"


def _spark_home(env: Mapping[str, str]) -> Path:
    configured = env.get("SPARK_HOME")
    if configured and (Path(configured) / "bin" / "spark-submit").is_file():
        return Path(configured)
    spec = importlib.util.find_spec("pyspark")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if (Path(location) / "bin" / "spark-submit").is_file():
                return Path(location)
    raise StartError(_NO_SPARK)


def _java_home(env: Mapping[str, str]) -> Path | None:
    configured = env.get("JAVA_HOME")
    if configured and (Path(configured) / "bin" / "java").is_file():
        return Path(configured)
    java = shutil.which("java", path=env.get("PATH"))
    if java is None:
        raise StartError(_NO_JAVA)
    # spark-class finds `java` on PATH by itself; a JAVA_HOME that points nowhere would mislead it.
    return Path(os.path.realpath(java)).parent.parent if configured else None


def find_spark(env: Mapping[str, str] | None = None) -> SparkInstall:
    """Spark and Java for driver processes; raises StartError saying what to install."""
    environment = os.environ if env is None else env
    return SparkInstall(_spark_home(environment), _java_home(environment), sys.executable)
