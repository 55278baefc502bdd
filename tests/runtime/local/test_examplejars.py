"""The image's example jars: which names the image provides, built from the shipped Java sources against
the installed Spark, reproducibly and once per cache, and a clear error on a machine without javac."""

from __future__ import annotations

import os
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import IMAGE_ROOT, SparkInstall, find_spark
from sparkfleet.runtime.local.driver import resolve_resource
from sparkfleet.runtime.local.examplejars import example_jar, provided_jar
from sparkfleet.runtime.local.volumes import MountTable

EXAMPLES_JAR = "spark-examples_2.13-4.0.0.jar"
EXAMPLE_CLASSES = ["org/apache/spark/examples/JavaSparkPi.class", "org/apache/spark/examples/SparkPi.class"]
PI_SLEEP_CLASSES = ["org/example/JavaSparkPiSleep.class"]


@pytest.fixture(scope="module")
def spark() -> SparkInstall:
    return find_spark()


@pytest.fixture(scope="module")
def built(spark: SparkInstall, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples jar built once for this module's tests."""
    jar = example_jar(EXAMPLES_JAR, spark, tmp_path_factory.mktemp("image-cache"))
    assert jar is not None
    return jar


def classes(jar: Path) -> list[str]:
    with zipfile.ZipFile(jar) as archive:
        return [name for name in archive.namelist() if name.endswith(".class")]


@pytest.mark.parametrize(
    ("name", "cached"),
    [
        ("spark-examples_2.13-4.0.0.jar", "spark-examples.jar"),
        ("spark-examples_2.12-3.5.3.jar", "spark-examples.jar"),
        ("spark-examples.jar", "spark-examples.jar"),
        ("spark-pi-sleep.jar", "spark-pi-sleep.jar"),
    ],
)
def test_the_image_provides_sparks_examples_jar_under_any_version_and_the_pi_sleep_jar(
    name: str, cached: str
) -> None:
    assert provided_jar(name) == cached


@pytest.mark.parametrize(
    "name",
    ["spark-hive_2.13-4.0.0.jar", "my-app.jar", "spark-examples.zip", "spark-examples-missing.jar", "pi.py"],
)
def test_other_names_are_not_provided_and_build_nothing(
    name: str, fake_spark: SparkInstall, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert provided_jar(name) is None
    assert example_jar(name, fake_spark, cache) is None
    assert not cache.exists()


def test_the_examples_jar_holds_sparkpi_and_javasparkpi_after_its_manifest(built: Path) -> None:
    assert built.name == "spark-examples.jar"
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert names[0] == "META-INF/MANIFEST.MF"
        assert archive.read(names[0]).startswith(b"Manifest-Version: 1.0\r\n")
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert classes(built) == EXAMPLE_CLASSES


def test_every_examples_name_is_the_one_cached_jar_and_the_pi_sleep_jar_sits_beside_it(
    built: Path, spark: SparkInstall
) -> None:
    cache = built.parent.parent
    assert example_jar("spark-examples.jar", spark, cache) == built
    sleep = example_jar("spark-pi-sleep.jar", spark, cache)
    assert sleep == built.parent / "spark-pi-sleep.jar"
    assert classes(sleep) == PI_SLEEP_CLASSES
    # One build per Spark version and sources, with no staging left behind.
    assert [p.name for p in cache.iterdir()] == [built.parent.name]
    assert built.parent.name.startswith(f"examples-spark-{spark.version}-")


def test_the_same_sources_and_spark_build_the_same_bytes(
    built: Path, spark: SparkInstall, tmp_path: Path
) -> None:
    again = example_jar(EXAMPLES_JAR, spark, tmp_path / "other-cache")
    assert again is not None and again != built
    assert again.read_bytes() == built.read_bytes()


def test_two_builders_at_once_share_one_finished_build(spark: SparkInstall, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(2) as pool:
        jars = list(pool.map(lambda name: example_jar(name, spark, cache), ["spark-pi-sleep.jar"] * 2))
    assert jars[0] == jars[1]
    assert len(list(cache.iterdir())) == 1
    assert jars[0] is not None and classes(jars[0]) == PI_SLEEP_CLASSES


def test_without_javac_the_error_says_a_jdk_builds_the_jar_and_how_to_get_one(
    fake_spark: SparkInstall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "no-jdk"
    (bare / "bin").mkdir(parents=True)
    monkeypatch.setenv("PATH", str(bare / "bin"))
    monkeypatch.setenv("JAVA_HOME", str(bare))
    with pytest.raises(StartError) as missing:
        example_jar(EXAMPLES_JAR, fake_spark, tmp_path / "cache")
    message = str(missing.value)
    assert "examples jar is built from sources with a JDK's javac" in message
    assert "no javac was found" in message
    assert "apt-get install openjdk-17-jdk-headless" in message and "JAVA_HOME" in message


def test_a_driver_naming_the_examples_jar_in_the_image_gets_the_built_jar(
    built: Path, spark: SparkInstall
) -> None:
    uri = f"local:///opt/spark/examples/jars/{EXAMPLES_JAR}"
    resolved = resolve_resource(
        uri, "f", MountTable(), IMAGE_ROOT, spark=spark, image_cache=built.parent.parent
    )
    assert resolved == str(built)
    with pytest.raises(StartError, match="not in the local runtime's image"):
        resolve_resource(uri, "spec.mainApplicationFile", MountTable(), IMAGE_ROOT)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("jar", "main_class", "arguments"),
    [
        ("spark-examples.jar", "org.apache.spark.examples.SparkPi", ["2"]),
        ("spark-pi-sleep.jar", "org.example.JavaSparkPiSleep", ["2", "1"]),
    ],
)
def test_spark_submit_runs_the_built_jars_and_estimates_pi(
    jar: str, main_class: str, arguments: list[str], built: Path, spark: SparkInstall, tmp_path: Path
) -> None:
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    command = [str(spark.spark_submit), "--master", "local[1]", "--conf", "spark.ui.enabled=false"]
    command += ["--class", main_class, str(built.parent / jar), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert any(line.startswith("Pi is roughly 3.1") for line in done.stdout.splitlines()), done.stdout
