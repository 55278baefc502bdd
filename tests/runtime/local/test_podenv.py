"""A container's environment: its image's and its spec's, references resolved as the kubelet resolves
them, and nothing of the environment of the process that runs the kubelet."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import SparkInstall
from sparkfleet.runtime.local.podenv import IMAGE_PATH, ConfigError, EnvSources, container_env, image_env
from sparkfleet.runtime.local.volumes import Mount, MountTable

POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"team": "a"}}, "spec": {}}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SETTINGS = {"data": {"mode": "fast", "dir": "/data/in"}}
DB = {"data": {"password": b64("hunter2"), "user": b64("spark")}}


def sources(**objects: dict[str, Any]) -> EnvSources:
    """ConfigMaps named `cm_<name>` and Secrets named `secret_<name>` in the keyword arguments."""
    config_maps = {k[3:]: v for k, v in objects.items() if k.startswith("cm_")}
    secrets = {k[7:]: v for k, v in objects.items() if k.startswith("secret_")}
    return EnvSources(config_maps.get, secrets.get)


def env_of(container: dict[str, Any], found: EnvSources, mounts: MountTable | None = None) -> dict[str, str]:
    return container_env(POD, container, mounts or MountTable(), found)


def test_field_config_map_and_secret_references_resolve_as_kubernetes_would() -> None:
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}, {"secretRef": {"name": "db"}}],
        "env": [
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "user", "value": "overridden"},
        ],
    }
    env = env_of(container, sources(cm_settings=SETTINGS, secret_db=DB))
    assert env == {
        "APP_mode": "fast",
        "APP_dir": "/data/in",
        "password": "hunter2",
        "user": "overridden",
        "POD_IP": "127.0.0.1",
        "TEAM": "a",
        "MODE": "fast",
        "DB_PASSWORD": "hunter2",
    }


def test_optional_references_to_missing_objects_or_keys_are_skipped() -> None:
    container = {
        "envFrom": [{"secretRef": {"name": "absent", "optional": True}}],
        "env": [
            {"name": "A", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k", "optional": True}}},
            {"name": "B", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope", "optional": True}}},
            {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "k", "optional": True}}},
        ],
    }
    assert env_of(container, sources(secret_db=DB)) == {}


@pytest.mark.parametrize(
    ("container", "message"),
    [
        (
            {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}]},
            'secret "db" not found',
        ),
        (
            {"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]},
            'configmap "cm" not found',
        ),
        ({"envFrom": [{"secretRef": {"name": "db"}}]}, 'secret "db" not found'),
        ({"envFrom": [{"configMapRef": {"name": "cm"}}]}, 'configmap "cm" not found'),
    ],
)
def test_a_missing_required_object_is_the_kubelets_config_error(
    container: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        env_of(container, EnvSources.empty())
    assert str(refused.value) == message


def test_a_missing_required_key_names_the_key_and_never_a_value() -> None:
    container = {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "token"}}}]}
    with pytest.raises(ConfigError) as refused:
        env_of(container, sources(secret_db=DB))
    assert str(refused.value) == "couldn't find key token in Secret ns/db"
    assert "hunter2" not in str(refused.value) and b64("hunter2") not in str(refused.value)


def test_a_secret_that_is_not_base64_is_a_config_error_naming_the_key() -> None:
    broken = {"data": {"password": "%%hunter2%%"}}
    container = {"envFrom": [{"secretRef": {"name": "db"}}]}
    with pytest.raises(ConfigError, match=r'secret ns/db: data\["password"\] is not base64') as refused:
        env_of(container, sources(secret_db=broken))
    assert "hunter2" not in str(refused.value)


def test_paths_in_the_spec_map_to_the_mounts_but_secret_values_are_passed_as_they_are(tmp_path: Path) -> None:
    table = MountTable((Mount("data", "/data", tmp_path / "data"),))
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}}],
        "env": [
            {"name": "LOCAL", "value": "/data/a,/data/b"},
            {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "paths", "key": "k"}}},
        ],
    }
    env = env_of(
        container, sources(cm_settings=SETTINGS, secret_paths={"data": {"k": b64("/data/x")}}), table
    )
    assert env["LOCAL"] == f"{tmp_path}/data/a,{tmp_path}/data/b"
    assert env["dir"] == f"{tmp_path}/data/in"
    assert env["KEY"] == "/data/x"


def test_the_image_environment_is_built_without_the_kubelets_own(
    tmp_path: Path, fake_spark: SparkInstall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_FROM_SHELL", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "abc")
    pod_dir = tmp_path / "pod"
    pod_dir.mkdir()
    env = image_env(pod_dir, sys.executable, fake_spark)
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", "SPARK_HOME"}
    path = env["PATH"].split(os.pathsep)
    assert path[0] == str(Path(sys.executable).parent), "the cluster's Python first"
    assert path[-len(IMAGE_PATH) :] == list(IMAGE_PATH)
    assert env["HOME"] == str(pod_dir / "home") and (pod_dir / "home").stat().st_mode & 0o777 == 0o700
    assert env["TMPDIR"] == str(pod_dir / "tmp") and (pod_dir / "tmp").is_dir()
    assert env["SPARK_HOME"] == str(fake_spark.home)
    with_java = SparkInstall(fake_spark.home, tmp_path / "jdk", sys.executable)
    java_env = image_env(pod_dir, sys.executable, with_java)
    assert java_env["JAVA_HOME"] == str(tmp_path / "jdk")
    assert str(tmp_path / "jdk" / "bin") in java_env["PATH"].split(os.pathsep)


def test_a_planted_link_cannot_move_home_out_of_the_pod_directory(tmp_path: Path) -> None:
    pod_dir, outside = tmp_path / "pod", tmp_path / "outside"
    pod_dir.mkdir()
    outside.mkdir()
    outside.chmod(0o755)
    (pod_dir / "home").symlink_to(outside)
    with pytest.raises(StartError, match=r"the container's HOME.*is outside"):
        image_env(pod_dir, sys.executable, None)
    assert outside.stat().st_mode & 0o777 == 0o755, "nothing outside was changed"
