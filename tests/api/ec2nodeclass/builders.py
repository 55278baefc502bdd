"""A minimal EC2NodeClass document and small helpers shared by the EC2NodeClass tests."""

from typing import Any

from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, issues_from
from sparkfleet.api.ec2nodeclass import EC2NodeClass, validate_ec2nodeclass


def class_doc(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": {"name": "spark"},
        "spec": {
            "role": "KarpenterNodeRole-spark",
            "amiSelectorTerms": [{"alias": "al2023@latest"}],
            "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
        },
    }
    doc["spec"].update(spec)
    return doc


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    try:
        node_class = EC2NodeClass.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, EC2NodeClass)
    return validate_ec2nodeclass(node_class)


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues
