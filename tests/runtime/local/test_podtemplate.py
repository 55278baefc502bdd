"""The executor pod template Spark gets: the application's placement and volumes, without what Spark's
feature steps add themselves."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.engine.submission import EXECUTOR_SPARK_ENV, build_submission
from sparkfleet.runtime.local.podtemplate import executor_pod_template

from ..builders import spark_app


def executor_pod(**spec: Any) -> dict[str, Any]:
    sub = build_submission(
        SparkApplication.model_validate(spark_app(**spec)), "0b8e5c2a-1111-2222-3333-444455556666"
    )
    return sub.executor_template.pod


def test_the_template_keeps_placement_and_leaves_out_what_spark_sets() -> None:
    pod = executor_pod()
    pod["spec"]["tolerations"] = [{"key": "spark", "operator": "Exists", "effect": "NoSchedule"}]
    template = executor_pod_template(pod)
    assert template["spec"]["tolerations"] == pod["spec"]["tolerations"]
    assert "name" not in template["metadata"] and "hostname" not in template["spec"]
    assert all("{{" not in value for value in template["metadata"]["labels"].values())
    assert "spark-role" not in template["metadata"]["labels"]
    container = template["spec"]["containers"][0]
    assert not {"args", "ports", "resources"} & set(container)
    names = {var["name"] for var in container.get("env") or []}
    assert not names & EXECUTOR_SPARK_ENV and not any(n.startswith("SPARK_JAVA_OPT_") for n in names)
    assert pod["metadata"]["name"]  # the stored pod is left as it was


def test_spark_mounts_its_conf_and_local_dirs_itself() -> None:
    pod = executor_pod()
    pod["spec"]["volumes"] = [
        {"name": "spark-conf-volume-exec", "configMap": {"name": "x"}},
        {"name": "spark-local-dir-1", "hostPath": {"path": "/mnt/k8s-disks/0"}},
        {"name": "od", "persistentVolumeClaim": {"claimName": "pi-exec-{{EXECUTOR_ID}}-pvc-0"}},
        {"name": "data", "configMap": {"name": "data"}},
    ]
    pod["spec"]["containers"][0]["volumeMounts"] = [
        {"name": v["name"], "mountPath": f"/m/{v['name']}"} for v in pod["spec"]["volumes"]
    ]
    template = executor_pod_template(pod)
    assert [v["name"] for v in template["spec"]["volumes"]] == ["data"]
    assert [m["name"] for m in template["spec"]["containers"][0]["volumeMounts"]] == ["data"]


def test_a_user_variable_of_the_executor_stays() -> None:
    pod = executor_pod()
    pod["spec"]["containers"][0]["env"].append({"name": "MY_SETTING", "value": "1"})
    env = executor_pod_template(pod)["spec"]["containers"][0]["env"]
    assert {"name": "MY_SETTING", "value": "1"} in env
