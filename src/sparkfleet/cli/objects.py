"""The object verbs shared by `sparkfleet` and `sparkctl`: apply, get, describe, delete, events.

They speak Kubernetes: stored objects are the documents as written (validated first, all of them, so a
bad file stores nothing), updates keep status, deletes cascade to what the object owns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from sparkfleet.api.base import FieldIssue, ManifestError
from sparkfleet.api.manifests import parse_objects
from sparkfleet.api.redaction import redact_message, redacted_object
from sparkfleet.api.registry import ALL_CATEGORY, in_category
from sparkfleet.api.wire import ANNOTATION_LAST_APPLIED, ANNOTATION_TIMELINE
from sparkfleet.api.yamlio import DocumentRefused, dump_yaml, dump_yaml_all, read_text
from sparkfleet.cli.printers import cell_text, print_table, shown, title
from sparkfleet.cli.validate import manifest_files
from sparkfleet.cluster import (
    Cluster,
    KindInfo,
    NotFound,
    Obj,
    age,
    event_order,
    events_for,
    lookup,
    stored_form,
)

ALL_KINDS = tuple(info.kind for info in in_category(ALL_CATEGORY))
"""What `get all` lists, as `kubectl get all` does: a namespace's pods, services and Spark work."""


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


@dataclass(frozen=True)
class Applied:
    kind: str
    name: str
    namespace: str | None
    outcome: str  # created | configured | unchanged

    def __str__(self) -> str:
        return f"{resource_name(lookup(self.kind), self.name)} {self.outcome}"


def resource_name(info: KindInfo, name: str) -> str:
    """`kind.group/name` as kubectl prints it: `pod/driver`, `sparkapplication.sparkoperator.k8s.io/pi`."""
    kind = f"{info.kind.lower()}.{info.group}" if info.group else info.kind.lower()
    return f"{kind}/{name}"


def load_documents(paths: list[Path]) -> list[Obj]:
    """Every object of every file, validated; ManifestError (with file names) if anything is wrong."""
    docs: list[Obj] = []
    problems: list[FieldIssue] = []
    for path in manifest_files(paths):
        try:
            text = read_text(path)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except DocumentRefused as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            docs.extend(dict(c.doc) for c in parse_objects(text) if c.doc is not None)
        except ManifestError as exc:
            problems.extend(FieldIssue(f"{path}: {i.path}", i.message) for i in exc.issues)
    if problems:
        raise ManifestError(problems)
    return docs


def _placed(doc: Obj, namespace: str | None) -> Obj:
    info = lookup(doc["kind"])
    meta = dict(doc.get("metadata") or {})
    if info.namespaced:
        written = meta.get("namespace")
        if namespace and written and written != namespace:
            raise CommandError(
                f"{doc['kind']}/{meta.get('name')}: the namespace in the file ({written}) does not match "
                f"-n {namespace}; drop one of them"
            )
        meta["namespace"] = written or namespace or "default"
    return {**doc, "metadata": meta}


def apply_documents(cluster: Cluster, docs: list[Obj], namespace: str | None = None) -> list[Applied]:
    placed = [_placed(d, namespace) for d in docs]
    for doc in placed:  # check every namespace before writing anything
        ns = doc["metadata"].get("namespace")
        if ns and not _exists(cluster, "Namespace", None, ns):
            raise CommandError(
                f'{doc["kind"]}/{doc["metadata"].get("name")}: namespace "{ns}" not found; '
                f"create it first (a Namespace manifest in the same apply is not enough: apply it before)"
            )
    results: list[Applied] = []
    for doc in placed:
        meta = doc["metadata"]
        name, ns = meta.get("name"), meta.get("namespace")
        if not name:  # generateName: always a new object
            created = cluster.create(doc)
            results.append(Applied(doc["kind"], created["metadata"]["name"], ns, "created"))
            continue
        try:
            current = cluster.get(doc["kind"], ns, name)
        except NotFound:
            cluster.create(doc)
            results.append(Applied(doc["kind"], name, ns, "created"))
            continue
        # Compared as the server would store it (a Secret's stringData is merged into its data).
        desired = stored_form(lookup(doc["kind"]), _desired(current, doc))
        if _content(desired) == _content(current):
            results.append(Applied(doc["kind"], name, ns, "unchanged"))
            continue
        cluster.update(desired)
        results.append(Applied(doc["kind"], name, ns, "configured"))
    return results


