"""The driver's headless service (golden) and the operator's UI service."""

from __future__ import annotations

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import SubmissionOptions, build_submission

from .reference import APP_UID, GOLDEN_OPTIONS, SUBMISSION_ID, golden, golden_app, golden_manifest, renamed

GOLDEN_DRIVER_UID = "132bdff0-0318-4d11-8f27-5c4c532b152d"


def test_the_headless_driver_service_is_the_one_spark_submit_applies() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    driver = {
        **submission.driver_pod,
        "metadata": {**submission.driver_pod["metadata"], "uid": GOLDEN_DRIVER_UID},
    }
    service = submission.dependents(driver)[1]
    expected = renamed(
        golden("02-Service-pyspark-pi-karpenter-1b49eda20ac030ea-driver-svc.json"),
        {
            "spark-dfd5ccfb64f748508bf11cefa73ff623": submission.spark_app_id,
            "pyspark-pi-karpenter-1b49eda20ac030ea-driver-svc": service["metadata"]["name"],
        },
    )
    expected["metadata"]["namespace"] = "spark-team-a"
    assert service == expected


def test_the_driver_service_name_is_the_resource_prefix_and_spark_driver_host_points_at_it() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    name = submission.services[0]["metadata"]["name"]
    assert name.startswith("pyspark-pi-karpenter-") and name.endswith("-driver-svc")
    assert len(name) == len("pyspark-pi-karpenter-") + 16 + len("-driver-svc")
    assert submission.conf["spark.driver.host"] == f"{name}.spark-team-a.svc"


def test_a_long_application_name_gets_the_short_spark_service_name() -> None:
    manifest = golden_manifest()
    manifest["metadata"]["name"] = "a-very-long-application-name-that-fills-most-of-a-dns-label"
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    name = submission.services[0]["metadata"]["name"]
    assert name.startswith("spark-") and name.endswith("-driver-svc") and len(name) <= 63


def test_the_ui_service_is_owned_by_the_application_and_selects_its_driver() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    ui = submission.services[1]
    assert ui == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "labels": {
                "sparkoperator.k8s.io/app-name": "pyspark-pi-karpenter",
                "sparkoperator.k8s.io/submission-id": SUBMISSION_ID,
            },
            "name": "pyspark-pi-karpenter-ui-svc",
            "namespace": "spark-team-a",
            "ownerReferences": [
                {
                    "apiVersion": "sparkoperator.k8s.io/v1beta2",
                    "kind": "SparkApplication",
                    "name": "pyspark-pi-karpenter",
                    "uid": APP_UID,
                    "controller": True,
                }
            ],
        },
        "spec": {
            "ports": [{"name": "spark-driver-ui-port", "port": 4040, "targetPort": 4040}],
            "selector": {"sparkoperator.k8s.io/app-name": "pyspark-pi-karpenter", "spark-role": "driver"},
            "type": "ClusterIP",
        },
    }
    assert (submission.ui_service_name, submission.ui_port) == ("pyspark-pi-karpenter-ui-svc", 4040)


def test_spark_ui_options_set_the_ui_service_port_type_labels_and_annotations() -> None:
    manifest = golden_manifest({"spark.ui.port": "4041"})
    manifest["spec"]["sparkUIOptions"] = {
        "servicePort": 80,
        "servicePortName": "http",
        "serviceType": "NodePort",
        "serviceLabels": {"expose": "yes"},
        "serviceAnnotations": {"lb": "internal"},
    }
    ui = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).services[1]
    assert ui["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 4041}]
    assert ui["spec"]["type"] == "NodePort"
    assert ui["metadata"]["labels"] == {"expose": "yes"}
    assert ui["metadata"]["annotations"] == {"lb": "internal"}


def test_an_application_name_too_long_for_a_ui_service_still_gets_a_valid_one() -> None:
    manifest = golden_manifest()
    manifest["metadata"]["name"] = "an-application-name-of-sixty-characters-that-is-a-dns-label"
    ui = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).services[1]
    name = ui["metadata"]["name"]
    assert len(name) <= 63 and name.endswith("-ui-svc")


def test_the_ui_service_can_be_turned_off() -> None:
    options = SubmissionOptions(default_batch_scheduler=None, ui_service=False)
    submission = build_submission(golden_app(), SUBMISSION_ID, options)
    assert [s["metadata"]["name"].endswith("-driver-svc") for s in submission.services] == [True]
    assert submission.ui_service_name is None


def test_driver_service_labels_and_annotations_come_from_the_spec() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["serviceLabels"] = {"tier": "spark"}
    manifest["spec"]["driver"]["serviceAnnotations"] = {"prometheus.io/scrape": "true"}
    service = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).services[0]
    assert service["metadata"]["labels"]["tier"] == "spark"
    assert service["metadata"]["annotations"] == {"prometheus.io/scrape": "true"}
