"""Reading the `spark.kubernetes.*` part of a Spark conf the way Spark's KubernetesConf does.

Prefixed families (labels, annotations, node selectors, environment, secrets, volumes) are collected in
one pass over the conf, so building a pod does not rescan the conf once per family.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sparkfleet.api.redaction import shown_setting
from sparkfleet.engine.submission.errors import SubmissionError

Role = Literal["driver", "executor"]

VOLUME_TYPES = ("hostPath", "emptyDir", "nfs", "persistentVolumeClaim")
ON_DEMAND = "OnDemand"
"""A claimName that asks Spark to create a PVC per pod (SPARK-32971)."""


@dataclass(slots=True)
class VolumeConf:
    """One `spark.kubernetes.<role>.volumes.<type>.<name>.*` volume (KubernetesVolumeSpec)."""

    type: str
    name: str
    mount_path: str = ""
    mount_sub_path: str = ""
    mount_sub_path_expr: str = ""
    mount_read_only: bool = False
    options: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RoleConf:
    """What the conf says about one role's pods."""

    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    node_selector: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    """Secret name -> mount path (spark.kubernetes.<role>.secrets.*)."""
    secret_key_refs: dict[str, str] = field(default_factory=dict)
    """Env name -> `secret:key` (spark.kubernetes.<role>.secretKeyRef.*)."""
    env: dict[str, str] = field(default_factory=dict)
    """spark.kubernetes.driverEnv.* for the driver, spark.executorEnv.* for executors."""
    service_labels: dict[str, str] = field(default_factory=dict)
    service_annotations: dict[str, str] = field(default_factory=dict)
    volumes: dict[tuple[str, str], VolumeConf] = field(default_factory=dict)


@dataclass(slots=True)
class KubeConf:
    node_selector: dict[str, str]
    driver: RoleConf
    executor: RoleConf


_ROLE_MAPS = {
    "label": "labels",
    "annotation": "annotations",
    "secrets": "secrets",
    "secretKeyRef": "secret_key_refs",
}
_SERVICE_MAPS = {"label": "service_labels", "annotation": "service_annotations"}


def _volume(role: RoleConf, rest: str, value: str, key: str) -> None:
    # rest = "<type>.<name>.mount.path" / "<type>.<name>.options.<option>"
    vtype, _, tail = rest.partition(".")
    for marker in (".mount.", ".options."):
        name, sep, prop = tail.partition(marker)
        if sep:
            break
    else:
        raise SubmissionError(
            f"{key}: expected spark.kubernetes.<role>.volumes.<type>.<name>.mount.* or .options.*"
        )
    if vtype not in VOLUME_TYPES:
        raise SubmissionError(
            f"{key}: volume type {vtype!r} is not one of {', '.join(VOLUME_TYPES)} (Spark mounts only these)"
        )
    vol = role.volumes.get((vtype, name))
    if vol is None:
        vol = role.volumes[(vtype, name)] = VolumeConf(vtype, name)
    if sep == ".options.":
        vol.options[prop] = value
    elif prop == "path":
        vol.mount_path = value
    elif prop == "subPath":
        vol.mount_sub_path = value
    elif prop == "subPathExpr":
        vol.mount_sub_path_expr = value
    elif prop == "readOnly":
        vol.mount_read_only = value.strip().lower() == "true"


def _role_key(role: RoleConf, rest: str, value: str, key: str) -> None:
    """`rest` is what follows `spark.kubernetes.<role>.`."""
    family, _, name = rest.partition(".")
    attr = _ROLE_MAPS.get(family)
    if attr is not None:
        getattr(role, attr)[name] = value
    elif family == "node":
        if name.startswith("selector."):
            role.node_selector[name[9:]] = value
    elif family == "service":
        kind, _, item = name.partition(".")
        service_attr = _SERVICE_MAPS.get(kind)
        if service_attr is not None:
            getattr(role, service_attr)[item] = value
    elif family == "volumes":
        _volume(role, name, value, key)


def read_kube_conf(conf: Mapping[str, str]) -> KubeConf:
    driver, executor = RoleConf(), RoleConf()
    node_selector: dict[str, str] = {}
    for key, value in conf.items():
        if key.startswith("spark.kubernetes."):
            head, _, rest = key[17:].partition(".")
            if head == "driver":
                _role_key(driver, rest, value, key)
            elif head == "executor":
                _role_key(executor, rest, value, key)
            elif head == "driverEnv":
                driver.env[rest] = value
            elif head == "node" and rest.startswith("selector."):
                node_selector[rest[9:]] = value
        elif key.startswith("spark.executorEnv."):
            executor.env[key[18:]] = value
    for role_name, role in (("driver", driver), ("executor", executor)):
        for (vtype, name), vol in role.volumes.items():
            if not vol.mount_path:
                raise SubmissionError(
                    f"spark.kubernetes.{role_name}.volumes.{vtype}.{name}.mount.path is missing: "
                    "every volume needs a mount path"
                )
    return KubeConf(node_selector, driver, executor)


def conf_int(conf: Mapping[str, str], key: str, default: int) -> int:
    value = conf.get(key)
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise SubmissionError(f"{shown_setting(key, value)}: expected a whole number") from None


def conf_bool(conf: Mapping[str, str], key: str, default: bool) -> bool:
    value = conf.get(key)
    if value is None:
        return default
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise SubmissionError(f"{shown_setting(key, value)}: expected true or false")
    return text == "true"
