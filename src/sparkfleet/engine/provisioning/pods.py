"""A pending pod (or gang placeholder) as the provisioning engine sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from sparkfleet.api.placement import Toleration
from sparkfleet.api.pod import Pod
from sparkfleet.api.wire import ANNOTATION_DO_NOT_DISRUPT, LABEL_SPARK_ROLE
from sparkfleet.engine.provisioning.requirements import Requirements
from sparkfleet.engine.provisioning.resources import Resources, pod_requests

__all__ = ["PodRequest"]


@dataclass(frozen=True, eq=False)
class PodRequest:
    """A pod (or gang placeholder) as provisioning sees it.

    `required_terms` are the pod's required node-affinity terms (ORed, tried in order); `node_selector`
    holds in every term. Pods with the same `gang` are planned together: all of them or none.
    """

    id: str
    requests: Resources
    node_selector: Mapping[str, str] = field(default_factory=dict)
    required_terms: tuple[Requirements, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    gang: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def from_pod(pod: Pod, *, gang: str | None = None) -> PodRequest:
        """From a Pod object: requests per Kubernetes, nodeSelector, required node affinity, tolerations."""
        terms: tuple[Requirements, ...] = ()
        affinity = pod.spec.affinity
        if (
            affinity
            and affinity.nodeAffinity
            and affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        ):
            selector = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
            terms = tuple(
                Requirements.from_requirements(t.matchExpressions) for t in selector.nodeSelectorTerms
            )
        meta = pod.metadata
        return PodRequest(
            id=f"{meta.namespace or 'default'}/{meta.name}",
            requests=pod_requests(pod.spec),
            node_selector=MappingProxyType(dict(pod.spec.nodeSelector)),
            required_terms=terms,
            tolerations=tuple(pod.spec.tolerations),
            gang=gang,
            labels=MappingProxyType(dict(meta.labels)),
            annotations=MappingProxyType(dict(meta.annotations)),
        )

    @cached_property
    def constraint_key(self) -> tuple[object, ...]:
        """Equal for pods whose placement constraints are the same (so they can be planned as a group)."""
        tolerations = tuple((t.key, t.operator, t.value, t.effect) for t in self.tolerations)
        return (tuple(sorted(self.node_selector.items())), self.required_terms, tolerations)

    @property
    def spark_role(self) -> str | None:
        return self.labels.get(LABEL_SPARK_ROLE)

    @property
    def do_not_disrupt(self) -> bool:
        return self.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true"
