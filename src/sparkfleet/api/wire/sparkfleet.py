"""sparkfleet's own annotations, tags and provisioner name, and the scratch-mounts annotation's format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

ANNOTATION_PRICE_PER_HOUR = "sparkfleet.io/price-per-hour"
"""On NodeClaim and Node: the launched offering's price in USD/hour."""
ANNOTATION_PLANNED_INSTANCE_TYPE = "sparkfleet.io/planned-instance-type"
ANNOTATION_PLANNED_PRICE_PER_HOUR = "sparkfleet.io/planned-price-per-hour"
ANNOTATION_PLANNED_ZONE = "sparkfleet.io/planned-zone"
ANNOTATION_PLANNED_CAPACITY_TYPE = "sparkfleet.io/planned-capacity-type"
"""On a NodeClaim: the offering the provisioner planned, before the launch picks one."""
ANNOTATION_SPOT_INTERRUPTED_AT = "sparkfleet.io/spot-interrupted-at"
ANNOTATION_SCHEDULED_CHANGE_AT = "sparkfleet.io/scheduled-change-at"
"""On NodeClaim and Node: when AWS Health's notice of a scheduled change (maintenance, retirement) of the
instance arrived; the disruption controller drains the node ahead of the change."""
ANNOTATION_PROVISIONING_ROUND = "sparkfleet.io/provisioning-round"
"""On a NodeClaim the provisioner created: the round that waits for its launch (and reads its failure)."""
ANNOTATION_UNAVAILABLE_OFFERINGS = "sparkfleet.io/unavailable-offerings"
"""On a NodeClaim EC2 had no capacity for: the offerings refused, as `type/zone/capacity-type,...`."""
ANNOTATION_DISRUPTION = "sparkfleet.io/disruption"
"""On a Node being disrupted: the action in progress, so a restarted controller resumes it."""
ANNOTATION_SPEC_FINGERPRINT = "sparkfleet.io/spec-fingerprint"
"""Fingerprint of the spec last submitted, so a later spec change is seen after a restart too."""
TAG_MANAGED_BY = "sparkfleet.io/managed-by"
"""EC2 tag on every instance sparkfleet launched."""
TAG_CLIENT_TOKEN = "sparkfleet.io/client-token"
"""EC2 tag carrying the launch's client token, so a restarted controller finds the instance it launched."""
PROVISIONER_LOCAL_VOLUME = "sparkfleet.io/local-volume"
"""The provisioner name of the embedded cluster's node-local volumes."""

ANNOTATION_COST = "sparkfleet.io/cost"
"""On a SparkApplication: JSON {"currency", "total", "spot", "onDemand", "placeholderWaste", "asOf"}, USD
accrued by its pods' dominant share of their nodes' prices (placeholder time shown apart as waste)."""
ANNOTATION_TIMELINE = "sparkfleet.io/timeline"
"""On a SparkApplication: JSON list of {"phase", "since", "until", "reason", "message"}, oldest first; the
last entry without "until" is where the application is now, its message the current blocker."""

ANNOTATION_LOOPBACK_PORTS = "sparkfleet.io/loopback-ports"
"""On a pod of the embedded cluster: JSON {"<container port>": <loopback port>} for the container ports
that listen elsewhere on this machine's loopback than their own number (every driver runs here, so the
local runtime gives each Spark UI a port of its own); the API server's service proxy forwards there.
`format_loopback_ports` and `parse_loopback_ports` write and read it."""

ANNOTATION_POD_IP = "sparkfleet.io/pod-ip"
"""On a pod of the embedded cluster running Spark on Kubernetes: the loopback address (127.x.y.z) the
local runtime gave it, unique among the cluster's live pods; its status.podIP says the same once it runs."""

ANNOTATION_SCRATCH_MOUNTS = "sparkfleet.io/scratch-mounts"
"""On the Node: JSON list of {"path", "sizeBytes", "source"}, written by the NodeClaim controller."""
K8S_DISKS = "/mnt/k8s-disks"
RAID0_MOUNT = "/mnt/k8s-disks/0"


class MountSource(StrEnum):
    NVME_RAID0 = "nvme-raid0"
    INSTANCE_STORE = "instance-store"
    EBS = "ebs"


@dataclass(frozen=True, slots=True)
class ScratchMount:
    """A filesystem the node offers for scratch data, with its size in bytes; `source` is None for a
    source this version does not know."""

    path: str
    size_bytes: int
    source: MountSource | None


def format_scratch_mounts(mounts: Iterable[ScratchMount]) -> str:
    return json.dumps(
        [{"path": m.path, "sizeBytes": m.size_bytes, "source": m.source and str(m.source)} for m in mounts]
    )


def parse_scratch_mounts(raw: str) -> tuple[ScratchMount, ...]:
    """The mounts in an annotation value; entries without an absolute path are skipped.

    Raises ValueError when the value is not JSON."""
    entries = json.loads(raw)
    mounts: list[ScratchMount] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and entry["path"].startswith("/"):
            size = entry.get("sizeBytes")
            mounts.append(ScratchMount(entry["path"], size if isinstance(size, int) else 0, _source(entry)))
    return tuple(mounts)


def format_loopback_ports(ports: Mapping[int, int]) -> str:
    return json.dumps({str(container): port for container, port in sorted(ports.items())})


def parse_loopback_ports(raw: str) -> dict[int, int]:
    """The container port -> loopback port entries of an annotation value; anything that is not a pair
    of port numbers is skipped (an unreadable value maps nothing)."""
    try:
        entries = json.loads(raw)
    except ValueError:
        return {}
    ports: dict[int, int] = {}
    for container, port in entries.items() if isinstance(entries, dict) else ():
        if (
            str(container).isdigit()
            and isinstance(port, int)
            and 0 < int(container) < 65536
            and 0 < port < 65536
        ):
            ports[int(container)] = port
    return ports


def _source(entry: dict[str, object]) -> MountSource | None:
    try:
        return MountSource(str(entry.get("source", "")))
    except ValueError:
        return None
