"""Minimal NodePool and NodeClaim documents and small helpers shared by the Karpenter tests."""

from typing import Any

from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, issues_from
from sparkfleet.api.karpenter import NodePool, validate_nodepool


def pool_doc(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "spark"},
        "spec": {
            "template": {
                "spec": {
                    "requirements": [
                        {
                            "key": "karpenter.k8s.aws/instance-family",
                            "operator": "In",
                            "values": ["c5d", "r5d"],
                        }
                    ],
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                }
            }
        },
    }
    doc["spec"].update(spec)
    return doc


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    """What `apply` would report: field errors first; cross-field rules when the fields are valid."""
    try:
        pool = NodePool.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, NodePool)
    return validate_nodepool(pool)


def with_template_spec(**fields: Any) -> dict[str, Any]:
    doc = pool_doc()
    doc["spec"]["template"]["spec"].update(fields)
    return doc


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues


def claim_doc() -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodeClaim",
        "metadata": {"name": "spark-compute-optimized-x7k2p", "labels": {"karpenter.sh/nodepool": "spark"}},
        "spec": {
            "requirements": [
                {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["spark"]},
                {
                    "key": "node.kubernetes.io/instance-type",
                    "operator": "In",
                    "values": ["c5d.4xlarge", "c5d.9xlarge"],
                },
            ],
            "resources": {"requests": {"cpu": "15", "memory": "28Gi"}},
            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "spark"},
        },
        "status": {
            "providerID": "aws:///us-west-2a/i-0123456789abcdef0",
            "nodeName": "ip-10-1-2-3.us-west-2.compute.internal",
            "imageID": "ami-0123456789abcdef0",
            "capacity": {"cpu": "16", "memory": "32Gi", "ephemeral-storage": "400G"},
            "allocatable": {"cpu": "15890m", "memory": "29Gi"},
            "conditions": [
                {"type": "Launched", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"},
                {"type": "Registered", "status": "True"},
                {"type": "Initialized", "status": "False", "reason": "NotReady"},
            ],
        },
    }
