"""`sparkfleet kubeconfig`: the running cluster's kubeconfig, printed or merged into kubectl's own file
(as `kind export kubeconfig` does).

Merging replaces the cluster, user and context entries of the same name (`sparkfleet-<cluster>`) and
keeps every other entry; the file is rewritten atomically with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.error import MarkedYAMLError

from sparkfleet.api.yamlio import dump_yaml, load_one
from sparkfleet.cli.home import KUBECONFIG_FILE, read_server
from sparkfleet.cli.objects import CommandError
from sparkfleet.platform import cluster_home
from sparkfleet.privatefiles import PRIVATE_DIR_MODE, write_private

__all__ = [
    "SECTIONS",
    "kubectl_config_path",
    "merge_kubeconfig",
    "merge_running_kubeconfig",
    "running_kubeconfig",
]

SECTIONS = ("clusters", "users", "contexts")
"""The named lists of a kubeconfig."""


def running_kubeconfig(cluster: str) -> str:
    """The text of the kubeconfig `up` wrote for the running cluster."""
    home = cluster_home(cluster)
    if read_server(home) is None:
        raise CommandError(
            f"cluster {cluster} is not running; start it with `sparkfleet up --cluster {cluster}`"
        )
    try:
        return (home / KUBECONFIG_FILE).read_text()
    except FileNotFoundError:
        raise CommandError(
            f"cluster {cluster} has no {home / KUBECONFIG_FILE}; restart it with `sparkfleet down` and `up`"
        ) from None


def kubectl_config_path() -> Path:
    """The file kubectl writes to: the first path in $KUBECONFIG, else ~/.kube/config."""
    first = next((p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p), None)
    return Path(first).expanduser() if first else Path.home() / ".kube" / "config"


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    try:
        config = load_one(text)
    except yaml.YAMLError as exc:
        mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CommandError(
            f"{path} is not valid YAML{where}; fix it or point $KUBECONFIG elsewhere"
        ) from None
    if config is None:
        return {}
    if not isinstance(config, dict) or not all(isinstance(config.get(s) or [], list) for s in SECTIONS):
        raise CommandError(f"{path} is not a kubeconfig; fix it or point $KUBECONFIG elsewhere")
    return config


def merge_kubeconfig(entries: dict[str, Any], path: Path) -> dict[str, Any]:
    """Add the clusters, users and contexts of `entries` to the kubeconfig at `path`, replacing those of
    the same name; its current context is set only when it has none. Returns what was written."""
    merged = {"apiVersion": "v1", "kind": "Config", **_read_config(path)}
    for section in SECTIONS:
        names = {entry["name"] for entry in entries[section]}
        kept = [e for e in merged.get(section) or [] if not (isinstance(e, dict) and e.get("name") in names)]
        merged[section] = kept + list(entries[section])
    if not merged.get("current-context"):
        merged["current-context"] = entries["current-context"]
    merged.setdefault("preferences", {})
    target = path.resolve()  # through a symlink (dotfile managers), not over it
    target.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    write_private(target, dump_yaml(merged))
    return merged


def merge_running_kubeconfig(cluster: str) -> list[str]:
    """Merge the running cluster's kubeconfig into kubectl's; what to tell the user."""
    entries = load_one(running_kubeconfig(cluster))
    target = kubectl_config_path()
    merged = merge_kubeconfig(entries, target)
    name = entries["current-context"]
    if merged["current-context"] == name:
        return [f'context "{name}" is in {target}, and kubectl uses it now']
    return [
        f'context "{name}" is in {target}',
        f"switch kubectl to it with: kubectl config use-context {name}",
    ]
