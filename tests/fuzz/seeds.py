"""Valid objects of every kind the registry knows, for the fuzz to mutate: the blueprint manifests kept in
tests/data/data-on-eks and examples/, the shared builders, and a small object for each kind they lack."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from sparkfleet.api.manifests import check_document
from sparkfleet.api.registry import KINDS
from support.objects import configmap, node, pod, spark_app

Obj = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "tests" / "data" / "data-on-eks", ROOT / "examples")


def _small_objects() -> list[Obj]:
    meta = {"name": "fuzz", "namespace": "default"}
    scheduled = spark_app("nightly")
    return [
        pod("fuzz-pod", labels={"app": "fuzz"}),
        configmap("fuzz-conf", key="value"),
        node("ip-10-0-0-1.ec2.internal", **{"kubernetes.io/arch": "amd64"}),
        spark_app("fuzz-app"),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fuzz"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "spark", "namespace": "default"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "fuzz-secret", "namespace": "default"},
            "type": "Opaque",
            "data": {"password": "czNjcmV0"},
            "stringData": {"user": "spark"},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "fuzz-svc", "namespace": "default"},
            "spec": {
                "selector": {"app": "fuzz"},
                "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "fuzz.1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "fuzz-pod", "namespace": "default"},
            "reason": "Scheduled",
            "message": "assigned",
            "type": "Normal",
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": meta,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
        },
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": "fuzz-high"},
            "value": 1000,
            "description": "fuzz",
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": {"podSelector": {"matchLabels": {"app": "fuzz"}}, "policyTypes": ["Ingress"]},
        },
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "sparkfleet-controller", "namespace": "default"},
            "spec": {
                "holderIdentity": "controller-0",
                "leaseDurationSeconds": 15,
                "acquireTime": "2026-01-02T03:04:05.000000Z",
                "renewTime": "2026-01-02T03:04:15.000000Z",
                "leaseTransitions": 1,
            },
        },
        {
            "apiVersion": "sparkoperator.k8s.io/v1beta2",
            "kind": "ScheduledSparkApplication",
            "metadata": {"name": "nightly", "namespace": "default"},
            "spec": {"schedule": "@every 10m", "concurrencyPolicy": "Forbid", "template": scheduled["spec"]},
        },
        {
            "apiVersion": "sparkoperator.k8s.io/v1alpha1",
            "kind": "SparkConnect",
            "metadata": {"name": "connect", "namespace": "default"},
            "spec": {
                "sparkVersion": "4.0.4",
                "image": "docker.io/apache/spark:4.0.4",
                "sparkConf": {"spark.sql.shuffle.partitions": "8"},
                "server": {"cores": 1, "memory": "1g"},
                "executor": {"instances": 2, "cores": 1, "memory": "512m"},
                "dynamicAllocation": {"enabled": True, "minExecutors": 1, "maxExecutors": 4},
            },
        },
        {
            "apiVersion": "karpenter.sh/v1alpha1",
            "kind": "NodeOverlay",
            "metadata": {"name": "savings-plan"},
            "spec": {
                "requirements": [
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}
                ],
                "priceAdjustment": "-20%",
                "weight": 10,
            },
        },
        {
            "apiVersion": "karpenter.sh/v1",
            "kind": "NodeClaim",
            "metadata": {"name": "fuzz-claim"},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                "requirements": [
                    {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m5.large"]}
                ],
            },
        },
    ]


def _blueprint_objects() -> list[Obj]:
    known = {info.kind for info in KINDS}
    found: list[Obj] = []
    for source in SOURCES:
        for path in sorted(source.rglob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if isinstance(doc, dict) and doc.get("kind") in known:
                    found.append(doc)
    return found


@functools.cache
def valid_seeds() -> tuple[Obj, ...]:
    """Every seed that validates as written (the fuzz starts from valid objects). Shared: copy before
    changing one."""
    seeds = [*_small_objects(), *_blueprint_objects()]
    return tuple(s for s in seeds if all(c.ok and not c.skipped for c in check_document(copy.deepcopy(s))))


def seed_kinds() -> set[str]:
    return {str(s["kind"]) for s in valid_seeds()}
