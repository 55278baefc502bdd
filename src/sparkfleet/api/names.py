"""Kubernetes' name and path rules, with Kubernetes' own messages, and where in an object each applies.

The rules are apimachinery's IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label and IsValidPortName
(IANA_SVC_NAME), and the kubelet's "local descending path" rule for subPath and volume item paths. They
guard more than style: the local runtime makes directories and files from volume and container names and
from these paths, so a name that is not a label could name a place outside the node's directory. Manifest
validation, the store's create and update, and the runtime all check with the functions here.

Every checker works on the manifest form (plain mappings), so the same code serves parsed models (through
`to_dict()`), stored bodies and whatever a runtime is handed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.base import FieldIssue

__all__ = [
    "DNS1035_LABEL",
    "DNS1035_LABEL_RULE",
    "DNS1123_LABEL",
    "DNS1123_LABEL_RULE",
    "DNS1123_SUBDOMAIN",
    "DNS1123_SUBDOMAIN_RULE",
    "LABEL_MAX",
    "SHOWN_MAX",
    "NameRule",
    "descending_path_problems",
    "invalid",
    "name_issue",
    "object_name_rule",
    "object_spec_issues",
    "pod_spec_issues",
    "port_name_problems",
    "shown_value",
    "spark_spec_issues",
    "volume_issues",
]

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
PORT_NAME_MAX = 15

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = rf"{_LABEL}(\.{_LABEL})*"
_DNS1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"

DNS1123_LABEL = re.compile(f"^{_LABEL}$")
DNS1123_SUBDOMAIN = re.compile(f"^{_SUBDOMAIN}$")
DNS1035_LABEL = re.compile(f"^{_DNS1035}$")


@dataclass(frozen=True, slots=True)
class NameRule:
    """One of Kubernetes' name formats: a pattern, a length limit and the sentence explaining both."""

    pattern: re.Pattern[str]
    max_length: int
    explanation: str

    def problems(self, value: str) -> list[str]:
        """Kubernetes' messages for what is wrong with `value` (empty when it is a valid name)."""
        found: list[str] = []
        if len(value) > self.max_length:
            found.append(f"must be no more than {self.max_length} characters")
        if not self.pattern.match(value):
            found.append(self.explanation)
        return found

    def matches(self, value: str) -> bool:
        return not self.problems(value)


DNS1123_LABEL_RULE = NameRule(
    DNS1123_LABEL,
    LABEL_MAX,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for "
    f"validation is '{_LABEL}')",
)
DNS1123_SUBDOMAIN_RULE = NameRule(
    DNS1123_SUBDOMAIN,
    SUBDOMAIN_MAX,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    f"validation is '{_SUBDOMAIN}')",
)
DNS1035_LABEL_RULE = NameRule(
    DNS1035_LABEL,
    LABEL_MAX,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for "
    f"validation is '{_DNS1035}')",
)
# Kubernetes names most objects as DNS subdomains; these kinds are stricter (a Namespace is a DNS label,
# a Service a DNS-1035 label because its name becomes a DNS name that must not start with a digit).
_OBJECT_NAME_RULES = {"Namespace": DNS1123_LABEL_RULE, "Service": DNS1035_LABEL_RULE}


def object_name_rule(kind: str) -> NameRule:
    """The format `metadata.name` of a `kind` object must have."""
    return _OBJECT_NAME_RULES.get(kind, DNS1123_SUBDOMAIN_RULE)


_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")
_HAS_LETTER = re.compile(r"[a-z]")


def port_name_problems(value: str) -> list[str]:
    """IANA_SVC_NAME, as IsValidPortName says it: what a named container or service port must be."""
    found: list[str] = []
    if len(value) > PORT_NAME_MAX:
        found.append(f"must be no more than {PORT_NAME_MAX} characters")
    if not _PORT_NAME_CHARS.match(value):
        found.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        found.append("must not contain consecutive hyphens")
    if not _HAS_LETTER.search(value):
        found.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        found.append("must not begin or end with a hyphen")
    return found