def _desired(current: Obj, doc: Obj) -> Obj:
    """The current object with the document's content: labels, annotations and every non-status field."""
    meta = dict(current["metadata"])
    for key in ("labels", "annotations"):
        if key in doc["metadata"]:
            meta[key] = doc["metadata"][key]
        else:
            meta.pop(key, None)
    body: Obj = {k: v for k, v in doc.items() if k not in ("metadata", "status")}
    body["metadata"] = meta
    if "status" in current:
        body["status"] = current["status"]
    return body


def _content(obj: Obj) -> Any:
    meta = obj.get("metadata") or {}
    return (
        {k: v for k, v in obj.items() if k not in ("metadata", "status")},
        meta.get("labels") or {},
        meta.get("annotations") or {},
    )


def _exists(cluster: Cluster, kind: str, namespace: str | None, name: str) -> bool:
    try:
        cluster.get(kind, namespace, name)
    except NotFound:
        return False
    return True


def get_objects(
    cluster: Cluster,
    kind: str,
    name: str | None,
    namespace: str | None,
    all_namespaces: bool,
    selector: str | None = None,
) -> list[Obj]:
    info = lookup(kind)
    ns = None if (all_namespaces or not info.namespaced) else (namespace or "default")
    if name:
        return [cluster.get(info.kind, ns, name)]
    return cluster.list(info.kind, ns, label_selector=selector).items


def render_table(
    console: Console,
    kind: str,
    objs: list[Obj],
    now: datetime,
    with_namespace: bool,
    *,
    wide: bool = False,
    with_kind: bool = False,
) -> None:
    """The objects under their kind's printer columns (`wide`: the priority-1 ones too); `with_kind`
    names them `kind.group/name`, as kubectl does when it prints several kinds."""
    if not objs:
        console.print("No resources found.")
        return
    info = lookup(kind)
    columns = shown(info.kind, wide)
    rows = [[cell_text(column.cell(obj, now)) for column in columns] for obj in objs]
    if with_kind:
        at = next((i for i, c in enumerate(columns) if c.format == "name"), 0)
        for row in rows:
            row[at] = resource_name(info, row[at])
    titles = [title(c) for c in columns]
    if with_namespace:
        titles.insert(0, "NAMESPACE")
        for row, obj in zip(rows, objs, strict=True):
            row.insert(0, str(obj["metadata"].get("namespace", "")))
    print_table(console, titles, rows)


def render_output(objs: list[Obj], output: str, single: bool) -> str:
    if output == "name":
        return "\n".join(resource_name(lookup(o["kind"]), o["metadata"]["name"]) for o in objs)
    if output == "json":
        if single:
            return json.dumps(objs[0], indent=2)
        return json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}, indent=2)
    if output == "yaml":
        return dump_yaml(objs[0]) if single else dump_yaml_all(objs)
    raise CommandError(f'unknown output format "{output}"; use one of: wide, name, yaml, json')


def get_all(
    console: Console,
    cluster: Cluster,
    namespace: str | None,
    all_namespaces: bool,
    selector: str | None,
    output: str | None,
    now: datetime,
) -> str | None:
    """`get all`: a table per kind of ALL_KINDS that has objects (printed), or the text of `-o`."""
    found = [
        (kind, get_objects(cluster, kind, None, namespace, all_namespaces, selector)) for kind in ALL_KINDS
    ]
    found = [(kind, objs) for kind, objs in found if objs]
    if output is not None and output != "wide":
        return render_output([o for _, objs in found for o in objs], output, single=False)
    if not found:
        console.print("No resources found.")
    for index, (kind, objs) in enumerate(found):
        if index:
            console.print()
        render_table(console, kind, objs, now, all_namespaces, wide=output == "wide", with_kind=True)
    return None


