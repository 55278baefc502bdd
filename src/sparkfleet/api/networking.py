"""`networking.k8s.io/v1` NetworkPolicy, as Spark's submission client creates one for its executors.

The fields are those of Kubernetes 1.32. The embedded cluster stores and serves policies but enforces
none: every pod there can reach every other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sparkfleet.api.base import Model
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.placement import LabelSelector

__all__ = [
    "IPBlock",
    "NetworkPolicy",
    "NetworkPolicyEgressRule",
    "NetworkPolicyIngressRule",
    "NetworkPolicyPeer",
    "NetworkPolicyPort",
    "NetworkPolicySpec",
]


class IPBlock(Model):
    cidr: str
    except_: list[str] = Field(default_factory=list, alias="except")


class NetworkPolicyPeer(Model):
    podSelector: LabelSelector | None = None
    namespaceSelector: LabelSelector | None = None
    ipBlock: IPBlock | None = None


class NetworkPolicyPort(Model):
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None
    port: int | str | None = None
    endPort: int | None = None


class NetworkPolicyIngressRule(Model):
    from_: list[NetworkPolicyPeer] = Field(default_factory=list, alias="from")
    ports: list[NetworkPolicyPort] = Field(default_factory=list)


class NetworkPolicyEgressRule(Model):
    to: list[NetworkPolicyPeer] = Field(default_factory=list)
    ports: list[NetworkPolicyPort] = Field(default_factory=list)


class NetworkPolicySpec(Model):
    podSelector: LabelSelector = Field(default_factory=LabelSelector)
    policyTypes: list[Literal["Ingress", "Egress"]] = Field(default_factory=list)
    ingress: list[NetworkPolicyIngressRule] = Field(default_factory=list)
    egress: list[NetworkPolicyEgressRule] = Field(default_factory=list)


class NetworkPolicy(Model):
    apiVersion: Literal["networking.k8s.io/v1"] = "networking.k8s.io/v1"
    kind: Literal["NetworkPolicy"] = "NetworkPolicy"
    metadata: ObjectMeta
    spec: NetworkPolicySpec = Field(default_factory=NetworkPolicySpec)
