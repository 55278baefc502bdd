"""A container's process environment: what its image and its spec give it, never the kubelet's own.

Kubernetes starts a container with the environment of its image, then the pod spec's `envFrom` and
`env` over it. The local runtime has one image, the Spark it runs, whose environment is:
PATH (the cluster's Python, Java and the system directories, as the Spark image's PATH holds its Java
and the system's), HOME and TMPDIR in the pod's own directory, LANG, SPARK_HOME and JAVA_HOME. Nothing
else of the shell that started the cluster reaches a pod: not its credentials, not its tokens.

References are resolved as the kubelet resolves them: `configMapKeyRef` and `secretKeyRef`, `envFrom`
with `configMapRef` and `secretRef`, each honouring `optional`. A missing required object or key is a
ConfigError: the container waits in CreateContainerConfigError, with the kubelet's message (names and
keys only, never a value), and starts once the object is there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkfleet.api.secret import SecretValueError, decoded_data
from sparkfleet.api.wire import ANNOTATION_POD_IP
from sparkfleet.runtime.local.install import SparkInstall
from sparkfleet.runtime.local.paths import contain
from sparkfleet.runtime.local.volumes import MountTable

__all__ = [
    "IMAGE_PATH",
    "POD_IP",
    "ConfigError",
    "EnvSources",
    "container_env",
    "image_env",
    "pod_ip",
]

Obj = dict[str, Any]
Lookup = Callable[[str], Obj | None]

POD_IP = "127.0.0.1"
"""The address of a pod the local runtime gave none of its own (see podaddress.py): this machine's
loopback, which every pod runs on."""
IMAGE_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
"""The system part of PATH, as container images set it."""
_LANG = "C.UTF-8"


class ConfigError(Exception):
    """A container's environment refers to a ConfigMap, Secret or key that is not there (the kubelet's
    CreateContainerConfigError); the message names them, never a value."""


@dataclass(frozen=True, slots=True)
class EnvSources:
    """Where a pod's references are read from: its namespace's ConfigMaps and Secrets by name."""

    config_maps: Lookup
    secrets: Lookup

    @staticmethod
    def empty() -> EnvSources:
        return EnvSources(lambda _: None, lambda _: None)


def _python_dir(python: str) -> str:
    # The directory as named (a virtualenv's bin/, not where its interpreter link points).
    return str(Path(python).parent)


def _java_dir(spark: SparkInstall | None) -> str | None:
    if spark is not None and spark.java_home is not None:
        return str(spark.java_home / "bin")
    found = shutil.which("java")
    return str(Path(found).parent) if found else None


def image_env(pod_dir: Path, python: str, spark: SparkInstall | None) -> dict[str, str]:
    """The environment of the local runtime's image for a pod whose directory is `pod_dir` (its home
    and temporary directories are made there)."""
    home = contain(pod_dir / "home", pod_dir, "the container's HOME")
    tmp = contain(pod_dir / "tmp", pod_dir, "the container's TMPDIR")
    for directory in (home, tmp):
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
    path = [_python_dir(python)]
    java = _java_dir(spark)
    if java is not None and java not in path and java not in IMAGE_PATH:
        path.append(java)
    path.extend(p for p in IMAGE_PATH if p not in path)
    env = {"PATH": os.pathsep.join(path), "HOME": str(home), "TMPDIR": str(tmp), "LANG": _LANG}
    if spark is not None:
        env["SPARK_HOME"] = str(spark.home)
        if spark.java_home is not None:
            env["JAVA_HOME"] = str(spark.java_home)
    return env


def pod_ip(pod: Mapping[str, Any]) -> str:
    """The pod's address: the one recorded for it (ANNOTATION_POD_IP), else POD_IP."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(ANNOTATION_POD_IP) or POD_IP)


def _field_value(pod: Mapping[str, Any], path: str) -> str:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    ip = pod_ip(pod)
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": ip,
        "status.hostIP": POD_IP,
        "status.podIPs": ip,
        "status.hostIPs": POD_IP,
    }
    if path in simple:
        return str(simple[path] or "")
    for prefix, mapping in (("metadata.labels", "labels"), ("metadata.annotations", "annotations")):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return str((meta.get(mapping) or {}).get(path[len(prefix) + 2 : -2], ""))
    return ""


