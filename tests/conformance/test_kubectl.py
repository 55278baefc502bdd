"""The real kubectl against the embedded API, verb by verb, as against kube-apiserver.

Cheap objects only (ConfigMaps, Pods no scheduler takes, Events, a NodePool): no node is launched and
Spark never runs. What tests/e2e already checks with kubectl (the walk-through's watch, describe and
logs of a real application; `get crds`, `api-resources -o name` and `explain
sparkapplication.spec.driver`) is not repeated here.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from support.kubectl import Kubectl

pytestmark = pytest.mark.e2e


def configmap(name: str, **data: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"suite": "conformance"}},
            "data": data,
        }
    )


def apply(kubectl: Kubectl, manifest: str, tmp_path: Path, *flags: str) -> str:
    path = tmp_path / f"manifest-{time.monotonic_ns()}.yaml"
    path.write_text(manifest)
    return kubectl.ok("apply", "-f", str(path), *flags).strip()


def pod(name: str) -> str:
    """A Pod with two containers that stays Pending: its scheduler is none that runs here."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "schedulerName": "conformance-no-scheduler",
                "containers": [
                    {"name": "main", "image": "busybox:1.36"},
                    {"name": "side", "image": "busybox:1.36"},
                ],
            },
        }
    )


def test_apply_client_side_then_server_side(kubectl: Kubectl, tmp_path: Path) -> None:
    assert apply(kubectl, configmap("applied", a="1"), tmp_path) == "configmap/applied created"
    assert apply(kubectl, configmap("applied", a="1"), tmp_path) == "configmap/applied unchanged"
    assert apply(kubectl, configmap("applied", a="2"), tmp_path) == "configmap/applied configured"
    got = json.loads(kubectl.ok("get", "configmap", "applied", "-o", "json"))
    last = json.loads(got["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["data"] == {"a": "2"}
    applied = apply(kubectl, configmap("applied", a="3", b="4"), tmp_path, "--server-side")
    assert applied == "configmap/applied serverside-applied"
    assert kubectl.ok("get", "configmap", "applied", "-o", "jsonpath={.data}") == '{"a":"3","b":"4"}'
    created = apply(kubectl, configmap("ssa-only", x="z"), tmp_path, "--server-side", "--field-manager=suite")
    assert created == "configmap/ssa-only serverside-applied"


def test_get_in_every_output_format(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("formats", a="1", b="2"), tmp_path)
    header, row = kubectl.ok("get", "configmap", "formats", "-o", "wide").splitlines()
    assert header.split() == ["NAME", "DATA", "AGE"] and row.split()[:2] == ["formats", "2"]
    as_yaml = yaml.safe_load(kubectl.ok("get", "configmap", "formats", "-o", "yaml"))
    as_json = json.loads(kubectl.ok("get", "configmap", "formats", "-o", "json"))
    assert as_yaml == as_json
    assert (as_json["apiVersion"], as_json["kind"], as_json["data"]) == (
        "v1",
        "ConfigMap",
        {"a": "1", "b": "2"},
    )
    assert as_json["metadata"]["resourceVersion"] and as_json["metadata"]["uid"]
    listed = json.loads(kubectl.ok("get", "configmaps", "-l", "suite=conformance", "-o", "json"))
    assert listed["kind"] == "List" and "formats" in [i["metadata"]["name"] for i in listed["items"]]
    assert kubectl.ok("get", "configmap", "formats", "-o", "jsonpath={.data.b}") == "2"
    names = kubectl.ok(
        "get", "configmaps", "-l", "suite=conformance", "-o", "jsonpath={.items[*].metadata.name}"
    )
    assert "formats" in names.split()
    assert kubectl.ok("get", "configmap", "formats", "-o", "name").strip() == "configmap/formats"


def test_a_watch_reports_a_change_and_stops_at_its_deadline(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("watched", a="1"), tmp_path)
    started = time.monotonic()
    with kubectl.background(
        "get", "configmap", "watched", "-w", "--output-watch-events", "--request-timeout=4s"
    ) as watch:
        time.sleep(1.5)  # the watch is open before the change
        apply(kubectl, configmap("watched", a="2"), tmp_path)
        output, _ = watch.communicate(timeout=30)
    assert watch.returncode == 0, output
    assert time.monotonic() - started < 30, "the request timeout ends the watch"
    events = [line.split()[0] for line in output.splitlines()[1:]]
    assert events[:2] == ["ADDED", "MODIFIED"], output


def test_describe_shows_the_object_and_its_events(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("described", a="1"), tmp_path)
    uid = kubectl.ok("get", "configmap", "described", "-o", "jsonpath={.metadata.uid}")
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "described.conformance"},
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": "described",
            "namespace": "default",
            "uid": uid,
        },
        "reason": "Checked",
        "message": "seen by the conformance suite",
        "type": "Warning",
        "source": {"component": "conformance"},
        "count": 1,
        "firstTimestamp": "2026-01-02T03:04:05Z",
        "lastTimestamp": "2026-01-02T03:04:05Z",
    }
    apply(kubectl, yaml.safe_dump(event), tmp_path)
    described = kubectl.ok("describe", "configmap", "described")
    assert "Name:         described" in described and "suite=conformance" in described
    events = described.split("Events:")[1].splitlines()
    assert events[1].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[3].split()[:2] == ["Warning", "Checked"] and "seen by the conformance suite" in events[3]


