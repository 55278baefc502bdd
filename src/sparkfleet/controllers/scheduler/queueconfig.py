"""The queues the scheduler schedules with: queues.yaml from its ConfigMap, hot reloaded, never lost.

The user's `yunikorn-configs` overrides the Helm chart's `yunikorn-defaults`; without either, YuniKorn's
built-in default (a queue per namespace) applies. A changed queues.yaml applies from the next cycle, with
a Normal Event on the ConfigMap. An invalid one is refused: it is logged and a Warning Event on the
ConfigMap says why, once per version of it, and the last valid configuration stays in force. After a
restart the last valid one comes from the scheduler's state (`saved`); should that be invalid too, it is
logged and said by a Warning Event as well, and the built-in default applies.

The same ConfigMaps' `service.placeholderImage` names the image of gang placeholders, as the k8shim reads
it (the pause image by default).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sparkfleet.api.base import ManifestError
from sparkfleet.api.yunikorn import (
    CONFIGMAP_NAMES,
    PLACEHOLDER_IMAGE_KEY,
    QUEUES_GZ_KEY,
    QUEUES_KEY,
    Partition,
    configmap_queues_text,
    parse_configmap,
    parse_queues_yaml,
    service_setting,
)
from sparkfleet.cluster import Cluster, NotFound, Obj
from sparkfleet.controllers.scheduler.effects import EventSink
from sparkfleet.controllers.scheduler.records import meta
from sparkfleet.controllers.support.schedulerstate import STATE_CONFIGMAP
from sparkfleet.engine.scheduling import EventType, partition_of

__all__ = ["QueueConfig"]

log = logging.getLogger("sparkfleet.controllers.scheduler")

_SHOWN_ISSUES = 5


def _identity(obj: Obj) -> str:
    m = meta(obj)
    return f"{m.get('uid')}/{m.get('resourceVersion')}"


def _problems(exc: ManifestError) -> str:
    shown = "; ".join(str(i) for i in exc.issues[:_SHOWN_ISSUES])
    more = len(exc.issues) - _SHOWN_ISSUES
    return f"{shown} (and {more} more)" if more > 0 else shown


class QueueConfig:
    """The partition in force and where it came from; used by the one worker holding the scheduler's key."""

    def __init__(self, cluster: Cluster, namespace: str, events: EventSink) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self.events = events
        self.partition: Partition | None = None
        self.text: str | None = None
        """The queues.yaml in force (None for the built-in default): what the state keeps."""
        self.saved: str | None = None
        """The queues.yaml a previous run last applied, from its state: the fallback after a restart."""
        self.placeholder_image: str | None = None
        """`service.placeholderImage` of the ConfigMaps as last loaded (None: the scheduler's default)."""
        self._key: str | None = None
        self._refused_key: str | None = None

    def configmaps(self) -> dict[str, Obj]:
        """YuniKorn's ConfigMaps that exist, by name."""
        found: dict[str, Obj] = {}
        for name in CONFIGMAP_NAMES:
            try:
                found[name] = self.cluster.get("ConfigMap", self.namespace, name)
            except NotFound:
                continue
        return found

    @staticmethod
    def queues_configmap(configmaps: dict[str, Obj]) -> Obj | None:
        """The ConfigMap whose queues.yaml applies: the user's `yunikorn-configs` over the defaults."""
        for name in reversed(CONFIGMAP_NAMES):
            obj = configmaps.get(name)
            if obj is None:
                continue
            if QUEUES_KEY in (obj.get("data") or {}) or QUEUES_GZ_KEY in (obj.get("binaryData") or {}):
                return obj
        return None

    def load(self, now: datetime) -> Partition:
        """The partition to schedule with: the ConfigMap's when it is valid, else the last valid one."""
        configmaps = self.configmaps()
        self.placeholder_image = service_setting(configmaps, PLACEHOLDER_IMAGE_KEY)
        configmap = self.queues_configmap(configmaps)
        key = _identity(configmap) if configmap is not None else ""
        if self.partition is not None and key in (self._key, self._refused_key):
            return self.partition
        text: str | None = None
        if configmap is None:
            partition = partition_of(None)  # YuniKorn's built-in default: a queue per namespace
        else:
            try:
                partition = partition_of(parse_configmap(configmap))
            except ManifestError as exc:
                self._refuse(configmap, key, exc, now)
                if self.partition is None:
                    self.partition = self._fallback(configmap, now)
                return self.partition
            text = configmap_queues_text(configmap)
        reloaded = self.partition is not None and configmap is not None
        self.partition, self._key, self.text = partition, key, text
        self._refused_key = None
        if reloaded and configmap is not None:
            self.events(
                configmap,
                EventType.NORMAL,
                "QueueConfigApplied",
                f"{meta(configmap).get('name')}: {QUEUES_KEY} applied from the next scheduling cycle",
                now,
            )
        return partition

    def _refuse(self, configmap: Obj, key: str, exc: ManifestError, now: datetime) -> None:
        if key == self._refused_key:
            return
        self._refused_key = key
        message = (
            f"{meta(configmap).get('name')}: {QUEUES_KEY} is invalid and was not applied; the scheduler "
            f"keeps the last valid configuration: {_problems(exc)}"
        )
        log.warning("%s", message)
        self.events(configmap, EventType.WARNING, "QueueConfigRejected", message, now)

    def _fallback(self, configmap: Obj, now: datetime) -> Partition:
        """After a restart with an invalid ConfigMap: the config last applied, else YuniKorn's default."""
        if self.saved is not None:
            try:
                partition = partition_of(parse_queues_yaml(self.saved))
            except ManifestError as exc:
                message = (
                    f"the last valid {QUEUES_KEY}, kept in {self.namespace}/{STATE_CONFIGMAP}, cannot be "
                    f"applied either; the scheduler uses the built-in default (a queue per namespace) until "
                    f"{meta(configmap).get('name')} is fixed: {_problems(exc)}"
                )
                log.warning("%s", message)
                self.events(configmap, EventType.WARNING, "QueueConfigRejected", message, now)
            else:
                self.text = self.saved
                return partition
        return partition_of(None)