def descending_path_problems(value: str) -> list[str]:
    """A path that must stay below the directory it is joined to (subPath, a volume item's path)."""
    found: list[str] = []
    if value.startswith("/"):
        found.append("must be a relative path")
    if ".." in value.split("/"):
        found.append("must not contain '..'")
    return found


SHOWN_MAX = 100
"""Longest value quoted whole in a message; a longer one is cut, with its length said."""


def shown_value(value: object) -> str:
    """A value as a message quotes it: strings in double quotes, cut after SHOWN_MAX characters."""
    if not isinstance(value, str):
        return repr(value)
    if len(value) <= SHOWN_MAX:
        return f'"{value}"'
    return f'"{value[:SHOWN_MAX]}..." ({len(value)} characters)'


def invalid(path: str, value: object, detail: str) -> FieldIssue:
    """Kubernetes' "Invalid value" field error."""
    return FieldIssue(path, f"Invalid value: {shown_value(value)}: {detail}")


def name_issue(path: str, value: object, rule: NameRule) -> FieldIssue | None:
    """The issue with a required name at `path`, or None when it follows `rule`."""
    if not isinstance(value, str) or not value:
        return FieldIssue(path, "Required value")
    problems = rule.problems(value)
    return invalid(path, value, ", ".join(problems)) if problems else None


def _optional(path: str, value: object, problems: Sequence[str]) -> list[FieldIssue]:
    return [invalid(path, value, ", ".join(problems))] if problems else []


