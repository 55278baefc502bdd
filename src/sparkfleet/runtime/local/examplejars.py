"""The Spark image's example jars, built from the Java sources shipped under `image/java/`.

Spark Operator examples name `local:///opt/spark/examples/jars/spark-examples_<scala>-<version>.jar`
(SparkPi, JavaSparkPi) and the benchmark kit names `spark-pi-sleep.jar` (org.example.JavaSparkPiSleep).
PySpark's distribution carries neither, so they are compiled against the installed Spark at first use
and cached under a key of the Spark version and the sources: a new PySpark or changed sources build anew.
The jar is written reproducibly (fixed timestamps and modes, sorted entries), so the same sources and
Spark give the same bytes; a build lands by renaming a finished directory, so concurrent builders never
see half a jar and the first rename wins.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sparkfleet.runtime.local.install import SparkInstall
from sparkfleet.runtime.port import StartError

__all__ = ["EXAMPLE_JARS_DIR", "JAVA_SOURCES", "default_cache_dir", "example_jar", "provided_jar"]

EXAMPLE_JARS_DIR = PurePosixPath("/opt/spark/examples/jars")
"""Where the image keeps the jars this module provides."""
JAVA_SOURCES = Path(__file__).parent / "image" / "java"

_EXAMPLES = "spark-examples.jar"
# The name in apache/spark images (spark-examples_2.13-4.0.1.jar) or the operator's examples' short one.
_EXAMPLES_NAME = re.compile(r"spark-examples(_\d+\.\d+-\d+\.\d+\.\d+[\w.-]*)?\.jar")
_PI_SLEEP = "spark-pi-sleep.jar"
# The classes of each provided jar, by the source path prefix they are compiled from.
_CONTENTS = {_EXAMPLES: "org/apache/spark/examples/", _PI_SLEEP: "org/example/"}
_JAVAC_OPTIONS = ("--release", "17", "-encoding", "UTF-8", "-proc:none", "-nowarn")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
_MANIFEST = "Manifest-Version: 1.0\r\nCreated-By: sparkfleet\r\n\r\n"
_COMPILE_TIMEOUT = 600.0

_NO_JAVAC = (
    "the image's examples jar is built from sources with a JDK's javac, and no javac was found "
    "($JAVA_HOME/bin/javac, the Spark install's Java home, PATH): install a JDK (e.g. "
    "`apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME to one"
)


def provided_jar(name: str) -> str | None:
    """The cached file name of the provided jar called `name` in the image, or None if none is."""
    if name == _PI_SLEEP:
        return _PI_SLEEP
    if _EXAMPLES_NAME.fullmatch(name):
        return _EXAMPLES
    return None


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's cache for built image files, used when the cluster names none."""
    environment = os.environ if env is None else env
    cache = environment.get("XDG_CACHE_HOME") or str(Path(environment.get("HOME") or Path.home()) / ".cache")
    return Path(cache) / "sparkfleet" / "image"


def example_jar(name: str, spark: SparkInstall, cache_dir: Path) -> Path | None:
    """The jar `name` (a file name in EXAMPLE_JARS_DIR) built for `spark`, or None when the image has no
    such jar. Builds it under `cache_dir` on first use; raises StartError when it cannot."""
    cached = provided_jar(name)
    if cached is None:
        return None
    sources = _sources()
    built = cache_dir / _cache_key(spark, sources)
    if not (built / cached).is_file():
        _build(sources, spark, built)
    return built / cached


def _sources() -> dict[str, bytes]:
    found = {p.relative_to(JAVA_SOURCES).as_posix(): p.read_bytes() for p in JAVA_SOURCES.rglob("*.java")}
    if not found:
        raise StartError(
            f"the image's Java example sources are missing from {JAVA_SOURCES}: reinstall sparkfleet"
        )
    return dict(sorted(found.items()))


def _cache_key(spark: SparkInstall, sources: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256(" ".join(_JAVAC_OPTIONS).encode())
    for path, text in sources.items():
        digest.update(f"\0{path}\0{len(text)}\0".encode())
        digest.update(text)
    return f"examples-spark-{spark.version or 'unknown'}-{digest.hexdigest()[:16]}"


def _javac(spark: SparkInstall) -> Path:
    homes = [os.environ.get("JAVA_HOME"), spark.java_home]
    for home in homes:
        if home and (Path(home) / "bin" / "javac").is_file():
            return Path(home) / "bin" / "javac"
    on_path = shutil.which("javac")
    if on_path is None:
        raise StartError(_NO_JAVAC)
    return Path(on_path)


def _build(sources: Mapping[str, bytes], spark: SparkInstall, built: Path) -> None:
    javac = _javac(spark)
    jars = spark.home / "jars"
    if not any(jars.glob("spark-core_*.jar")):
        raise StartError(
            f"the image's examples jar is compiled against Spark's jars, and {jars} holds none: "
            "reinstall PySpark (`pip install pyspark`) or set SPARK_HOME to a Spark distribution"
        )
    built.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{built.name}.", dir=built.parent))
    try:
        _compile(javac, jars, sources, staging)
        output = staging / "out"
        output.mkdir()
        for jar, prefix in _CONTENTS.items():
            _write_jar(output / jar, staging / "classes", prefix)
        try:
            output.rename(built)
        except OSError:
            if not built.is_dir():  # not another builder's finished copy: a real failure
                raise
    except OSError as exc:
        raise StartError(f"cannot build the image's example jars in {built.parent}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _compile(javac: Path, jars: Path, sources: Mapping[str, bytes], staging: Path) -> None:
    source_root, classes = staging / "src", staging / "classes"
    for path, text in sources.items():
        (source_root / path).parent.mkdir(parents=True, exist_ok=True)
        (source_root / path).write_bytes(text)
    command = [str(javac), *_JAVAC_OPTIONS, "-cp", f"{jars}/*", "-d", str(classes)]
    command += [str(source_root / path) for path in sources]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_COMPILE_TIMEOUT, check=False, cwd=staging
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StartError(f"{javac} could not compile the image's example jars: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise StartError(
            f"{javac} failed compiling the image's example jars against {jars} (it needs a JDK 17 or "
            f"newer and Spark 4's jars):\n{tail}"
        )


def _write_jar(jar: Path, classes: Path, prefix: str) -> None:
    entries = sorted(p.relative_to(classes).as_posix() for p in classes.rglob("*.class"))
    with zipfile.ZipFile(jar, "w") as archive:
        _add(archive, "META-INF/MANIFEST.MF", _MANIFEST.encode())
        for entry in entries:
            if entry.startswith(prefix):
                _add(archive, entry, (classes / entry).read_bytes())


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    info.create_system = 3  # Unix, whatever this machine is, so the bytes do not depend on it
    archive.writestr(info, data)
