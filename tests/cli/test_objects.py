"""apply / get / describe / delete / events against the embedded store, as a user types them."""

from pathlib import Path

import pytest

from sparkfleet.clock import SystemClock
from sparkfleet.cluster import record_event
from sparkfleet.platform import cluster_home, open_embedded_store
from support.cli import PI, sf

pytestmark = pytest.mark.usefixtures("home")


def test_apply_creates_then_reports_unchanged_then_configured(tmp_path: Path) -> None:
    assert sf("apply", "-f", str(PI))[:2] == (
        0,
        "sparkapplication.sparkoperator.k8s.io/pyspark-pi-karpenter created\n",
    )
    assert sf("apply", "-f", str(PI))[1].endswith("unchanged\n")
    changed = tmp_path / "pi.yaml"
    changed.write_text(PI.read_text().replace('memory: "512m"', 'memory: "1g"', 1))
    assert sf("apply", "-f", str(changed))[1].endswith("configured\n")


def test_apply_of_an_invalid_file_stores_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        PI.read_text() + "---\napiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: p}\nspec: {}\n"
    )
    code, _, err = sf("apply", "-f", str(bad))
    assert code == 1
    assert "NodePool/p" in err
    assert sf("get", "sparkapp", "-A")[1].strip() == "No resources found."


def test_apply_of_a_file_that_is_not_utf8_names_it_and_stores_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(PI.read_bytes().replace(b"pyspark-pi", b"pyspark-\xe9", 1))
    code, _, err = sf("apply", "-f", str(bad))
    assert code == 1
    assert f"{bad}: not UTF-8 text: byte 0xe9" in err
    assert "Traceback" not in err
    assert sf("get", "sparkapp", "-A")[1].strip() == "No resources found."


def test_apply_into_a_missing_namespace_is_refused_with_the_fix(tmp_path: Path) -> None:
    other = tmp_path / "ns.yaml"
    other.write_text(PI.read_text().replace("namespace: spark-team-a", "namespace: nowhere"))
    code, _, err = sf("apply", "-f", str(other))
    assert code == 1
    assert 'namespace "nowhere" not found' in err


