"""Pods to applications: the YuniKorn shim's label and annotation keys, read in the shim's order."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sparkfleet.api.wire import (
    ANNOTATION_ALLOW_PREEMPTION,
    ANNOTATION_APP_ID,
    ANNOTATION_PLACEHOLDER,
    ANNOTATION_QUEUE,
    ANNOTATION_USER_INFO,
    LABEL_APP_ID,
    LABEL_APPLICATION_ID,
    LABEL_PLACEHOLDER,
    LABEL_QUEUE,
    LABEL_QUEUE_PREFIXED,
    LABEL_SPARK_APP_SELECTOR,
)
from sparkfleet.engine.scheduling.snapshot import DEFAULT_USER, ENDED_PHASES, PodRecord

DEFAULT_QUEUE = "root.default"


def app_id_of(labels: Mapping[str, str], annotations: Mapping[str, str], namespace: str) -> str:
    """The application id in the shim's order; pods naming none share `yunikorn-<namespace>-autogen`."""
    for value in (
        labels.get(LABEL_APP_ID),
        annotations.get(ANNOTATION_APP_ID),
        labels.get(LABEL_APPLICATION_ID),
        labels.get(LABEL_SPARK_APP_SELECTOR),
    ):
        if value:
            return value
    return autogen_app_id(namespace)


def autogen_app_id(namespace: str) -> str:
    return f"yunikorn-{namespace}-autogen"


def queue_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str | None:
    """The queue a pod asks for in the shim's order, None when it names none (placement rules decide)."""
    for value in (
        labels.get(LABEL_QUEUE_PREFIXED),
        annotations.get(ANNOTATION_QUEUE),
        labels.get(LABEL_QUEUE),
    ):
        if value:
            return value
    return None


def user_of(annotations: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """User and groups from the admission controller's `user.info` annotation; `nobody` without it."""
    raw = annotations.get(ANNOTATION_USER_INFO)
    if not raw:
        return DEFAULT_USER, ()
    try:
        info = json.loads(raw)
    except ValueError:
        return DEFAULT_USER, ()
    if not isinstance(info, dict):
        return DEFAULT_USER, ()
    user = info.get("user")
    groups = info.get("groups") or []
    return (
        user if isinstance(user, str) and user else DEFAULT_USER,
        tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
    )


def is_placeholder(labels: Mapping[str, str], annotations: Mapping[str, str]) -> bool:
    value = annotations.get(ANNOTATION_PLACEHOLDER) or labels.get(LABEL_PLACEHOLDER) or ""
    return value.lower() in ("true", "1", "t")


def allows_preemption(annotations: Mapping[str, str]) -> bool:
    return annotations.get(ANNOTATION_ALLOW_PREEMPTION, "true").lower() != "false"


@dataclass(slots=True)
class AppPods:
    """One application's pods, classified once per cycle."""

    app_id: str
    pending: list[PodRecord] = field(default_factory=list)
    """Real pods not bound and not ended."""
    bound: list[PodRecord] = field(default_factory=list)
    """Real pods bound to a node and not ended (they hold resources)."""
    finished: list[PodRecord] = field(default_factory=list)
    placeholders: list[PodRecord] = field(default_factory=list)
    """Placeholder pods not ended (bound or pending)."""
    leftovers: list[PodRecord] = field(default_factory=list)
    """Pods not ended whose owner pod has ended or is gone: what an earlier run left (its executors, its
    placeholders). They are never asked for nor counted in the gang, and do not keep the application alive;
    those bound still hold their nodes' resources until they go."""
    originator: PodRecord | None = None
    """Live pods first; among them the pod carrying the task groups, else the oldest: events about the
    application go here. So a rerun's new driver wins over the finished driver of the run before it."""
    yunikorn: bool = True

    @property
    def live(self) -> bool:
        return bool(self.pending or self.bound)


def _rank(pod: PodRecord, finished: bool) -> tuple[bool, bool, float, str]:
    """How good an originator `pod` makes, smaller first: live, then carrying the task groups, then
    the oldest."""
    return (finished, pod.task_groups is None, pod.created, pod.name)


def collect(pods: Sequence[PodRecord]) -> dict[str, AppPods]:
    """Group pods by application id, keeping the snapshot's order within each list."""
    ended = [p.phase in ENDED_PHASES for p in pods]  # read once: every pod is looked at several times
    alive = {p.uid for p, done in zip(pods, ended, strict=True) if not done and p.uid}
    apps: dict[str, AppPods] = {}
    best: dict[str, tuple[bool, bool, float, str]] = {}
    for pod, finished in zip(pods, ended, strict=True):
        app = apps.get(pod.app_id)
        if app is None:
            app = apps[pod.app_id] = AppPods(pod.app_id, yunikorn=pod.yunikorn)
        elif pod.yunikorn:
            app.yunikorn = True
        if finished:
            if pod.placeholder:
                continue
            app.finished.append(pod)
        elif pod.owner is not None and pod.owner not in alive:
            app.leftovers.append(pod)
            continue
        elif pod.placeholder:
            app.placeholders.append(pod)
            continue
        elif pod.node_name is None:
            app.pending.append(pod)
        else:
            app.bound.append(pod)
        current = best.get(pod.app_id)
        # Most pods of an application are live executors without task groups: once a live pod with
        # task groups leads, none of them can win, so the tuple is not built.
        if current is not None and not current[0] and not current[1] and pod.task_groups is None:
            continue
        rank = _rank(pod, finished)
        if current is None or rank < current:
            best[pod.app_id] = rank
            app.originator = pod
    return apps
