"""SparkApplication: blueprint manifests parse unchanged, operator defaults, mistakes name their field."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkfleet.api.base import ManifestError, manifest_path
from sparkfleet.api.sparkapplication import (
    ApplicationType,
    DeployMode,
    DynamicAllocation,
    RestartPolicy,
    RestartPolicyType,
    SparkApplication,
    load_spark_application,
)
from sparkfleet.api.sparkstatus import ApplicationStateType, ExecutorStateType

from .reference import REFERENCE_APPS

MIB = 2**20
GIB = 2**30


def minimal(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "pi", "namespace": "spark-team-a"},
        "spec": {
            "type": "Scala",
            "sparkVersion": "3.5.3",
            "mainClass": "org.apache.spark.examples.SparkPi",
            "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
            "driver": {},
            "executor": {},
        },
    }
    doc["spec"].update(spec)
    return doc


def issues_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ManifestError) as caught:
        load_spark_application(doc)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def only_issue(doc: dict[str, Any]) -> tuple[str, str]:
    found = issues_of(doc)
    assert len(found) == 1, found
    return found[0]


# --- the blueprint's manifests ---


def test_the_blueprint_holds_twenty_three_spark_applications_including_the_argo_ones() -> None:
    names = [name for name, _ in REFERENCE_APPS]
    assert len(names) == 23
    assert sum("argo-spark-workflow-templates" in n for n in names) == 2


@pytest.mark.parametrize("name,doc", REFERENCE_APPS, ids=[n for n, _ in REFERENCE_APPS])
def test_every_blueprint_spark_application_parses_unchanged(name: str, doc: dict[str, Any]) -> None:
    app = load_spark_application(doc)
    assert app.spec.mainApplicationFile == doc["spec"]["mainApplicationFile"]
    assert app.spec.driver.memory == doc["spec"]["driver"].get("memory", "1g")


def test_unquoted_spark_version_and_label_versions_stay_strings() -> None:
    doc = dict(REFERENCE_APPS)["benchmark/spark-operator-benchmark-kit/spark-app-without-webhook.yaml"]
    app = load_spark_application(doc)
    assert app.spec.sparkVersion == "3.5.3"
    assert app.spec.driver.template is not None and app.spec.driver.template.metadata is not None
    assert app.spec.driver.template.metadata.labels == {"spark.apache.org/version": "3.5.3"}
    assert app.spec.driver.memoryOverhead == "0m"
    assert app.spec.driver.core_request_millis() == 100


def test_the_gang_scheduling_job_sizes_its_pods_with_the_explicit_overhead() -> None:
    doc = dict(REFERENCE_APPS)["karpenter/nvme-storage-yunikorn-gang-scheduling.yaml"]
    spec = load_spark_application(doc).spec
    assert spec.batchScheduler == "yunikorn"
    assert spec.batchSchedulerOptions is not None and spec.batchSchedulerOptions.queue == "root.default"
    assert spec.driver_memory_bytes() == 8 * GIB
    assert spec.executor_memory_bytes() == 8 * GIB
    assert spec.initial_executor_count() == 4
    assert spec.driver.core_limit_millis() == 1200


# --- defaults ---


def test_omitted_fields_take_the_operators_defaults() -> None:
    spec = load_spark_application(minimal()).spec
    assert spec.mode == DeployMode.CLUSTER
    assert spec.driver.cores == 1 and spec.executor.cores == 1
    assert spec.driver.memory == "1g" and spec.executor.memory == "1g"
    assert spec.executor.instances == 1
    assert spec.restartPolicy.type == RestartPolicyType.NEVER
    assert spec.suspend is False
    assert spec.dynamicAllocation is None and spec.monitoring is None


def test_an_application_without_status_has_none_until_the_controller_writes_one() -> None:
    app = load_spark_application(minimal())
    assert app.status is None
    assert app.apiVersion == "sparkoperator.k8s.io/v1beta2"
    assert app.kind == "SparkApplication"


def test_retry_intervals_default_to_five_seconds_unless_the_policy_is_never() -> None:
    never = RestartPolicy()
    assert never.with_defaults().onFailureRetryInterval is None
    on_failure = RestartPolicy(type=RestartPolicyType.ON_FAILURE, onFailureRetries=3)
    effective = on_failure.with_defaults()
    assert effective.onFailureRetryInterval == 5
    assert effective.onSubmissionFailureRetryInterval == 5
    assert on_failure.onFailureRetryInterval is None  # the manifest as written is untouched


def test_written_retry_intervals_win_over_the_default() -> None:
    spec = load_spark_application(
        minimal(restartPolicy={"type": "OnFailure", "onFailureRetryInterval": 10, "onFailureRetries": 3})
    ).spec
    effective = spec.effective_restart_policy()
    assert effective.onFailureRetryInterval == 10
    assert effective.onSubmissionFailureRetryInterval == 5


def test_back_off_grows_linearly_with_the_attempts() -> None:
    policy = RestartPolicy(type=RestartPolicyType.ALWAYS, onFailureRetryInterval=10)
    assert [policy.backoff_seconds(n, submission=False) for n in (1, 2, 3)] == [10, 20, 30]
    assert policy.backoff_seconds(2, submission=True) == 10


def test_shuffle_tracking_is_on_when_dynamic_allocation_is_enabled_and_it_is_not_written() -> None:
    assert DynamicAllocation(enabled=True).effective_shuffle_tracking() is True
    assert DynamicAllocation(enabled=True, shuffleTrackingEnabled=False).effective_shuffle_tracking() is False
    assert DynamicAllocation().effective_shuffle_tracking() is False


def test_prometheus_and_ui_options_default_like_the_operator() -> None:
    spec = load_spark_application(
        minimal(monitoring={"prometheus": {"jmxExporterJar": "/prometheus/jmx.jar"}}, sparkUIOptions={})
    ).spec
    assert spec.monitoring is not None and spec.monitoring.prometheus is not None
    assert spec.monitoring.prometheus.port == 8090
    assert spec.sparkUIOptions is not None
    assert spec.sparkUIOptions.servicePortName == "spark-driver-ui-port"
    assert spec.sparkUIOptions.serviceType == "ClusterIP"


def test_in_cluster_client_mode_is_rejected_as_the_crd_does() -> None:
    # The CRD's enum for spec.mode is cluster and client only.
    with pytest.raises(ManifestError) as err:
        load_spark_application(minimal(mode="in-cluster-client"))
    assert err.value.issues[0].path == "spec.mode"
    assert load_spark_application(minimal(mode="client")).spec.mode == DeployMode.CLIENT


def test_a_numeric_spark_version_is_taken_as_text() -> None:
    assert load_spark_application(minimal(sparkVersion=3.5)).spec.sparkVersion == "3.5"


# --- helpers for the engines ---


def test_spark_memory_is_read_in_binary_units_not_as_a_kubernetes_quantity() -> None:
    spec = load_spark_application(minimal(driver={"memory": "512m"})).spec
    assert spec.driver.memory_bytes() == 512 * MIB


def test_overhead_is_ten_percent_for_scala_with_a_384_mebibyte_floor() -> None:
    spec = load_spark_application(minimal(driver={"memory": "512m"}, executor={"memory": "8g"})).spec
    assert spec.memory_overhead_factor() == Fraction(1, 10)
    assert spec.driver_memory_bytes() == (512 + 384) * MIB
    assert spec.executor_memory_bytes() == (8192 + 819) * MIB


def test_overhead_is_forty_percent_for_python_unless_a_factor_is_written() -> None:
    python = load_spark_application(minimal(type="Python", executor={"memory": "4g"})).spec
    assert python.executor_memory_bytes() == (4096 + 1638) * MIB
    factored = load_spark_application(
        minimal(type="Python", executor={"memory": "4g"}, memoryOverheadFactor="0.2")
    ).spec
    assert factored.executor_memory_bytes() == (4096 + 819) * MIB


def test_cpu_request_is_core_request_else_whole_cores() -> None:
    spec = load_spark_application(
        minimal(driver={"cores": 2}, executor={"cores": 4, "coreRequest": "3500m"})
    ).spec
    assert spec.driver.core_request_millis() == 2000
    assert spec.executor.core_request_millis() == 3500
    assert spec.driver.core_limit_millis() is None


def test_initial_executors_with_dynamic_allocation_take_the_largest_bound() -> None:
    spec = load_spark_application(
        minimal(
            executor={"instances": 2},
            dynamicAllocation={"enabled": True, "initialExecutors": 3, "minExecutors": 5, "maxExecutors": 10},
        )
    ).spec
    assert spec.initial_executor_count() == 5


def test_derived_names_follow_the_operator() -> None:
    app = load_spark_application(minimal())
    assert app.driver_pod_name() == "pi-driver"
    assert app.ui_service_name() == "pi-ui-svc"
    conf_named = load_spark_application(minimal(sparkConf={"spark.kubernetes.driver.pod.name": "taxi"}))
    assert conf_named.driver_pod_name() == "taxi"
    field_named = load_spark_application(minimal(driver={"podName": "d"}))
    assert field_named.driver_pod_name() == "d"


def test_image_of_a_role_falls_back_to_the_application_image() -> None:
    spec = load_spark_application(minimal(image="spark:3.5.3", executor={"image": "spark:exec"})).spec
    assert spec.image_for("driver") == "spark:3.5.3"
    assert spec.image_for("executor") == "spark:exec"


def test_status_reads_the_operators_shape() -> None:
    doc = minimal()
    doc["status"] = {
        "sparkApplicationId": "spark-123",
        "applicationState": {"state": "RUNNING"},
        "executorState": {"pi-exec-1": "RUNNING"},
        "executionAttempts": 1,
        "submissionAttempts": 1,
        "driverInfo": {"podName": "pi-driver", "webUIPort": 4040},
    }
    status = load_spark_application(doc).status
    assert status is not None
    assert status.applicationState.state == ApplicationStateType.RUNNING
    assert status.executorState == {"pi-exec-1": ExecutorStateType.RUNNING}
    assert status.transitions == []


# --- invalid manifests: each names its field and the fix ---


def test_a_typo_in_a_driver_field_suggests_the_real_name() -> None:
    assert only_issue(minimal(driver={"memmory": "1g"})) == (
        "spec.driver.memmory",
        'unknown field (did you mean "memory"?)',
    )


def test_a_typo_in_the_spec_suggests_the_real_name() -> None:
    path, message = only_issue(minimal(sparkconf={"a": "b"}))
    assert path == "spec.sparkconf"
    assert 'did you mean "sparkConf"' in message


def test_a_wrong_case_type_suggests_the_allowed_spelling() -> None:
    path, message = only_issue(minimal(type="python"))
    assert path == "spec.type"
    assert 'did you mean "Python"' in message


def test_an_unknown_restart_policy_lists_the_allowed_ones() -> None:
    path, message = only_issue(minimal(restartPolicy={"type": "Sometimes"}))
    assert path == "spec.restartPolicy.type"
    assert "'Never', 'OnFailure' or 'Always'" in message


def test_zero_cores_are_refused() -> None:
    path, message = only_issue(minimal(executor={"cores": 0}))
    assert path == "spec.executor.cores"
    assert "greater than or equal to 1" in message


def test_zero_executor_instances_are_refused() -> None:
    path, message = only_issue(minimal(executor={"instances": 0}))
    assert path == "spec.executor.instances"
    assert "greater than or equal to 1" in message


def test_an_unknown_memory_unit_names_the_spark_units() -> None:
    path, message = only_issue(minimal(driver={"memory": "1x"}))
    assert path == "spec.driver.memory"
    assert "unit 'x' is not one of b, k, m, g, t, p" in message


def test_a_kubernetes_quantity_is_not_a_spark_memory_string() -> None:
    path, message = only_issue(minimal(executor={"memoryOverhead": "1Gi"}))
    assert path == "spec.executor.memoryOverhead"
    assert "Spark/JVM units" in message


def test_a_bad_core_limit_is_reported_as_a_quantity() -> None:
    path, message = only_issue(minimal(driver={"coreLimit": "1.2 cores"}))
    assert path == "spec.driver.coreLimit"
    assert "invalid quantity" in message


@pytest.mark.parametrize("field", ["type", "sparkVersion", "mainApplicationFile", "driver", "executor"])
def test_each_required_spec_field_is_reported_when_missing(field: str) -> None:
    doc = minimal()
    del doc["spec"][field]
    assert only_issue(doc) == (f"spec.{field}", "required field is missing")


def test_an_unquoted_number_in_labels_asks_to_quote_it() -> None:
    doc = minimal()
    doc["metadata"]["labels"] = {"version": 3.5}
    path, message = only_issue(doc)
    assert path == 'metadata.labels["version"]'
    assert 'quote it in the YAML ("3.5")' in message


def test_an_unquoted_boolean_in_spark_conf_asks_to_quote_it() -> None:
    path, message = only_issue(minimal(sparkConf={"spark.speculation": False}))
    assert path == 'spec.sparkConf["spark.speculation"]'
    assert '("false")' in message


def test_an_unquoted_core_limit_asks_to_quote_it() -> None:
    path, message = only_issue(minimal(driver={"coreLimit": 2}))
    assert path == "spec.driver.coreLimit"
    assert '("2")' in message


def test_a_python_version_must_be_two_or_three() -> None:
    path, message = only_issue(minimal(type="Python", pythonVersion="3.11"))
    assert path == "spec.pythonVersion"
    assert "'2' or '3'" in message


def test_a_prometheus_port_outside_the_registered_range_is_refused() -> None:
    path, message = only_issue(minimal(monitoring={"prometheus": {"jmxExporterJar": "/j.jar", "port": 80}}))
    assert path == "spec.monitoring.prometheus.port"
    assert "greater than or equal to 1024" in message


def test_negative_retries_are_refused() -> None:
    path, message = only_issue(minimal(restartPolicy={"type": "OnFailure", "onFailureRetries": -1}))
    assert path == "spec.restartPolicy.onFailureRetries"
    assert "greater than or equal to 0" in message


def test_a_zero_retry_interval_is_refused() -> None:
    path, _ = only_issue(minimal(restartPolicy={"type": "OnFailure", "onFailureRetryInterval": 0}))
    assert path == "spec.restartPolicy.onFailureRetryInterval"


def test_a_bad_overhead_factor_says_what_a_factor_looks_like() -> None:
    path, message = only_issue(minimal(memoryOverheadFactor="ten percent"))
    assert path == "spec.memoryOverheadFactor"
    assert '"0.1"' in message


def test_the_wrong_kind_is_refused() -> None:
    doc = minimal()
    doc["kind"] = "SparkApp"
    path, message = only_issue(doc)
    assert path == "kind"
    assert "SparkApplication" in message


def test_all_problems_are_reported_together() -> None:
    doc = minimal(driver={"cores": 0, "memory": "lots"})
    del doc["spec"]["type"]
    assert sorted(path for path, _ in issues_of(doc)) == [
        "spec.driver.cores",
        "spec.driver.memory",
        "spec.type",
    ]


def test_manifest_paths_quote_map_keys_and_skip_union_tags() -> None:
    loc = ("spec", "driver", "template", "spec", "containers", 0, "resources", "limits", "cpu", "str")
    assert (
        manifest_path(SparkApplication, loc)
        == 'spec.driver.template.spec.containers[0].resources.limits["cpu"]'
    )


# --- round trip ---

_label = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_memory = st.builds(  # a positive amount: Spark refuses a heap of 0
    lambda n, u: f"{n}{u}", st.integers(1, 4096), st.sampled_from(["m", "g", "k", "", "M", "G"])
)
_pod = st.fixed_dictionaries(
    {},
    optional={
        "cores": st.integers(1, 96),
        "memory": _memory,
        "memoryOverhead": _memory,
        "coreLimit": st.builds(lambda m: f"{m}m", st.integers(1, 96000)),
        "coreRequest": st.sampled_from(["0.1", "500m", "2", "1.5"]),
        "labels": st.dictionaries(_label, _label, max_size=3),
        "annotations": st.dictionaries(_label, _text, max_size=3),
        "nodeSelector": st.dictionaries(_label, _label, max_size=2),
        "serviceAccount": _label,
        "env": st.lists(st.fixed_dictionaries({"name": _label, "value": _text}), max_size=2),
        "tolerations": st.lists(
            st.fixed_dictionaries(
                {
                    "key": _label,
                    "operator": st.just("Exists"),
                    "effect": st.sampled_from(["NoSchedule", "NoExecute"]),
                }
            ),
            max_size=2,
        ),
        "javaOptions": _text,
    },
)
_spec = st.fixed_dictionaries(
    {
        "type": st.sampled_from([t.value for t in ApplicationType]),
        "sparkVersion": st.from_regex(r"[34]\.[0-9]\.[0-9]", fullmatch=True),
        "mainApplicationFile": st.builds(lambda n: f"local:///opt/{n}.jar", _label),
        "driver": _pod,
        "executor": st.builds(lambda pod, n: {**pod, "instances": n}, _pod, st.integers(1, 500)),
    },
    optional={
        "mode": st.sampled_from(["cluster", "client"]),
        "image": _label,
        "arguments": st.lists(_text, max_size=3),
        "sparkConf": st.dictionaries(st.builds(lambda k: f"spark.{k}", _label), _text, max_size=4),
        "hadoopConf": st.dictionaries(_label, _text, max_size=2),
        "restartPolicy": st.fixed_dictionaries(
            {"type": st.sampled_from(["Never", "OnFailure", "Always"])},
            optional={"onFailureRetries": st.integers(0, 10), "onFailureRetryInterval": st.integers(1, 600)},
        ),
        "dynamicAllocation": st.fixed_dictionaries(
            {"enabled": st.booleans()},
            optional={"minExecutors": st.integers(0, 5), "maxExecutors": st.integers(5, 50)},
        ),
        "deps": st.fixed_dictionaries({}, optional={"jars": st.lists(_label, max_size=2)}),
        "timeToLiveSeconds": st.integers(0, 86400),
        "suspend": st.booleans(),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_spec, name=_label)
def test_a_model_survives_the_trip_through_yaml(spec: dict[str, Any], name: str) -> None:
    doc = {"metadata": {"name": name, "namespace": "default"}, "spec": copy.deepcopy(spec)}
    app = SparkApplication.model_validate(doc)
    text = yaml.safe_dump(app.to_dict(), sort_keys=False)
    assert SparkApplication.model_validate(yaml.safe_load(text)) == app
