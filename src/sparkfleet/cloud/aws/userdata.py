"""A node's user data for its AMI family, merged with the EC2NodeClass's own `userData` as Karpenter does.

- AL2023: a MIME multipart archive for nodeadm. The user's parts come first (a NodeConfig, a shell script,
  or a whole MIME archive of them), then one NodeConfig with the cluster, the kubelet settings and, for
  `instanceStorePolicy: RAID0`, `instance.localStorage.strategy: RAID0` (nodeadm joins every NVMe
  instance-store disk in one RAID0 array mounted at /mnt/k8s-disks/0 that holds the kubelet's, containerd's
  and the pod logs' directories). nodeadm merges the NodeConfigs in order, so the cluster's fields win.
- Bottlerocket: the user's TOML with the cluster's `settings.kubernetes` laid over it, and for RAID0 the
  `k8s-ephemeral-storage` bootstrap command that builds the array and binds the same directories onto it.
The output is deterministic (fixed MIME boundary, sorted keys) so equal node classes share a template.
User data can hold secrets: it is never logged.
"""

from __future__ import annotations

import email
import tomllib
from dataclasses import dataclass
from typing import Any

import tomli_w
import yaml

from sparkfleet.api.ec2nodeclass import AMIFamily, EC2NodeClassSpec, InstanceStorePolicy, KubeletConfiguration
from sparkfleet.api.wire import TAINT_UNREGISTERED
from sparkfleet.cloud.port import CloudError

BOUNDARY = "//"
NODECONFIG_TYPE = "application/node.eks.aws"
SHELL_TYPE = 'text/x-shellscript; charset="us-ascii"'
UNREGISTERED = {"key": TAINT_UNREGISTERED, "effect": "NoExecute"}

EPHEMERAL_STORAGE_DIRS = ("/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods")


@dataclass(frozen=True)
class ClusterInfo:
    """What a node needs to join the cluster."""

    name: str
    endpoint: str
    certificate_authority: str  # base64 PEM, as EKS gives it
    service_cidr: str
    kubernetes_version: str


def user_data(spec: EC2NodeClassSpec, cluster: ClusterInfo, labels: dict[str, str]) -> str:
    """The user data text (not yet base64) for a node of `spec`'s AMI family."""
    family = spec.resolved_ami_family()
    if family is AMIFamily.AL2023:
        return al2023_user_data(spec, cluster, labels)
    if family is AMIFamily.BOTTLEROCKET:
        return bottlerocket_user_data(spec, cluster, labels)
    if family is AMIFamily.CUSTOM:
        return spec.userData or ""
    raise CloudError(
        f"amiFamily {family}: the AWS adapter bootstraps AL2023, Bottlerocket and Custom AMIs; "
        "use alias al2023@latest or bottlerocket@latest"
    )


def _kubelet_config(kubelet: KubeletConfiguration | None) -> dict[str, Any]:
    if kubelet is None:
        return {}
    return kubelet.model_dump(exclude_none=True, exclude_defaults=True)


def nodeconfig(spec: EC2NodeClassSpec, cluster: ClusterInfo, labels: dict[str, str]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "apiVersion": "node.eks.aws/v1alpha1",
        "kind": "NodeConfig",
        "spec": {
            "cluster": {
                "name": cluster.name,
                "apiServerEndpoint": cluster.endpoint,
                "certificateAuthority": cluster.certificate_authority,
                "cidr": cluster.service_cidr,
            },
            "kubelet": {
                # As Karpenter's: nothing lands on the node before its NodeClaim adopts it.
                "config": {**_kubelet_config(spec.kubelet), "registerWithTaints": [UNREGISTERED]},
                "flags": [f"--node-labels={','.join(f'{k}={v}' for k, v in sorted(labels.items()))}"],
            },
        },
    }
    if spec.instanceStorePolicy is InstanceStorePolicy.RAID0:
        node["spec"]["instance"] = {"localStorage": {"strategy": "RAID0"}}
    return node


def user_parts(text: str | None) -> list[tuple[str, str]]:
    """The user's user data as (content type, body) parts."""
    if not text or not text.strip():
        return []
    if text.lstrip().startswith("MIME-Version:") or text.lstrip().lower().startswith("content-type:"):
        message = email.message_from_string(text)
        if not message.is_multipart():
            raise CloudError("spec.userData: a MIME document must be multipart (multipart/mixed)")
        parts: list[tuple[str, str]] = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            body = payload.decode("utf-8") if isinstance(payload, bytes) else str(part.get_payload())
            parts.append((part.get("Content-Type", SHELL_TYPE), body))
        return parts
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        document = None
    if isinstance(document, dict) and document.get("kind") == "NodeConfig":
        return [(NODECONFIG_TYPE, text)]
    return [(SHELL_TYPE, text)]


def al2023_user_data(spec: EC2NodeClassSpec, cluster: ClusterInfo, labels: dict[str, str]) -> str:
    ours = yaml.safe_dump(nodeconfig(spec, cluster, labels), sort_keys=True)
    parts = [*user_parts(spec.userData), (NODECONFIG_TYPE, ours)]
    lines = ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"', ""]
    for content_type, body in parts:
        lines += [f"--{BOUNDARY}", f"Content-Type: {content_type}", "", body.rstrip("\n")]
    lines += [f"--{BOUNDARY}--", ""]
    return "\n".join(lines)


def bottlerocket_user_data(spec: EC2NodeClassSpec, cluster: ClusterInfo, labels: dict[str, str]) -> str:
    try:
        settings: dict[str, Any] = tomllib.loads(spec.userData or "")
    except tomllib.TOMLDecodeError as exc:
        raise CloudError(f"spec.userData: Bottlerocket user data must be TOML: {exc}") from None
    root = settings.setdefault("settings", {})
    kubernetes = root.setdefault("kubernetes", {})
    kubernetes.update(
        {
            "cluster-name": cluster.name,
            "api-server": cluster.endpoint,
            "cluster-certificate": cluster.certificate_authority,
        }
    )
    kubernetes.setdefault("node-labels", {}).update(labels)
    kubernetes.setdefault("node-taints", {})[TAINT_UNREGISTERED] = [f":{UNREGISTERED['effect']}"]
    kubelet = spec.kubelet
    if kubelet is not None:
        if kubelet.maxPods is not None:
            kubernetes["max-pods"] = kubelet.maxPods
        if kubelet.clusterDNS:
            kubernetes["cluster-dns-ip"] = kubelet.clusterDNS[0]
        for field, key in (
            ("systemReserved", "system-reserved"),
            ("kubeReserved", "kube-reserved"),
            ("evictionHard", "eviction-hard"),
        ):
            if getattr(kubelet, field):
                kubernetes[key] = dict(getattr(kubelet, field))
    if spec.instanceStorePolicy is InstanceStorePolicy.RAID0:
        commands = root.setdefault("bootstrap-commands", {})
        commands["k8s-ephemeral-storage"] = {
            "commands": [
                ["apiclient", "ephemeral-storage", "init"],
                ["apiclient", "ephemeral-storage", "bind", "--dirs", *EPHEMERAL_STORAGE_DIRS],
            ],
            "mode": "always",
            "essential": True,
        }
    return tomli_w.dumps(settings)
