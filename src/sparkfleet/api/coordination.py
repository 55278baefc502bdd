"""coordination.k8s.io/v1 Lease: what leader election reads and renews (`sparkfleet controller`).

Checked as the API server checks it (`apis/coordination/validation`): a duration above zero, transitions
not negative, the one coordinated-leader strategy there is, and times in RFC 3339."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sparkfleet.api.base import Model
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.timefmt import parse_rfc3339


class LeaseSpec(Model):
    # MicroTime fields: RFC 3339 with microseconds (`2026-01-02T03:04:05.000000Z`), as client-go writes.
    holderIdentity: str | None = None
    leaseDurationSeconds: int | None = Field(default=None, gt=0)
    acquireTime: str | None = None
    renewTime: str | None = None
    leaseTransitions: int | None = Field(default=None, ge=0)
    strategy: Literal["OldestEmulationVersion"] | None = None
    preferredHolder: str | None = None

    @field_validator("acquireTime", "renewTime")
    @classmethod
    def _rfc3339(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rfc3339(value)  # its message says how to write one
        return value

    @model_validator(mode="after")
    def _preferred_holder_needs_a_strategy(self) -> LeaseSpec:
        if self.preferredHolder and self.strategy is None:
            raise ValueError(
                "preferredHolder is set only with a strategy: add strategy: OldestEmulationVersion"
            )
        return self


class Lease(Model):
    apiVersion: Literal["coordination.k8s.io/v1"] = "coordination.k8s.io/v1"
    kind: Literal["Lease"] = "Lease"
    metadata: ObjectMeta
    spec: LeaseSpec = Field(default_factory=LeaseSpec)
