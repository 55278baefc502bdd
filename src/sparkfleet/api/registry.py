"""The table of kinds: every kind the platform stores and serves, the names Kubernetes knows it by, its
model and the semantic checks beyond field types.

The store, the API server (routes, discovery, OpenAPI), the CLI and the printer columns all read this one
table, so a new kind is one entry here. NetworkPolicy is stored and served so that clients which create
one (Spark's submission client does, for its executors) work unchanged; the embedded cluster enforces no
policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, cast

from sparkfleet.api.base import FieldIssue, Model

__all__ = [
    "ALL_CATEGORY",
    "BINDING",
    "KINDS",
    "KindInfo",
    "Validator",
    "find_kind",
    "in_category",
    "kind_info",
    "known_kinds",
]

Validator = Callable[[Any], list[FieldIssue]]

Ref = str
"""`module:name` of an attribute of a module of sparkfleet.api: the table names each kind's model and
checks without importing them, so a command that reads one kind builds the models of that kind only."""

ALL_CATEGORY = "all"
"""The discovery category `kubectl get all` (and `sparkfleet get all`) lists."""


@dataclass(frozen=True, slots=True)
class KindInfo:
    kind: str
    api_version: str
    plural: str
    namespaced: bool
    model: Ref
    """The model, as `module:Name` in sparkfleet.api (loaded on first use: `model_type`)."""
    short_names: tuple[str, ...] = ()
    validate: Ref | None = None
    """Semantic checks beyond the model's field types (`validator`)."""
    status_subresource: bool = True
    """False for the kinds that, as on Kubernetes, have no status at all."""
    categories: tuple[str, ...] = ()
    warn: Ref | None = None
    """What a valid object carries that a real cluster would refuse or ignore: printed, not refused
    (`warner`)."""

    @property
    def model_type(self) -> type[Model]:
        return cast(type[Model], _load(self.model))

    @property
    def validator(self) -> Validator | None:
        return None if self.validate is None else cast(Validator, _load(self.validate))

    @property
    def warner(self) -> Validator | None:
        return None if self.warn is None else cast(Validator, _load(self.warn))

    @property
    def group(self) -> str:
        """API group ("" for the core group `v1`)."""
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def resource(self) -> str:
        """Group-qualified resource as it appears in Kubernetes messages: `pods`, `nodepools.karpenter.sh`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _load(ref: Ref) -> Any:
    module, _, name = ref.partition(":")
    return getattr(import_module(f"sparkfleet.api.{module}"), name)


_ALL = (ALL_CATEGORY,)
# Karpenter's v1 CRDs put their kinds in this category (`kubectl get karpenter`); names, short names and
# categories of the custom kinds are those of their upstream CRDs (the Spark kinds are in `all` too).
_KARPENTER = ("karpenter",)
_SPARK = "sparkoperator.k8s.io/v1beta2"

KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        "Pod",
        "v1",
        "pods",
        True,
        "pod:Pod",
        ("po",),
        "pod:validate_pod",
        categories=_ALL,
        warn="pod:pod_warnings",
    ),
    KindInfo("Node", "v1", "nodes", False, "core:Node", ("no",)),
    KindInfo("Namespace", "v1", "namespaces", False, "core:Namespace", ("ns",)),
    KindInfo("ConfigMap", "v1", "configmaps", True, "core:ConfigMap", ("cm",), status_subresource=False),
    KindInfo(
        "Secret",
        "v1",
        "secrets",
        True,
        "secret:Secret",
        (),
        "secret:validate_secret",
        status_subresource=False,
    ),
    KindInfo(
        "ServiceAccount",
        "v1",
        "serviceaccounts",
        True,
        "secret:ServiceAccount",
        ("sa",),
        status_subresource=False,
    ),
    KindInfo("Service", "v1", "services", True, "core:Service", ("svc",), categories=_ALL),
    KindInfo("Event", "v1", "events", True, "core:Event", ("ev",), status_subresource=False),
    KindInfo(
        "PersistentVolumeClaim", "v1", "persistentvolumeclaims", True, "core:PersistentVolumeClaim", ("pvc",)
    ),
    KindInfo("PersistentVolume", "v1", "persistentvolumes", False, "core:PersistentVolume", ("pv",)),
    KindInfo(
        "PriorityClass",
        "scheduling.k8s.io/v1",
        "priorityclasses",
        False,
        "core:PriorityClass",
        ("pc",),
        status_subresource=False,
    ),
    KindInfo(
        "Lease",
        "coordination.k8s.io/v1",
        "leases",
        True,
        "coordination:Lease",
        (),
        status_subresource=False,
    ),
    KindInfo(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "networkpolicies",
        True,
        "networking:NetworkPolicy",
        ("netpol",),
        status_subresource=False,
    ),
    KindInfo(
        "SparkApplication",
        _SPARK,
        "sparkapplications",
        True,
        "sparkapplication:SparkApplication",
        ("sparkapp",),
        "sparkvalidation:validate_spark_application",
        categories=_ALL,
        warn="sparkwarnings:spark_application_warnings",
    ),
    KindInfo(
        "ScheduledSparkApplication",
        _SPARK,
        "scheduledsparkapplications",
        True,
        "scheduledsparkapplication:ScheduledSparkApplication",
        ("scheduledsparkapp",),
        "sparkvalidation:validate_scheduled_spark_application",
        categories=_ALL,
        warn="sparkwarnings:scheduled_spark_application_warnings",
    ),
    KindInfo(
        "SparkConnect",
        "sparkoperator.k8s.io/v1alpha1",
        "sparkconnects",
        True,
        "sparkconnect:SparkConnect",
        ("sparkconn",),
    ),
    KindInfo(
        "NodePool",
        "karpenter.sh/v1",
        "nodepools",
        False,
        "karpenter:NodePool",
        (),
        "karpenter:validate_nodepool",
        categories=_KARPENTER,
    ),
    KindInfo(
        "NodeClaim",
        "karpenter.sh/v1",
        "nodeclaims",
        False,
        "karpenter:NodeClaim",
        (),
        "karpenter:validate_nodeclaim",
        categories=_KARPENTER,
    ),
    KindInfo(
        "NodeOverlay",
        "karpenter.sh/v1alpha1",
        "nodeoverlays",
        False,
        "karpenter:NodeOverlay",
        ("overlays",),
        "karpenter:validate_nodeoverlay",
        warn="karpenter:overlay_warnings",
    ),
    KindInfo(
        "EC2NodeClass",
        "karpenter.k8s.aws/v1",
        "ec2nodeclasses",
        False,
        "ec2nodeclass:EC2NodeClass",
        ("ec2nc", "ec2ncs"),
        "ec2nodeclass:validate_ec2nodeclass",
        categories=_KARPENTER,
    ),
)

BINDING = KindInfo("Binding", "v1", "bindings", True, "core:Binding", status_subresource=False)
"""The legacy `bindings` collection (POST a Binding named after the pod): served, never stored."""


def _by_kind() -> dict[str, KindInfo]:
    return {info.kind: info for info in KINDS}


def _by_name() -> dict[str, KindInfo]:
    names: dict[str, KindInfo] = {}
    for info in KINDS:
        for alias in (info.kind, info.plural, info.resource, *info.short_names):
            names[alias.lower()] = info
        if info.group:
            names[f"{info.kind}.{info.group}".lower()] = info
    return names


_BY_KIND = _by_kind()
_BY_NAME = _by_name()


def kind_info(kind: str) -> KindInfo | None:
    """The entry of a kind by its exact `kind` (`SparkApplication`), as manifests write it."""
    return _BY_KIND.get(kind)


def find_kind(name: str) -> KindInfo | None:
    """The entry of a kind by its kind, plural, short name or `plural.group`, in any letter case."""
    return _BY_NAME.get(name.strip().lower())


def known_kinds() -> list[str]:
    return [info.kind for info in KINDS]


def in_category(category: str) -> tuple[KindInfo, ...]:
    return tuple(info for info in KINDS if category in info.categories)
