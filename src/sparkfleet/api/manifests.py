"""Checking manifests as users write them: every document of every file, every problem with its path.

A document is one of: a kind from the registry; a YuniKorn `queues.yaml` (a mapping with `partitions`);
a simulated-cloud scenario (a mapping with scenario keys such as `unavailableOfferings`);
a `yunikorn-configs` ConfigMap (its `queues.yaml`, or the gzip-compressed `binaryData["queues.yaml.gz"]`,
is checked too); or a foreign kind (another tool's, or a Kubernetes kind not stored here), which is
skipped, except that SparkApplications embedded in Argo resource templates are checked where they stand.
A cluster-scoped kind written with a namespace is accepted with the namespace cleared, as the API server
does, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from sparkfleet.api.base import BRIEF_MAX, FieldIssue, ManifestError, Model, did_you_mean, hinted_issues
from sparkfleet.api.kubeschema import is_kubernetes_kind
from sparkfleet.api.names import (
    DNS1123_LABEL_RULE,
    SUBDOMAIN_MAX,
    name_issue,
    object_name_rule,
    shown_value,
)
from sparkfleet.api.registry import KINDS, KindInfo, kind_info, known_kinds
from sparkfleet.api.yamlio import load_all, load_all_noting, load_document

if TYPE_CHECKING:
    from sparkfleet.api.yunikorn import SchedulerConfig

QUEUES_KEY = "queues.yaml"
YUNIKORN_CONFIGMAP = "yunikorn-configs"
SCHEDULER_CONFIG_KIND = "SchedulerConfig"
SCENARIO_KIND = "Scenario"


@dataclass
class Checked:
    """The outcome for one object: what it is, the parsed model when valid, and every problem found."""

    kind: str
    name: str
    obj: Model | None = None
    issues: list[FieldIssue] = field(default_factory=list)
    skipped: str | None = None
    doc: dict[str, Any] | None = None
    """The document as written (what `apply` stores: defaults are the readers' business, as in Kubernetes)."""
    warnings: list[FieldIssue] = field(default_factory=list)
    """What is accepted but worth saying (a namespace on a cluster-scoped object, a field a pod template
    carries that Kubernetes does not know)."""

    @property
    def ok(self) -> bool:
        return not self.issues


def _name_of(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        name = meta.get("name") or meta.get("generateName")
        if isinstance(name, str) and name:
            # Cut past the longest valid name (253), so a huge one is not repeated on every report line.
            return name if len(name) <= SUBDOMAIN_MAX else f"{name[:SUBDOMAIN_MAX]}..."
    return "<unnamed>"


def parse_model(info: KindInfo, doc: dict[str, Any]) -> tuple[Model | None, list[FieldIssue]]:
    """Validate a document against its model, then the kind's semantic rules."""
    try:
        model = info.model_type.model_validate(doc)
    except ValidationError as exc:
        return None, hinted_issues(exc, info.model_type)
    issues: list[FieldIssue] = []
    validator = info.validator
    if validator is not None:
        issues.extend(validator(model))
    # Kinds whose own rules check the name (DNS-1035 for Spark apps) keep their stricter message.
    issues.extend(i for i in _metadata_issues(info, model) if i.path not in {x.path for x in issues})
    return (model if not issues else None), issues


def _metadata_issues(info: KindInfo, model: Model) -> list[FieldIssue]:
    meta = getattr(model, "metadata", None)
    if meta is None:
        return []
    issues: list[FieldIssue] = []
    name = meta.name
    if not name and not meta.generateName:
        issues.append(FieldIssue("metadata.name", "required field is missing (or set metadata.generateName)"))
    elif name:
        bad = name_issue("metadata.name", name, object_name_rule(info.kind))
        if bad is not None:
            issues.append(bad)
    if info.namespaced and meta.namespace:
        # The API server names the object under /namespaces/<namespace>/: only a DNS-1123 label can be one.
        bad = name_issue("metadata.namespace", meta.namespace, DNS1123_LABEL_RULE)
        if bad is not None:
            issues.append(bad)
    return issues


def _cluster_scoped(info: KindInfo, doc: dict[str, Any]) -> tuple[dict[str, Any], list[FieldIssue]]:
    """A cluster-scoped object written with a namespace: the API server clears it, and so does this."""
    meta = doc.get("metadata")
    if info.namespaced or not isinstance(meta, dict) or not isinstance(meta.get("namespace"), str):
        return doc, []  # a namespace that is no string is the model's to refuse
    if not meta["namespace"]:
        return doc, []
    message = f'{info.kind} is cluster-scoped: namespace "{meta["namespace"]}" is ignored and cleared'
    cleared = {**doc, "metadata": {k: v for k, v in meta.items() if k != "namespace"}}
    return cleared, [FieldIssue("metadata.namespace", message)]


def parse_queues(doc: Any) -> tuple[SchedulerConfig | None, list[FieldIssue]]:
    from sparkfleet.api.yunikorn import SchedulerConfig, validate_queues  # queue documents only

    try:
        config = SchedulerConfig.model_validate(doc)
    except ValidationError as exc:
        return None, hinted_issues(exc, SchedulerConfig)
    issues = validate_queues(config)
    return (config if not issues else None), issues


def _scenario(doc: dict[str, Any]) -> Checked:
    from sparkfleet.api.scenario import Scenario

    try:
        return Checked(SCENARIO_KIND, "scenario", Scenario.model_validate(doc))
    except ValidationError as exc:
        return Checked(SCENARIO_KIND, "scenario", issues=hinted_issues(exc, Scenario))


_LONG_QUOTED = re.compile(rf"([\"'])([^\"'\n]{{{BRIEF_MAX + 1},}})\1")


def _readable(issue: FieldIssue) -> FieldIssue:
    """The issue with every quoted value longer than BRIEF_MAX cut: a 10,000-character name or label
    is not repeated whole, and the fix the message ends with stays in sight."""
    if len(issue.message) <= BRIEF_MAX:
        return issue

    def cut(match: re.Match[str]) -> str:
        quote, text = match.group(1), match.group(2)
        return f"{quote}{text[:BRIEF_MAX]}...{quote} ({len(text)} characters)"

    return FieldIssue(issue.path, _LONG_QUOTED.sub(cut, issue.message))


def check_document(doc: Any) -> list[Checked]:
    """Every object one YAML document holds, checked; long values are cut in the messages."""
    checked = _check_document(doc)
    for one in checked:
        one.issues = [_readable(i) for i in one.issues]
    return checked


def _check_document(doc: Any) -> list[Checked]:
    if not isinstance(doc, dict):
        return [Checked("?", "?", issues=[FieldIssue("", "a manifest must be a mapping (key: value)")])]
    if "kind" not in doc and "partitions" in doc:
        config, issues = parse_queues(doc)
        return [Checked(SCHEDULER_CONFIG_KIND, QUEUES_KEY, config, issues)]
    if "kind" not in doc:
        from sparkfleet.api.scenario import Scenario  # kind-less documents only

        if doc.keys() & set(Scenario.model_fields):
            return [_scenario(doc)]
    kind, api_version, name = doc.get("kind"), doc.get("apiVersion"), _name_of(doc)
    if not isinstance(kind, str) or not kind:
        return [Checked("?", name, issues=[FieldIssue("kind", "required field is missing")])]
    info = kind_info(kind)
    if info is None or (
        api_version != info.api_version
        and isinstance(api_version, str)
        and is_kubernetes_kind(api_version, kind)  # events.k8s.io/v1 Event: Kubernetes', not ours
    ):
        return _foreign(doc, kind, api_version, name)
    if api_version != info.api_version:
        message = (
            "required field is missing"
            if api_version is None
            else f'{shown_value(api_version)} is not served for {kind}; use "{info.api_version}"'
        )
        return [Checked(kind, name, issues=[FieldIssue("apiVersion", message)])]
    doc, warnings = _cluster_scoped(info, doc)
    model, issues = parse_model(info, doc)
    warner = info.warner
    if model is not None and warner is not None:
        warnings.extend(warner(model))
    checked = [Checked(kind, name, model, issues, doc=doc, warnings=warnings)]
    if kind == "ConfigMap" and name == YUNIKORN_CONFIGMAP:
        checked.extend(_embedded_queues(doc))
    return checked


def _embedded_queues(doc: dict[str, Any]) -> list[Checked]:
    from sparkfleet.api.yunikorn import queues_text  # yunikorn-configs only

    data, binary = doc.get("data"), doc.get("binaryData")
    try:
        found = queues_text(
            data if isinstance(data, dict) else {}, binary if isinstance(binary, dict) else {}
        )
    except ManifestError as exc:
        return [Checked(SCHEDULER_CONFIG_KIND, YUNIKORN_CONFIGMAP, issues=exc.issues)]
    if found is None:
        return []
    text, prefix = found
    try:
        inner = load_document(text)
    except yaml.YAMLError as exc:
        return [
            Checked(
                SCHEDULER_CONFIG_KIND, YUNIKORN_CONFIGMAP, issues=[FieldIssue(prefix, f"not YAML: {exc}")]
            )
        ]
    config, issues = parse_queues(inner)
    issues = [FieldIssue(f"{prefix}.{i.path}" if i.path else prefix, i.message) for i in issues]
    return [Checked(SCHEDULER_CONFIG_KIND, YUNIKORN_CONFIGMAP, config, issues)]


def _foreign(doc: dict[str, Any], kind: str, api_version: Any, name: str) -> list[Checked]:
    # A misspelt kind is only ours to name in an apiVersion we serve, and only if Kubernetes has no such
    # kind there (v1 Secret, rbac.authorization.k8s.io/v1 Role are real kinds of other tools).
    ours = [info.kind for info in KINDS if info.api_version == api_version]
    if ours and not is_kubernetes_kind(str(api_version), kind):
        hint = did_you_mean(kind, ours)
        if hint:
            unknown = FieldIssue("kind", f"unknown kind {shown_value(kind)}{hint}")
            return [Checked(kind, name, issues=[unknown])]
    checked = [Checked(kind, name, skipped=f"{api_version} {kind} is not a kind sparkfleet manages")]
    # Argo resource templates carry manifests as strings: check the ones that are ours where they stand.
    templates = (doc.get("spec") or {}).get("templates") if isinstance(doc.get("spec"), dict) else None
    for i, template in enumerate(templates if isinstance(templates, list) else []):
        resource = template.get("resource") if isinstance(template, dict) else None
        manifest = resource.get("manifest") if isinstance(resource, dict) else None
        if not isinstance(manifest, str):
            continue
        prefix = f"spec.templates[{i}].resource.manifest"
        try:
            inner_docs = load_all(manifest)
        except yaml.YAMLError:
            continue  # Argo parameters ({{...}}) may make the text templated rather than YAML.
        for inner in inner_docs:
            if isinstance(inner, dict) and inner.get("kind") in known_kinds():
                for sub in check_document(inner):
                    sub.issues = [FieldIssue(f"{prefix}: {i.path}", i.message) for i in sub.issues]
                    checked.append(sub)
    return checked


@dataclass
class CheckedText:
    objects: list[Checked]
    warnings: list[str]


def check_text(text: str) -> CheckedText:
    """Every object of a multi-document YAML text; a YAML syntax error is one problem for the file."""
    try:
        docs, warnings = load_all_noting(text)
    except yaml.YAMLError as exc:
        message = " ".join(f"not valid YAML: {exc}".split())
        return CheckedText([Checked("?", "?", issues=[FieldIssue("", message)])], [])
    checked: list[Checked] = []
    for doc in docs:
        checked.extend(check_document(doc))
    warnings.extend(f"{c.kind}/{c.name}: {w}" for c in checked for w in c.warnings)
    return CheckedText(checked, warnings)


def parse_objects(text: str) -> list[Checked]:
    """The valid objects of a manifest text (model and document as written), or ManifestError with every
    problem: nothing partial is returned. Foreign kinds are left out."""
    problems: list[FieldIssue] = []
    found: list[Checked] = []
    for checked in check_text(text).objects:
        if checked.skipped:
            continue
        for issue in checked.issues:
            problems.append(
                FieldIssue(f"{checked.kind}/{checked.name}: {issue.path}".rstrip(": "), issue.message)
            )
        if checked.obj is not None:
            found.append(checked)
    if problems:
        raise ManifestError(problems)
    return found
