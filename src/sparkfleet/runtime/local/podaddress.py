"""Pod addresses for Spark on Kubernetes: each pod a loopback address of its own.

A driver binds its RPC and block-manager ports (7078, 7079) and each executor its own 7079, as in their
pods on EKS: that only works here when every pod has an address of its own. The whole of 127.0.0.0/8 is
this machine's loopback (Linux answers on every address of it without configuration), so before a pod's
process starts the kubelet gives it one, 127.A.B.C with A at least 1 (127.0.0.x stays the machine's own),
unique among the cluster's live pods, and records it on the pod (ANNOTATION_POD_IP): its status.podIP,
the `status.podIP` field references of its environment and the API server's service proxy all read it
from there. The address comes from the pod's uid, so a kubelet that restarts finds the same one; a
collision moves on to the next address. Nothing listens anywhere but on loopback.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import threading
from collections.abc import Mapping
from typing import Any

from sparkfleet.api.wire import ANNOTATION_POD_IP
from sparkfleet.cluster import LIVE_PODS, Cluster, NotFound, Obj

__all__ = ["address_for", "claim_pod_ip", "recorded_ip"]

_FIRST = int(ipaddress.IPv4Address("127.1.0.1"))
_SPAN = int(ipaddress.IPv4Address("127.255.255.254")) - _FIRST + 1
_claims = threading.Lock()


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def recorded_ip(pod: Mapping[str, Any]) -> str | None:
    """The address recorded on the pod, or None."""
    value = (_meta(pod).get("annotations") or {}).get(ANNOTATION_POD_IP)
    return str(value) if value else None


def _usable(address: int) -> bool:
    # x.y.z.0 and x.y.z.255 are left out: some tools read them as network and broadcast addresses.
    return address & 0xFF not in (0, 0xFF)


def address_for(uid: str, taken: set[str]) -> str:
    """The address a pod with this uid gets: from its uid, the next free one when that is taken."""
    start = int.from_bytes(hashlib.sha256(uid.encode()).digest()[:4], "big") % _SPAN
    for step in range(_SPAN):
        address = _FIRST + (start + step) % _SPAN
        text = str(ipaddress.IPv4Address(address))
        if _usable(address) and text not in taken:
            return text
    raise RuntimeError("every loopback address is taken")  # 16 million live pods


def claim_pod_ip(cluster: Cluster, pod: Obj) -> Obj:
    """Give the pod an address of its own (unless it has one) and record it; the pod as stored after (as
    given when it has been deleted meanwhile)."""
    if recorded_ip(pod):
        return pod
    meta = _meta(pod)
    uid = str(meta.get("uid"))
    with _claims:
        taken = {
            ip
            for other in cluster.list("Pod", None, field_selector=LIVE_PODS).items
            if _meta(other).get("uid") != uid and (ip := recorded_ip(other))
        }
        patch = {"metadata": {"annotations": {ANNOTATION_POD_IP: address_for(uid, taken)}}}
        with contextlib.suppress(NotFound):
            return cluster.patch("Pod", meta.get("namespace"), str(meta.get("name")), patch)
    return pod