def describe_text(cluster: Cluster, stored: Obj, now: datetime) -> str:
    """The object as a person reads it: secrets in its conf, environment and data redacted (Spark's
    rule, api.redaction), kubectl's last-applied copy left out as `kubectl describe` leaves it."""
    obj = redacted_object(stored)
    meta = obj["metadata"]
    lines = [
        f"Name:         {meta['name']}",
        *([f"Namespace:    {meta['namespace']}"] if meta.get("namespace") else []),
        f"Kind:         {obj['kind']}",
        f"Created:      {meta.get('creationTimestamp')} ({age(meta.get('creationTimestamp'), now)} ago)",
    ]
    for key in ("labels", "annotations"):
        # the timeline has its own section below
        hidden = (ANNOTATION_LAST_APPLIED, ANNOTATION_TIMELINE)
        items = {k: v for k, v in (meta.get(key) or {}).items() if k not in hidden}
        lines.append(
            f"{key.capitalize() + ':':<14}" + (", ".join(f"{k}={v}" for k, v in items.items()) or "<none>")
        )
    if obj["kind"] == "SparkApplication":
        lines.extend(_describe_spark_application(obj))
        lines.extend(_describe_timeline(obj, now))
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    if body:
        lines.append("")
        lines.append(dump_yaml(body).rstrip())
    lines.append("")
    lines.append("Events:")
    events = events_for(cluster, obj["kind"], meta.get("namespace"), meta["name"], meta.get("uid"))
    if not events:
        lines.append("  <none>")
    for ev in events:
        count = ev.get("count") or 1
        seen = age(ev.get("lastTimestamp"), now)
        times = f" (x{count})" if count > 1 else ""
        lines.append(
            f"  {ev.get('type', ''):<8} {ev.get('reason', ''):<28} {seen:>5}{times}  "
            + redact_message(str(ev.get("message", "")))
        )
    return "\n".join(lines)


def _describe_timeline(obj: Obj, now: datetime) -> list[str]:
    """The `sparkfleet.io/timeline` annotation as `sparkfleet explain` prints it (nothing until kept)."""
    from sparkfleet.api.appinsight import timeline_of
    from sparkfleet.cli.explain_verbs import timeline_lines

    entries = timeline_of(obj)
    if not entries:
        return []
    return ["", "Timeline:", *(f"  {line}" if line else "" for line in timeline_lines(entries, now))]


def _describe_spark_application(obj: Obj) -> list[str]:
    status = obj.get("status") or {}
    state = (status.get("applicationState") or {}).get("state") or "NEW"
    error = redact_message(str((status.get("applicationState") or {}).get("errorMessage") or "")) or None
    driver = status.get("driverInfo") or {}
    ui = (
        f"  UI {driver.get('webUIServiceName')}:{driver.get('webUIPort')}"
        if driver.get("webUIServiceName")
        else ""
    )
    lines = [
        "",
        f"State:        {state}" + (f" ({error})" if error else ""),
        f"Attempts:     execution {status.get('executionAttempts', 0)}, "
        f"submission {status.get('submissionAttempts', 0)}",
        f"Application:  {status.get('sparkApplicationId') or '<none>'}",
        f"Driver:       {driver.get('podName') or '<none>'}{ui}",
    ]
    executors = status.get("executorState") or {}
    lines.append(f"Executors:    {len(executors) or '<none>'}")
    for pod, st in sorted(executors.items()):
        lines.append(f"  {pod}: {st}")
    return lines


def event_rows(cluster: Cluster, namespace: str | None, involved: str | None) -> list[Obj]:
    if involved:
        kind, _, name = involved.partition("/")
        if not name:
            raise CommandError(f'--for takes KIND/NAME (e.g. sparkapplication/pi), got "{involved}"')
        info = lookup(kind)
        try:
            # The object as it is now: events of an earlier one that had its name are not its own.
            found = cluster.get(info.kind, (namespace or "default") if info.namespaced else None, name)
            uid = found["metadata"].get("uid")
        except NotFound:
            uid = None
        return events_for(cluster, info.kind, namespace, name, uid)
    return sorted(cluster.list("Event", namespace).items, key=event_order)
