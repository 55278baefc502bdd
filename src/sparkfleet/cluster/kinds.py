"""The kinds the platform stores, with the names Kubernetes knows them by.

NetworkPolicy is stored and served so that clients which create one (Spark's submission client does, for
its executors) work unchanged; the embedded cluster enforces no policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkfleet.cluster.errors import UnknownKind

__all__ = ["KINDS", "KindInfo", "known_kinds", "lookup"]


@dataclass(frozen=True, slots=True)
class KindInfo:
    kind: str
    api_version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """API group ("" for the core group `v1`)."""
        return self.api_version.rpartition("/")[0]

    @property
    def resource(self) -> str:
        """Group-qualified resource as it appears in Kubernetes messages: `pods`, `nodepools.karpenter.sh`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


KINDS: tuple[KindInfo, ...] = (
    KindInfo("Pod", "v1", "pods", True, ("po",)),
    KindInfo("Node", "v1", "nodes", False, ("no",)),
    KindInfo("Namespace", "v1", "namespaces", False, ("ns",)),
    KindInfo("ConfigMap", "v1", "configmaps", True, ("cm",)),
    KindInfo("Service", "v1", "services", True, ("svc",)),
    KindInfo("Event", "v1", "events", True, ("ev",)),
    KindInfo("PersistentVolumeClaim", "v1", "persistentvolumeclaims", True, ("pvc",)),
    KindInfo("PersistentVolume", "v1", "persistentvolumes", False, ("pv",)),
    KindInfo("PriorityClass", "scheduling.k8s.io/v1", "priorityclasses", False, ("pc",)),
    KindInfo("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies", True, ("netpol",)),
    KindInfo("SparkApplication", "sparkoperator.k8s.io/v1beta2", "sparkapplications", True, ("sparkapp",)),
    KindInfo(
        "ScheduledSparkApplication",
        "sparkoperator.k8s.io/v1beta2",
        "scheduledsparkapplications",
        True,
        ("scheduledsparkapp",),
    ),
    KindInfo("NodePool", "karpenter.sh/v1", "nodepools", False, ("nodepool",)),
    KindInfo("NodeClaim", "karpenter.sh/v1", "nodeclaims", False, ("nodeclaim",)),
    KindInfo("EC2NodeClass", "karpenter.k8s.aws/v1", "ec2nodeclasses", False, ("ec2nc",)),
)


def _index() -> dict[str, KindInfo]:
    names: dict[str, KindInfo] = {}
    for info in KINDS:
        for alias in (info.kind, info.plural, info.resource, *info.short_names):
            names[alias.lower()] = info
        if info.group:
            names[f"{info.kind}.{info.group}".lower()] = info
    return names


_BY_NAME = _index()


def lookup(name: str) -> KindInfo:
    """Find a kind by its kind, plural, short name or `plural.group`, in any letter case."""
    info = _BY_NAME.get(name.strip().lower())
    if info is None:
        raise UnknownKind(name, known_kinds())
    return info


def known_kinds() -> list[str]:
    return [info.kind for info in KINDS]
