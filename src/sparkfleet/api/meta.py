"""Object metadata shared by every kind, and the quantity field types the models use."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from sparkfleet.api.base import Model
from sparkfleet.api.names import DNS1035_LABEL as DNS1035_LABEL
from sparkfleet.api.names import DNS1123_LABEL as DNS1123_LABEL
from sparkfleet.api.names import DNS1123_SUBDOMAIN as DNS1123_SUBDOMAIN
from sparkfleet.api.quantity import QuantityError, parse_quantity


def _quantity(value: str | int | float) -> str | int | float:
    try:
        parse_quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None
    return value


Quantity = Annotated[str | int | float, AfterValidator(_quantity)]
"""A Kubernetes quantity, kept as written (so manifests round-trip) and checked on the way in."""

ResourceList = dict[str, Quantity]


class OwnerReference(Model):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    blockOwnerDeletion: bool | None = None


class ManagedFieldsEntry(Model):
    manager: str | None = None
    operation: str | None = None
    apiVersion: str | None = None
    time: str | None = None
    fieldsType: str | None = None
    fieldsV1: dict[str, object] | None = None
    subresource: str | None = None


class ObjectMeta(Model):
    name: str | None = None
    generateName: str | None = None
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    uid: str | None = None
    resourceVersion: str | None = None
    generation: int | None = None
    creationTimestamp: str | None = None
    deletionTimestamp: str | None = None
    deletionGracePeriodSeconds: int | None = None
    ownerReferences: list[OwnerReference] = Field(default_factory=list)
    finalizers: list[str] = Field(default_factory=list)
    managedFields: list[ManagedFieldsEntry] | None = None


class ObjectReference(Model):
    apiVersion: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None
    resourceVersion: str | None = None
    fieldPath: str | None = None


class LocalObjectReference(Model):
    name: str | None = None


class Condition(Model):
    """A status condition in the shape shared by Pods, Nodes and NodeClaims."""

    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    lastTransitionTime: str | None = None
    lastProbeTime: str | None = None
    lastHeartbeatTime: str | None = None
    observedGeneration: int | None = None
    severity: str | None = None
