"""What the API server checks on every object (names, namespace, labels, owners), and the names and paths
of the pod parts some kinds carry."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.names import DNS1123_LABEL_RULE, object_name_rule, object_spec_issues
from sparkfleet.cluster.errors import Invalid
from sparkfleet.cluster.kinds import KindInfo
from sparkfleet.cluster.selectors import is_label_value, is_qualified_name


def check_name(info: KindInfo, name: object, path: str = "metadata.name") -> str:
    if not isinstance(name, str) or not name:
        raise Invalid.field(info.kind, str(name or ""), path, name, "name or generateName is required")
    problems = object_name_rule(info.kind).problems(name)
    if problems:
        raise Invalid.field(info.kind, name, path, name, ", ".join(problems))
    return name


def check_namespace(info: KindInfo, name: str, namespace: object) -> str:
    if not isinstance(namespace, str) or not namespace or not DNS1123_LABEL_RULE.matches(namespace):
        detail = ", ".join(DNS1123_LABEL_RULE.problems(namespace if isinstance(namespace, str) else ""))
        raise Invalid.field(info.kind, name, "metadata.namespace", namespace, detail)
    return namespace


def check_metadata(info: KindInfo, name: str, metadata: dict[str, Any]) -> None:
    """Labels and annotations are string maps with qualified keys; ownerReferences name a uid."""
    labels = metadata.get("labels")
    if labels is not None:
        if not isinstance(labels, dict):
            raise Invalid.field(info.kind, name, "metadata.labels", labels, "must be a map of strings")
        for key, value in labels.items():
            if not is_qualified_name(key):
                raise Invalid.field(
                    info.kind,
                    name,
                    "metadata.labels",
                    key,
                    "a label key must be a qualified name (prefix/name)",
                )
            if not isinstance(value, str) or not is_label_value(value):
                raise Invalid.field(
                    info.kind,
                    name,
                    f"metadata.labels[{key}]",
                    value,
                    "a valid label value must be 63 characters or less and must be empty or begin and "
                    "end with an alphanumeric character ([a-z0-9A-Z]) with dashes (-), underscores (_), "
                    "dots (.), and alphanumerics between",
                )
    annotations = metadata.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            raise Invalid.field(
                info.kind, name, "metadata.annotations", annotations, "must be a map of strings"
            )
        for key, value in annotations.items():
            if not is_qualified_name(key):
                raise Invalid.field(
                    info.kind, name, "metadata.annotations", key, "an annotation key must be a qualified name"
                )
            if not isinstance(value, str):
                raise Invalid.field(
                    info.kind, name, f"metadata.annotations[{key}]", value, "must be a string"
                )
    owners = metadata.get("ownerReferences")
    if owners is not None:
        if not isinstance(owners, list):
            raise Invalid.field(info.kind, name, "metadata.ownerReferences", owners, "must be a list")
        for i, ref in enumerate(owners):
            if not isinstance(ref, dict) or not isinstance(ref.get("uid"), str) or not ref["uid"]:
                raise Invalid.field(
                    info.kind,
                    name,
                    f"metadata.ownerReferences[{i}].uid",
                    ref,
                    "an owner reference needs a uid",
                )


def check_spec(info: KindInfo, name: str, body: dict[str, Any]) -> None:
    """The names and paths inside the spec that Kubernetes validates (volumes, containers, ports,
    mounts): the runtime turns them into files, so a bad one is refused before it is stored."""
    issues = object_spec_issues(info.kind, body)
    if issues:
        listed = ", ".join(str(i) for i in issues)
        raise Invalid(
            f'{info.kind} "{name}" is invalid: {listed if len(issues) == 1 else f"[{listed}]"}',
            kind=info.kind,
            name=name,
        )