def test_get_lists_with_the_operator_columns_and_outputs_yaml_and_json() -> None:
    sf("apply", "-f", str(PI))
    code, out, _ = sf("get", "sparkapplications", "-n", "spark-team-a")
    assert code == 0
    assert out.split()[:7] == ["NAME", "SUSPEND", "STATUS", "ATTEMPTS", "START", "FINISH", "AGE"]
    assert "pyspark-pi-karpenter" in out
    code, out, _ = sf("get", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a", "-o", "yaml")
    assert code == 0
    assert "kind: SparkApplication" in out
    assert "resourceVersion:" in out
    code, out, _ = sf("get", "sparkapp", "-A", "-o", "json")
    assert '"kind": "List"' in out


def test_default_namespaces_exist() -> None:
    out = sf("get", "namespaces")[1]
    for name in ("default", "spark-team-a", "spark-team-b", "spark-team-c", "yunikorn"):
        assert name in out


def test_describe_shows_state_and_events_section() -> None:
    sf("apply", "-f", str(PI))
    code, out, _ = sf("describe", "sparkapplication", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 0
    assert "State:        NEW" in out
    assert "Events:" in out


def test_describe_says_why_a_driver_could_not_start() -> None:
    sf("apply", "-f", str(PI))
    store = open_embedded_store(cluster_home(), SystemClock())
    app = store.get("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")
    why = (
        "driver container failed with ExitCode: 128, Reason: StartError, Message: spec.mainApplicationFile: "
        "local:///opt/spark/jars/app.jar is not in the local runtime's image"
    )
    app["status"] = {"applicationState": {"state": "FAILED", "errorMessage": why}}
    store.update_status(app)
    store.close()
    code, out, _ = sf("describe", "sparkapplication", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 0
    assert f"State:        FAILED ({why})" in out


def test_delete_removes_and_a_second_delete_is_not_found() -> None:
    sf("apply", "-f", str(PI))
    assert sf("delete", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a")[:2] == (
        0,
        'sparkapplication "pyspark-pi-karpenter" deleted\n',
    )
    code, _, err = sf("delete", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 1
    assert "not found" in err


def test_unknown_kind_lists_the_known_ones() -> None:
    code, _, err = sf("get", "sparkapps-typo")
    assert code == 1
    assert "SparkApplication" in err


def test_events_of_a_quiet_cluster_are_empty() -> None:
    assert sf("events", "-A")[1].strip() == "No resources found."


def test_logs_of_an_application_without_a_driver_say_why() -> None:
    sf("apply", "-f", str(PI))
    code, _, err = sf("logs", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 1
    assert "has no driver pod yet (state: NEW)" in err


def test_run_of_a_file_without_one_application_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "ns.yaml"
    empty.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    code, _, err = sf("run", str(empty))
    assert code == 1
    assert "exactly one SparkApplication" in err


def test_the_blueprint_configuration_is_in_a_new_cluster() -> None:
    out = sf("get", "nodepools")[1]
    for name in ("spark-compute-optimized", "spark-graviton-memory-optimized", "spark-memory-optimized"):
        assert name in out
    assert "yunikorn-configs" in sf("get", "configmaps", "-n", "yunikorn")[1]


def test_describe_and_events_for_show_only_the_current_object_s_events_in_recorded_order(
    home: Path,
) -> None:
    store = open_embedded_store(cluster_home(), SystemClock())
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pi-driver", "namespace": "default"}}
    old = store.create({**body, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    now = SystemClock().now()
    record_event(store, old, "Warning", "Failed", "the earlier pod failed", now, "kubelet")
    store.delete("Pod", "default", "pi-driver")
    new = store.create({**body, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    reasons = ["Scheduled", "Pulled", "Created", "Started", "Killing", "BackOff"]
    for reason in reasons:
        record_event(store, new, "Normal", reason, reason.lower(), now, "kubelet")
    store.close()
    code, described, _ = sf("describe", "pod", "pi-driver")
    assert code == 0
    shown = [line.split()[1] for line in described.split("Events:\n", 1)[1].splitlines()]
    assert shown == reasons
    code, listed, _ = sf("events", "--for", "pod/pi-driver")
    assert code == 0
    assert "the earlier pod failed" not in listed
    code, everything, _ = sf("events")
    rows = [line.split() for line in everything.splitlines()[1:]]
    assert [row[2] for row in rows] == ["Failed", *reasons], "the earlier pod's events stay in the list"


SECRET_VALUE = "s3cr3t-from-conf"


def test_describe_redacts_spark_conf_secrets_and_shows_a_secret_by_size(tmp_path: Path) -> None:
    app = PI.read_text().replace(
        "  sparkConf:\n",
        f'  sparkConf:\n    "spark.hadoop.fs.s3a.secret.key": "{SECRET_VALUE}"\n',
        1,
    )
    assert app != PI.read_text(), "the example has a sparkConf to add to"
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        app + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: spark-team-a}\n"
        f"stringData: {{password: {SECRET_VALUE}}}\n"
    )
    assert sf("apply", "-f", str(manifest))[0] == 0
    store = open_embedded_store(cluster_home(), SystemClock())
    app_obj = store.get("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")
    record_event(
        store,
        app_obj,
        "Warning",
        "SubmissionFailed",
        f"spark.hadoop.fs.s3a.secret.key={SECRET_VALUE} was refused",
        SystemClock().now(),
        "test",
    )
    store.close()
    code, out, _ = sf("describe", "sparkapplication", "pyspark-pi-karpenter", "-n", "spark-team-a")
    assert code == 0
    assert "spark.hadoop.fs.s3a.secret.key: '*********(redacted)'" in out
    assert "spark.hadoop.fs.s3a.secret.key=*********(redacted) was refused" in out
    assert SECRET_VALUE not in out
    code, described, _ = sf("describe", "secret", "db", "-n", "spark-team-a")
    assert code == 0 and "password: 16 bytes" in described and "type: Opaque" in described
    assert SECRET_VALUE not in described
    code, as_stored, _ = sf("get", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a", "-o", "yaml")
    assert code == 0 and SECRET_VALUE in as_stored, "-o yaml is the stored object, as kubectl shows it"


def test_a_secret_applied_twice_is_unchanged_and_then_configured_by_its_string_data(tmp_path: Path) -> None:
    manifest = tmp_path / "secret.yaml"
    written = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: default}\nstringData: {password: %s}\n"
    )
    manifest.write_text(written % "one")
    assert sf("apply", "-f", str(manifest))[1] == "secret/db created\n"
    assert sf("apply", "-f", str(manifest))[1] == "secret/db unchanged\n"
    manifest.write_text(written % "two")
    assert sf("apply", "-f", str(manifest))[1] == "secret/db configured\n"
    code, table, _ = sf("get", "secrets")
    assert code == 0 and table.split("\n")[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert table.split("\n")[1].split()[:3] == ["db", "Opaque", "1"]
