"""Reading and writing YuniKorn's config: a bare `queues.yaml`, or the ConfigMap that holds it."""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, ManifestError, issues_from
from sparkfleet.api.core import ConfigMap
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.yamlio import dump_yaml, load_one
from sparkfleet.api.yunikorn.partitions import SchedulerConfig
from sparkfleet.api.yunikorn.validation import validate_queues

QUEUES_KEY = "queues.yaml"
QUEUES_GZ_KEY = f"{QUEUES_KEY}.gz"
"""The gzip-compressed form under binaryData, for a config larger than a ConfigMap's 1 MiB allows."""
# The ConfigMaps YuniKorn reads: the Helm chart's defaults, overridden key by key by the user's configs.
CONFIGMAP_NAMES = ("yunikorn-defaults", "yunikorn-configs")
PLACEHOLDER_IMAGE_KEY = "service.placeholderImage"
"""The k8shim's setting of the image gang placeholders run (a pause image)."""


def service_setting(configmaps: Mapping[str, Mapping[str, Any]], key: str) -> str | None:
    """A setting of YuniKorn's ConfigMaps (by name), the user's `yunikorn-configs` over the defaults; an
    empty value counts as unset, as the shim keeps its default then."""
    for name in reversed(CONFIGMAP_NAMES):
        data = (configmaps.get(name) or {}).get("data")
        value = data.get(key) if isinstance(data, Mapping) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def parse_queues(doc: Any) -> SchedulerConfig:
    """A queues.yaml document (already loaded) as a validated config, or ManifestError with every issue."""
    try:
        config = SchedulerConfig.model_validate(doc)
    except ValidationError as exc:
        raise ManifestError(issues_from(exc, SchedulerConfig)) from None
    issues = validate_queues(config)
    if issues:
        raise ManifestError(issues)
    return config


def parse_queues_yaml(text: str) -> SchedulerConfig:
    """The text of a queues.yaml as a validated config, or ManifestError with every issue."""
    try:
        doc = load_one(text)
    except yaml.YAMLError as exc:
        raise ManifestError([FieldIssue("", f"not valid YAML: {exc}".replace("\n", " "))]) from None
    return parse_queues(doc)


def queues_text(data: Mapping[str, Any], binary: Mapping[str, Any]) -> tuple[str, str] | None:
    """A ConfigMap's queues.yaml and the path it was read at; the k8shim reads `data` first and then
    `binaryData` (each `.gz` key gunzipped under the name without `.gz`), so the compressed one wins.
    ManifestError when the compressed one is not base64 gzip text."""
    packed = binary.get(QUEUES_GZ_KEY)
    if packed is not None:
        path = f'binaryData["{QUEUES_GZ_KEY}"]'
        try:
            return gzip.decompress(base64.b64decode(str(packed), validate=True)).decode("utf-8"), path
        except (binascii.Error, OSError, EOFError, UnicodeDecodeError) as exc:
            message = f"must be base64 of gzip-compressed queues.yaml text: {exc}"
            raise ManifestError([FieldIssue(path, message)]) from None
    text = data.get(QUEUES_KEY)
    return (str(text), f'data["{QUEUES_KEY}"]') if text is not None else None


def configmap_queues_text(configmap: Mapping[str, Any]) -> str | None:
    """The queues.yaml a ConfigMap object holds (None: it holds none, or not readably)."""
    data, binary = configmap.get("data"), configmap.get("binaryData")
    try:
        found = queues_text(
            data if isinstance(data, Mapping) else {}, binary if isinstance(binary, Mapping) else {}
        )
    except ManifestError:
        return None
    return found[0] if found else None


def parse_configmap(configmap: ConfigMap | Mapping[str, Any]) -> SchedulerConfig:
    """The config a `yunikorn-configs` (or `yunikorn-defaults`) ConfigMap holds under `queues.yaml`."""
    try:
        cm = configmap if isinstance(configmap, ConfigMap) else ConfigMap.model_validate(configmap)
    except ValidationError as exc:
        raise ManifestError(issues_from(exc, ConfigMap)) from None
    if cm.metadata.name not in CONFIGMAP_NAMES:
        raise ManifestError(
            [
                FieldIssue(
                    "metadata.name", f"YuniKorn reads only the ConfigMaps {' and '.join(CONFIGMAP_NAMES)}"
                )
            ]
        )
    found = queues_text(cm.data, cm.binaryData)
    if found is None:
        raise ManifestError([FieldIssue(f'data["{QUEUES_KEY}"]', "required key is missing")])
    text, prefix = found
    try:
        return parse_queues_yaml(text)
    except ManifestError as exc:
        raise ManifestError(
            [FieldIssue(f"{prefix}.{i.path}" if i.path else prefix, i.message) for i in exc.issues]
        ) from None


def dump_queues_yaml(config: SchedulerConfig) -> str:
    """The config as queues.yaml text holding what was set (a parsed config comes back as it was written)."""
    return dump_yaml(config.model_dump(mode="json", exclude_unset=True, exclude_none=True))


def to_configmap(
    config: SchedulerConfig, name: str = "yunikorn-configs", namespace: str = "yunikorn"
) -> ConfigMap:
    """The ConfigMap form of a config, as YuniKorn's admission controller and scheduler read it."""
    return ConfigMap(
        metadata=ObjectMeta(name=name, namespace=namespace), data={QUEUES_KEY: dump_queues_yaml(config)}
    )
