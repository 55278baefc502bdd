"""coordination.k8s.io/v1 Lease: what leader election reads and renews (`sparkfleet controller`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sparkfleet.api.base import Model
from sparkfleet.api.meta import ObjectMeta


class LeaseSpec(Model):
    # MicroTime fields: RFC 3339 with microseconds (`2026-01-02T03:04:05.000000Z`), as client-go writes.
    holderIdentity: str | None = None
    leaseDurationSeconds: int | None = Field(default=None, ge=0)
    acquireTime: str | None = None
    renewTime: str | None = None
    leaseTransitions: int | None = Field(default=None, ge=0)
    strategy: str | None = None
    preferredHolder: str | None = None


class Lease(Model):
    apiVersion: Literal["coordination.k8s.io/v1"] = "coordination.k8s.io/v1"
    kind: Literal["Lease"] = "Lease"
    metadata: ObjectMeta
    spec: LeaseSpec = Field(default_factory=LeaseSpec)