def test_logs_of_a_pod_not_yet_on_a_node_are_a_bad_request(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, pod("no-logs-yet"), tmp_path)
    done = kubectl.run("logs", "no-logs-yet", "-c", "main")
    assert done.returncode == 1
    assert done.stderr.startswith(
        'Error from server (BadRequest): container "main" in pod "no-logs-yet" is waiting to start'
    )


def owned(name: str, owner: str, uid: str) -> str:
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner, "uid": uid}
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "ownerReferences": [reference]}}
    )


@pytest.mark.parametrize("cascade", ["foreground", "background", "orphan"])
def test_delete_with_each_cascade(kubectl: Kubectl, tmp_path: Path, cascade: str) -> None:
    owner = f"owner-{cascade}"
    apply(kubectl, configmap(owner), tmp_path)
    uid = kubectl.ok("get", "configmap", owner, "-o", "jsonpath={.metadata.uid}")
    apply(kubectl, owned(f"{owner}-dependent", owner, uid), tmp_path)
    deleted = kubectl.ok("delete", "configmap", owner, f"--cascade={cascade}", "--timeout=30s")
    assert deleted.strip() == f'configmap "{owner}" deleted'
    assert kubectl.run("get", "configmap", owner).returncode == 1
    if cascade == "orphan":
        dependent = json.loads(kubectl.ok("get", "configmap", f"{owner}-dependent", "-o", "json"))
        assert "ownerReferences" not in dependent["metadata"], "an orphan loses its owner's reference"
    else:
        kubectl.ok("wait", "--for=delete", f"configmap/{owner}-dependent", "--timeout=30s")


def test_label_and_annotate(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("marked"), tmp_path)
    assert kubectl.ok("label", "configmap", "marked", "tier=gold").strip() == "configmap/marked labeled"
    refused = kubectl.run("label", "configmap", "marked", "tier=silver")
    assert refused.returncode == 1 and "already has a value (gold)" in refused.stderr
    kubectl.ok("label", "configmap", "marked", "tier=silver", "--overwrite")
    assert kubectl.ok("annotate", "configmap", "marked", "note=hi").strip() == "configmap/marked annotated"
    labels = json.loads(kubectl.ok("get", "configmap", "marked", "-o", "jsonpath={.metadata.labels}"))
    assert labels == {"suite": "conformance", "tier": "silver"}
    assert kubectl.ok("get", "configmaps", "-l", "tier=silver", "-o", "name").split() == ["configmap/marked"]
    kubectl.ok("label", "configmap", "marked", "tier-")
    kubectl.ok("annotate", "configmap", "marked", "note-")
    got = json.loads(kubectl.ok("get", "configmap", "marked", "-o", "json"))["metadata"]
    assert "tier" not in got["labels"] and "note" not in got.get("annotations", {})


