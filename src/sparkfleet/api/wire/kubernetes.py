"""Kubernetes' own well-known labels, taints and scheduler name, as kubelet and kube-scheduler use them."""

from __future__ import annotations

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ARCH = "kubernetes.io/arch"
LABEL_OS = "kubernetes.io/os"
LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type"
LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_NODE_ROLE = "kubernetes.io/role"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"

DEFAULT_SCHEDULER_NAME = "default-scheduler"

ANNOTATION_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ANNOTATION_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANNOTATION_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANNOTATION_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""kubectl apply's copy of the applied manifest: describe leaves it out, as kubectl does."""
