"""The deployment's RBAC (deploy/base) checked against the calls a client made, as an API server's audit
log records them: what would be refused with a 403 on EKS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sparkfleet.server.audit import read_audit_log

ROOT = Path(__file__).resolve().parents[2]
ROLES = (ROOT / "deploy" / "base" / "rbac.yaml", ROOT / "deploy" / "base" / "leader-election.yaml")


def deployment_rules() -> list[dict[str, Any]]:
    """The rules of the controller's ClusterRole and of its leader-election Role. The Role's namespace
    is the Deployment's; on one machine the Lease lives in `default`, so its rules are matched by
    resource alone."""
    rules: list[dict[str, Any]] = []
    for path in ROLES:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") in ("ClusterRole", "Role"):
                rules += doc.get("rules") or []
    return rules


def _matches(rule: dict[str, Any], group: str, resource: str, verb: str, name: str) -> bool:
    def has(key: str, value: str) -> bool:
        values = rule.get(key) or []
        return "*" in values or value in values

    names = rule.get("resourceNames") or []
    return (
        has("apiGroups", group)
        and has("resources", resource)
        and has("verbs", verb)
        and (not names or name in names)
    )


def refused_calls(audit_log: Path, user_agent: str, rules: list[dict[str, Any]] | None = None) -> list[str]:
    """`verb group/resource[/subresource]` of each call by `user_agent` that `rules` do not allow."""
    rules = deployment_rules() if rules is None else rules
    refused: set[str] = set()
    for event in read_audit_log(audit_log):
        if event.get("userAgent") != user_agent:
            continue
        ref = event.get("objectRef")
        if ref is None:  # discovery, /version: every authenticated user may read them
            continue
        resource = ref["resource"] + (f"/{ref['subresource']}" if ref.get("subresource") else "")
        verb, group, name = event["verb"], ref.get("apiGroup", ""), ref.get("name", "")
        if not any(_matches(rule, group, resource, verb, name) for rule in rules):
            refused.add(f"{verb} {group or 'core'}/{resource}")
    return sorted(refused)


def calls_made(audit_log: Path, user_agent: str) -> set[str]:
    """Every `verb group/resource` `user_agent` made."""
    found: set[str] = set()
    for event in read_audit_log(audit_log):
        ref = event.get("objectRef")
        if event.get("userAgent") == user_agent and ref is not None:
            resource = ref["resource"] + (f"/{ref['subresource']}" if ref.get("subresource") else "")
            found.add(f"{event['verb']} {ref.get('apiGroup') or 'core'}/{resource}")
    return found