def test_patch_merge_json_and_strategic(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("patched", a="1"), tmp_path)
    kubectl.ok("patch", "configmap", "patched", "--type=merge", "-p", '{"data":{"b":"2","a":null}}')
    kubectl.ok(
        "patch", "configmap", "patched", "--type=json", "-p", '[{"op":"add","path":"/data/c","value":"3"}]'
    )
    assert kubectl.ok("get", "configmap", "patched", "-o", "jsonpath={.data}") == '{"b":"2","c":"3"}'
    failed = kubectl.run(
        "patch", "configmap", "patched", "--type=json", "-p", '[{"op":"test","path":"/data/b","value":"9"}]'
    )
    assert failed.returncode == 1 and failed.stderr.startswith(
        "The request is invalid: JSON patch test failed"
    )

    # Strategic merge: a Pod's containers merge by name, so patching one image keeps the other container.
    apply(kubectl, pod("strategic"), tmp_path)
    patch = '{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}'
    assert kubectl.ok("patch", "pod", "strategic", "-p", patch).strip() == "pod/strategic patched"
    containers = json.loads(kubectl.ok("get", "pod", "strategic", "-o", "jsonpath={.spec.containers}"))
    assert [(c["name"], c["image"]) for c in containers] == [
        ("main", "busybox:1.36"),
        ("side", "busybox:1.37"),
    ]


def test_edit_through_kube_editor(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("edited", a="before"), tmp_path)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/a: before/a: after/" "$1"\n')
    editor.chmod(0o700)
    done = subprocess.run(
        [kubectl.binary, "edit", "configmap", "edited"],
        env={**kubectl.env, "KUBE_EDITOR": str(editor)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "configmap/edited edited"
    assert kubectl.ok("get", "configmap", "edited", "-o", "jsonpath={.data.a}") == "after"


def test_api_resources_by_group_and_scope(kubectl: Kubectl) -> None:
    spark = kubectl.ok("api-resources", "--api-group=sparkoperator.k8s.io", "-o", "wide").splitlines()
    assert spark[0].split()[:5] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    row = next(line.split() for line in spark if line.startswith("sparkapplications "))
    assert row[1:5] == ["sparkapp", "sparkoperator.k8s.io/v1beta2", "true", "SparkApplication"]
    assert "create" in row[5] and "watch" in row[5]
    cluster_scoped = kubectl.ok("api-resources", "--namespaced=false", "-o", "name").split()
    assert {"nodepools.karpenter.sh", "nodes", "namespaces"} <= set(cluster_scoped)
    assert "configmaps" not in cluster_scoped


def test_explain_a_karpenter_kind_and_get_its_crd(kubectl: Kubectl) -> None:
    explained = kubectl.ok("explain", "nodepool.spec.disruption")
    assert "GROUP:      karpenter.sh" in explained and "consolidationPolicy" in explained
    names = kubectl.ok("get", "crd", "nodepools.karpenter.sh", "-o", "jsonpath={.spec.names.kind}")
    assert names == "NodePool"


def test_auth_can_i_follows_the_token(kubectl: Kubectl, reader: Kubectl) -> None:
    assert kubectl.ok("auth", "can-i", "create", "configmaps").strip() == "yes"
    assert kubectl.ok("auth", "can-i", "*", "*").strip() == "yes"
    assert reader.ok("auth", "can-i", "list", "sparkapplications").strip() == "yes"
    refused = reader.run("auth", "can-i", "delete", "pods")
    assert (refused.returncode, refused.stdout.strip()) == (1, "no")


def test_wait_for_a_jsonpath_value(kubectl: Kubectl, tmp_path: Path) -> None:
    apply(kubectl, configmap("awaited", phase="starting"), tmp_path)
    with kubectl.background(
        "wait", "--for=jsonpath={.data.phase}=ready", "configmap/awaited", "--timeout=30s"
    ) as waiting:
        time.sleep(1)
        kubectl.ok("patch", "configmap", "awaited", "--type=merge", "-p", '{"data":{"phase":"ready"}}')
        output, _ = waiting.communicate(timeout=40)
    assert waiting.returncode == 0, output
    assert output.strip() == "configmap/awaited condition met"
    timed_out = kubectl.run("wait", "--for=jsonpath={.data.phase}=never", "configmap/awaited", "--timeout=1s")
    assert timed_out.returncode == 1 and "timed out" in timed_out.stderr
