"""Label keys on NodePools and NodeClaims: Kubernetes' syntax, and the domains Karpenter restricts."""

from __future__ import annotations

import re

from sparkfleet.api.meta import DNS1123_SUBDOMAIN
from sparkfleet.api.names import shown_value
from sparkfleet.api.wire import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_OS,
    LABEL_REGION,
    LABEL_WINDOWS_BUILD,
    LABEL_ZONE,
)

_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
"""A label or taint value (empty, or letters and digits at both ends); at most 63 characters besides."""

# Labels in restricted domains that Karpenter and its AWS provider know and allow in requirements.
WELL_KNOWN_LABELS = frozenset(
    {
        LABEL_NODEPOOL,
        LABEL_CAPACITY_TYPE,
        LABEL_ZONE,
        LABEL_REGION,
        LABEL_INSTANCE_TYPE,
        LABEL_ARCH,
        LABEL_OS,
        LABEL_WINDOWS_BUILD,
        # the aliases Karpenter normalises to the labels above
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "topology.k8s.aws/zone-id",
        *(
            f"karpenter.k8s.aws/{name}"
            for name in (
                "capacity-reservation-id",
                "capacity-reservation-type",
                "instance-hypervisor",
                "instance-encryption-in-transit-supported",
                "instance-category",
                "instance-capacity-flex",
                "instance-family",
                "instance-generation",
                "instance-size",
                "instance-local-nvme",
                "instance-cpu",
                "instance-cpu-manufacturer",
                "instance-cpu-sustained-clock-speed-mhz",
                "instance-memory",
                "instance-ebs-bandwidth",
                "instance-network-bandwidth",
                "instance-gpu-name",
                "instance-gpu-manufacturer",
                "instance-gpu-count",
                "instance-gpu-memory",
                "instance-accelerator-name",
                "instance-accelerator-manufacturer",
                "instance-accelerator-count",
            )
        ),
    }
)
_RESTRICTED_DOMAINS = ("kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws")
_DOMAIN_EXCEPTIONS = ("node.kubernetes.io", "node-restriction.kubernetes.io", "kops.k8s.io")


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a syntactically valid label key (`[prefix/]name`), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        return f'{shown_value(key)} has an invalid prefix: use a DNS subdomain like "example.com/name"'
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return (
            f'{shown_value(key)} is not a valid label key: up to 63 letters, digits, "-", "_" and ".", '
            "starting and ending with a letter or digit"
        )
    return None


def restricted_label_problem(key: str) -> str | None:
    """Why Karpenter refuses `key` on a NodePool (requirement or template label), or None."""
    if key == LABEL_NODEPOOL:
        return f'label "{LABEL_NODEPOOL}" is restricted: Karpenter sets it to the NodePool\'s name'
    if key == LABEL_HOSTNAME:
        return f'label "{LABEL_HOSTNAME}" is restricted: the kubelet sets it'
    if key in WELL_KNOWN_LABELS:
        return None
    domain = key.partition("/")[0] if "/" in key else ""
    if any(domain.endswith(exception) for exception in _DOMAIN_EXCEPTIONS):
        return None
    for restricted in _RESTRICTED_DOMAINS:
        if domain.endswith(restricted):
            return f'label domain "{restricted}" is restricted: use a well-known label or your own domain'
    return None