class _Reader:
    """Reads the referenced objects of one pod, each once, with the kubelet's errors."""

    def __init__(self, namespace: str, sources: EnvSources) -> None:
        self.namespace = namespace
        self.sources = sources
        self._values: dict[tuple[str, str], dict[str, str] | None] = {}

    def values(self, kind: str, name: str) -> dict[str, str] | None:
        """The object's entries as strings; None when it does not exist."""
        if (kind, name) not in self._values:
            self._values[kind, name] = self._read(kind, name)
        return self._values[kind, name]

    def _read(self, kind: str, name: str) -> dict[str, str] | None:
        if kind == "ConfigMap":
            config_map = self.sources.config_maps(name)
            return (
                None if config_map is None else {k: str(v) for k, v in (config_map.get("data") or {}).items()}
            )
        secret = self.sources.secrets(name)
        if secret is None:
            return None
        try:
            data = decoded_data(secret)
        except SecretValueError as exc:
            raise ConfigError(f"secret {self.namespace}/{name}: {exc}") from None
        return {k: v.decode("utf-8", errors="surrogateescape") for k, v in data.items()}

    def required(self, kind: str, name: str, optional: bool) -> dict[str, str] | None:
        found = self.values(kind, name)
        if found is None and not optional:
            raise ConfigError(f'{kind.lower()} "{name}" not found')
        return found

    def key(self, kind: str, ref: Mapping[str, Any]) -> str | None:
        name, key, optional = str(ref.get("name") or ""), str(ref.get("key") or ""), bool(ref.get("optional"))
        found = self.required(kind, name, optional)
        if found is None:
            return None
        if key not in found:
            if optional:
                return None
            raise ConfigError(f"couldn't find key {key} in {kind} {self.namespace}/{name}")
        return found[key]


def container_env(
    pod: Mapping[str, Any], container: Mapping[str, Any], mounts: MountTable, sources: EnvSources
) -> dict[str, str]:
    """The container's own environment as Kubernetes gives it (envFrom, then env; references resolved),
    with paths inside the container's mounts turned into host paths. ConfigError for a missing
    required reference."""
    reader = _Reader(str((pod.get("metadata") or {}).get("namespace") or ""), sources)
    env: dict[str, str] = {}
    from_secrets: set[str] = set()
    for source in container.get("envFrom") or []:
        for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(field)
            if not isinstance(ref, Mapping):
                continue
            found = reader.required(kind, str(ref.get("name") or ""), bool(ref.get("optional")))
            for key, entry in (found or {}).items():
                name = f"{source.get('prefix') or ''}{key}"
                env[name] = entry
                if kind == "Secret":
                    from_secrets.add(name)
                else:
                    from_secrets.discard(name)
    for var in container.get("env") or []:
        name = str(var.get("name") or "")
        source = var.get("valueFrom")
        if "value" in var or not isinstance(source, Mapping):
            env[name] = str(var.get("value") or "")
            from_secrets.discard(name)
            continue
        value: str | None = None
        if "fieldRef" in source:
            value = _field_value(pod, str(source["fieldRef"].get("fieldPath") or ""))
        elif "configMapKeyRef" in source:
            value = reader.key("ConfigMap", source["configMapKeyRef"])
        elif "secretKeyRef" in source:
            value = reader.key("Secret", source["secretKeyRef"])
        # resourceFieldRef has nothing to read locally; like a missing optional reference, skipped.
        if value is not None:
            env[name] = value
            if "secretKeyRef" in source:
                from_secrets.add(name)
            else:
                from_secrets.discard(name)
    for name, value in env.items():
        # Paths in the container (SPARK_LOCAL_DIRS, a credentials file) become this machine's paths; a
        # Secret's value is data, passed as it is.
        parts = [p for p in value.split(",") if p]
        if name not in from_secrets and parts and all(p.startswith("/") for p in parts):
            env[name] = mounts.resolve_list(value)
    return env