def _items(value: object) -> list[Mapping[str, Any]]:
    """The mappings of a list field (anything else is the models' business, not these rules')."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _key_paths(source: Mapping[str, Any], path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for i, item in enumerate(_items(source.get("items"))):
        where = f"{path}.items[{i}].path"
        target = item.get("path")
        if not isinstance(target, str) or not target:
            issues.append(FieldIssue(where, "Required value"))
        else:
            issues += _optional(where, target, descending_path_problems(target))
    return issues


def _unique_label_name(name: object, path: str, seen: set[str]) -> list[FieldIssue]:
    """A DNS-1123 label name not in `seen` (which gains it)."""
    bad = name_issue(path, name, DNS1123_LABEL_RULE)
    if bad is None and name in seen:
        bad = FieldIssue(path, f'Duplicate value: "{name}"')
    if isinstance(name, str):
        seen.add(name)
    return [] if bad is None else [bad]


def volume_issues(volumes: object, prefix: str) -> list[FieldIssue]:
    """A pod's (or SparkApplication's) volumes: DNS-1123 label names, each once; paths that stay put."""
    issues: list[FieldIssue] = []
    seen: set[str] = set()
    for i, volume in enumerate(_items(volumes)):
        path = f"{prefix}[{i}]"
        issues += _unique_label_name(volume.get("name"), f"{path}.name", seen)
        for source, ref in (("configMap", "name"), ("secret", "secretName")):
            given = volume.get(source)
            if isinstance(given, Mapping):
                ref_name = given.get(ref)
                if isinstance(ref_name, str) and ref_name:
                    issues += _optional(
                        f"{path}.{source}.{ref}", ref_name, DNS1123_SUBDOMAIN_RULE.problems(ref_name)
                    )
                issues += _key_paths(given, f"{path}.{source}")
        host = volume.get("hostPath")
        if isinstance(host, Mapping) and ".." in str(host.get("path") or "").split("/"):
            issues.append(invalid(f"{path}.hostPath.path", host["path"], "must not contain '..'"))
    return issues


def _volume_names(volumes: object) -> set[str]:
    return {str(v.get("name")) for v in _items(volumes) if isinstance(v.get("name"), str)}


def _mount_issues(container: Mapping[str, Any], path: str, volumes: set[str] | None) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for j, mount in enumerate(_items(container.get("volumeMounts"))):
        where = f"{path}.volumeMounts[{j}]"
        name = mount.get("name")
        if not isinstance(name, str) or not name:
            issues.append(FieldIssue(f"{where}.name", "Required value"))
        elif volumes is not None and name not in volumes:
            issues.append(FieldIssue(f"{where}.name", f'Not found: "{name}"'))
        sub_path = mount.get("subPath")
        if isinstance(sub_path, str) and sub_path:
            issues += _optional(f"{where}.subPath", sub_path, descending_path_problems(sub_path))
    return issues


def _port_issues(ports: object, path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for j, port in enumerate(_items(ports)):
        name = port.get("name")
        if isinstance(name, str) and name:
            issues += _optional(f"{path}[{j}].name", name, port_name_problems(name))
    return issues


def container_issues(
    containers: Iterable[tuple[str, object]], volumes: set[str] | None, seen: set[str] | None = None
) -> list[FieldIssue]:
    """Containers given as (field path, list) pairs: DNS-1123 label names unique across all of them,
    port names, and mounts of declared volumes (`volumes` None: declared elsewhere, not checked)."""
    seen = set() if seen is None else seen
    issues: list[FieldIssue] = []
    for prefix, listed in containers:
        for i, container in enumerate(_items(listed)):
            path = f"{prefix}[{i}]"
            issues += _unique_label_name(container.get("name"), f"{path}.name", seen)
            issues += _port_issues(container.get("ports"), f"{path}.ports")
            issues += _mount_issues(container, path, volumes)
    return issues


def pod_spec_issues(
    spec: Mapping[str, Any], prefix: str = "spec", *, mounts_checked: bool = True
) -> list[FieldIssue]:
    """The names and paths of a pod spec. `mounts_checked` False: the spec is a template whose mounts may
    name volumes declared beside it (a SparkApplication's spec.volumes), so references are not checked."""
    issues = volume_issues(spec.get("volumes"), f"{prefix}.volumes")
    volumes = _volume_names(spec.get("volumes")) if mounts_checked else None
    issues += container_issues(
        (
            (f"{prefix}.initContainers", spec.get("initContainers")),
            (f"{prefix}.containers", spec.get("containers")),
        ),
        volumes,
    )
    return issues


def _spark_pod_issues(pod: Mapping[str, Any], path: str) -> list[FieldIssue]:
    issues = container_issues(
        ((f"{path}.initContainers", pod.get("initContainers")), (f"{path}.sidecars", pod.get("sidecars"))),
        None,
    )
    issues += _port_issues(pod.get("ports"), f"{path}.ports")
    issues += _mount_issues(pod, path, None)
    for field in ("configMaps", "secrets"):
        for i, ref in enumerate(_items(pod.get(field))):
            name = ref.get("name")
            if isinstance(name, str) and name:
                issues += _optional(f"{path}.{field}[{i}].name", name, DNS1123_SUBDOMAIN_RULE.problems(name))
    template = pod.get("template")
    template_spec = template.get("spec") if isinstance(template, Mapping) else None
    if isinstance(template_spec, Mapping):
        issues += pod_spec_issues(template_spec, f"{path}.template.spec", mounts_checked=False)
    return issues


def spark_spec_issues(spec: Mapping[str, Any], prefix: str = "spec") -> list[FieldIssue]:
    """The names and paths of a SparkApplicationSpec that end up in its driver and executor pods.
    (Mounts of undeclared volumes are the SparkApplication validation's, which knows sparkConf volumes.)"""
    issues = volume_issues(spec.get("volumes"), f"{prefix}.volumes")
    for role in ("driver", "executor"):
        pod = spec.get(role)
        if isinstance(pod, Mapping):
            issues += _spark_pod_issues(pod, f"{prefix}.{role}")
    return issues


def object_spec_issues(kind: str, obj: Mapping[str, Any]) -> list[FieldIssue]:
    """The name and path rules of an object's spec, for the kinds that carry pod parts."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return []
    if kind == "Pod":
        return pod_spec_issues(spec)
    if kind == "SparkApplication":
        return spark_spec_issues(spec)
    if kind == "ScheduledSparkApplication":
        template = spec.get("template")
        return spark_spec_issues(template, "spec.template") if isinstance(template, Mapping) else []
    return []
