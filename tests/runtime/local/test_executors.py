"""Executors of a running driver, made as Spark's backend makes them, ended with the driver."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.cluster import NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler
from sparkfleet.reconcile import Controller
from sparkfleet.runtime.local.executors import (
    create_executors,
    driver_executors,
    executors_of,
    finish_executors,
)

from ..builders import START, on_demand_claims, spark_app


def submitted_driver(store: EmbeddedCluster, clock: Any, **spec: Any) -> dict[str, Any]:
    """The driver pod the SparkApplication controller creates for the pi application."""
    controller = Controller(SparkApplicationReconciler(store, clock), store, clock)
    store.create(spark_app(**spec))
    controller.enqueue_all()
    controller.run_until_idle()
    driver: dict[str, Any] = store.get("Pod", "spark-team-a", "pyspark-pi-driver")
    return driver


def test_a_driver_made_by_no_application_has_no_executors_to_make(store: EmbeddedCluster) -> None:
    pod = {"metadata": {"name": "d", "namespace": "ns", "labels": {"spark-role": "driver"}}}
    assert driver_executors(store, pod) is None


def test_executors_are_owned_by_the_driver_with_their_claims_and_conf(
    store: EmbeddedCluster, clock: Any
) -> None:
    driver = submitted_driver(store, clock, sparkConf=on_demand_claims("executor"))
    executors_from = driver_executors(store, driver)
    assert executors_from is not None
    assert create_executors(store, executors_from, driver, set(), START) == [1, 2]
    executors = executors_of(store, driver)
    assert sorted(p["metadata"]["labels"]["spark-exec-id"] for p in executors) == ["1", "2"]
    for pod in executors:
        assert pod["metadata"]["ownerReferences"][0]["uid"] == driver["metadata"]["uid"]
        assert pod["spec"]["schedulerName"] == "yunikorn"
    claims = store.list("PersistentVolumeClaim", "spark-team-a").items
    assert sorted(c["metadata"]["name"].rsplit("-exec-", 1)[1] for c in claims) == ["1-pvc-0", "2-pvc-0"]
    assert all(c["metadata"]["ownerReferences"][0]["name"] == "pyspark-pi-driver" for c in claims)
    config_map = store.get("ConfigMap", "spark-team-a", executors_from.template.config_map)
    assert config_map["metadata"]["ownerReferences"][0]["uid"] == driver["metadata"]["uid"]
    assert create_executors(store, executors_from, driver, {1}, START) == [2], "already made ones are skipped"


def test_executors_follow_the_drivers_own_submission_not_a_later_edit_of_its_application(
    store: EmbeddedCluster, clock: Any
) -> None:
    driver = submitted_driver(store, clock)
    clock.advance(30)
    app = store.get("SparkApplication", "spark-team-a", "pyspark-pi")
    app["spec"]["executor"]["instances"] = 5
    app["spec"]["executor"]["labels"] = {"edited": "later"}
    store.update(app)
    executors_from = driver_executors(store, driver)
    assert executors_from is not None
    # the submission time is the driver's, not the time the executors are made
    assert executors_from.conf["spark.app.submitTime"] == str(int(START.timestamp() * 1000))
    assert create_executors(store, executors_from, driver, set(), clock.now()) == [1, 2]
    assert all("edited" not in p["metadata"]["labels"] for p in executors_of(store, driver))


@pytest.mark.parametrize(
    ("exit_code", "phase", "executor_exit", "reason"),
    [(0, "Succeeded", 0, "Completed"), (2, "Failed", 1, "Error")],
)
def test_bound_executors_end_as_their_driver_did_and_pending_ones_are_deleted(
    store: EmbeddedCluster, clock: Any, exit_code: int, phase: str, executor_exit: int, reason: str
) -> None:
    driver = submitted_driver(store, clock)
    executors_from = driver_executors(store, driver)
    assert executors_from is not None
    create_executors(store, executors_from, driver, set(), START)
    first, second = sorted(executors_of(store, driver), key=lambda p: p["metadata"]["name"])
    store.bind("spark-team-a", first["metadata"]["name"], "ip-1")
    finish_executors(store, driver, exit_code, START)
    ended = store.get("Pod", "spark-team-a", first["metadata"]["name"])
    assert ended["status"]["phase"] == phase
    terminated = ended["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (executor_exit, reason)
    with pytest.raises(NotFound):
        store.get("Pod", "spark-team-a", second["metadata"]["name"])
