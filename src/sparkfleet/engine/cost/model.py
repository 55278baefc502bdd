"""What the cost engine reads (nodes with their price, the pods that hold room on them) and what it keeps
(the ledger of dollars accrued)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

__all__ = [
    "CURRENCY",
    "AppAccount",
    "AppKey",
    "CostKind",
    "CostNode",
    "CostPod",
    "CostSnapshot",
    "FleetKey",
    "Ledger",
    "RateKey",
]

CURRENCY = "USD"
"""Prices on nodes (`sparkfleet.io/price-per-hour`) are in US dollars per hour, as EC2's are."""


class CostKind(StrEnum):
    """What a share of a node's price paid for."""

    POD = "pod"
    """A real pod (a driver, an executor, or any other pod bound to the node)."""
    PLACEHOLDER = "placeholder"
    """A gang placeholder: room reserved that nothing ran in, waste shown apart."""
    IDLE = "idle_node"
    """Room on the node no pod held: waste of the NodePool, charged to no application."""


@dataclass(frozen=True, slots=True)
class CostNode:
    name: str
    price_per_hour: float
    capacity_type: str
    """`spot`, `on-demand`, or "" when the node does not say."""
    node_pool: str
    allocatable: Mapping[str, int]
    """Resource name -> amount (cpu in millicores, memory in bytes)."""


@dataclass(frozen=True, slots=True)
class CostPod:
    """A pod bound to a node and not ended: it holds its request's room there."""

    namespace: str
    name: str
    node: str
    requests: Mapping[str, int]
    application: str = ""
    """The SparkApplication the pod runs for ("" for pods of none)."""
    queue: str = ""
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class CostSnapshot:
    nodes: tuple[CostNode, ...] = ()
    pods: tuple[CostPod, ...] = ()


class RateKey(NamedTuple):
    """Who pays a part of a node's price, with the facts every view groups by."""

    kind: CostKind
    namespace: str
    application: str
    queue: str
    node_pool: str
    capacity_type: str


class AppKey(NamedTuple):
    namespace: str
    application: str


class FleetKey(NamedTuple):
    """A ledger line without the application: bounded by queues x pools x capacity types."""

    kind: CostKind
    namespace: str
    queue: str
    node_pool: str
    capacity_type: str


@dataclass(frozen=True, slots=True)
class AppAccount:
    """What one application has cost; `placeholder_waste` is part of `spot` + `on_demand`."""

    spot: float = 0.0
    on_demand: float = 0.0
    placeholder_waste: float = 0.0
    queue: str = ""

    @property
    def total(self) -> float:
        return self.spot + self.on_demand


@dataclass(frozen=True, slots=True)
class Ledger:
    """Dollars accrued up to `as_of`, and the rates ($/h) seen then, charged until the next step.

    `hourly` holds the fleet lines by the UTC hour they accrued in (bounded by the retention), so that a
    report `--since` a time adds whole hours and a part of the first."""

    as_of: datetime | None = None
    rates: Mapping[RateKey, float] = field(default_factory=dict)
    apps: Mapping[AppKey, AppAccount] = field(default_factory=dict)
    fleet: Mapping[FleetKey, float] = field(default_factory=dict)
    hourly: Mapping[tuple[datetime, FleetKey], float] = field(default_factory=dict)
