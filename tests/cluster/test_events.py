"""Events: recorded on the object they concern, aggregated like Kubernetes within ten minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import Invalid
from sparkfleet.cluster.events import AGGREGATION_WINDOW, EventType, event_order, events_for, record_event
from support.objects import node, pod, spark_app


def test_an_event_records_the_involved_object_reason_and_source(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    app = cluster.create(spark_app("pi", namespace="spark"))
    event = record_event(
        cluster,
        app,
        EventType.NORMAL,
        "SparkApplicationSubmitted",
        "submitted pi",
        clock.now(),
        "sparkfleet-operator",
    )
    assert event["apiVersion"] == "v1"
    assert event["kind"] == "Event"
    assert event["metadata"]["namespace"] == "spark"
    assert event["metadata"]["name"].startswith("pi.")
    assert event["involvedObject"] == {
        "kind": "SparkApplication",
        "namespace": "spark",
        "name": "pi",
        "uid": app["metadata"]["uid"],
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "resourceVersion": app["metadata"]["resourceVersion"],
    }
    assert (event["reason"], event["message"], event["type"]) == (
        "SparkApplicationSubmitted",
        "submitted pi",
        "Normal",
    )
    assert event["count"] == 1
    assert event["firstTimestamp"] == event["lastTimestamp"] == "2026-01-02T03:04:05Z"
    assert event["source"] == {"component": "sparkfleet-operator"}
    assert event["reportingComponent"] == "sparkfleet-operator"


def test_a_repeat_within_ten_minutes_increments_count_and_last_timestamp(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    driver = cluster.create(pod("pi-driver"))
    first = record_event(
        cluster, driver, "Warning", "FailedScheduling", "0/3 nodes fit", clock.now(), "sched"
    )
    clock.advance(5 * 60)
    second = record_event(
        cluster, driver, "Warning", "FailedScheduling", "0/3 nodes fit", clock.now(), "sched"
    )
    clock.advance(AGGREGATION_WINDOW.total_seconds())
    third = record_event(
        cluster, driver, "Warning", "FailedScheduling", "0/3 nodes fit", clock.now(), "sched"
    )
    assert second["metadata"]["name"] == third["metadata"]["name"] == first["metadata"]["name"]
    assert third["count"] == 3
    assert third["firstTimestamp"] == "2026-01-02T03:04:05Z"
    assert third["lastTimestamp"] == "2026-01-02T03:19:05Z"
    assert len(events_for(cluster, "Pod", "default", "pi-driver")) == 1


def test_a_repeat_after_ten_quiet_minutes_starts_a_new_event(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    driver = cluster.create(pod("pi-driver"))
    record_event(cluster, driver, "Warning", "FailedScheduling", "no fit", clock.now(), "sched")
    clock.advance(AGGREGATION_WINDOW.total_seconds() + 1)
    later = record_event(cluster, driver, "Warning", "FailedScheduling", "no fit", clock.now(), "sched")
    assert later["count"] == 1
    assert [e["count"] for e in events_for(cluster, "Pod", "default", "pi-driver")] == [1, 1]


@pytest.mark.parametrize(
    ("type_", "reason", "message", "component"),
    [
        ("Normal", "FailedScheduling", "no fit", "sched"),
        ("Warning", "Preempted", "no fit", "sched"),
        ("Warning", "FailedScheduling", "other message", "sched"),
        ("Warning", "FailedScheduling", "no fit", "other-component"),
    ],
)
def test_events_differing_in_type_reason_message_or_source_are_not_aggregated(
    cluster: EmbeddedCluster, clock: VirtualClock, type_: str, reason: str, message: str, component: str
) -> None:
    driver = cluster.create(pod("pi-driver"))
    record_event(cluster, driver, "Warning", "FailedScheduling", "no fit", clock.now(), "sched")
    record_event(cluster, driver, type_, reason, message, clock.now(), component)
    assert [e["count"] for e in events_for(cluster, "Pod", "default", "pi-driver")] == [1, 1]


def test_a_new_object_with_the_same_name_gets_its_own_events(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    old = cluster.create(pod("pi-driver"))
    record_event(cluster, old, "Normal", "Started", "started", clock.now(), "kubelet")
    cluster.delete("Pod", "default", "pi-driver")
    new = cluster.create(pod("pi-driver"))
    event = record_event(cluster, new, "Normal", "Started", "started", clock.now(), "kubelet")
    assert event["count"] == 1
    assert event["involvedObject"]["uid"] == new["metadata"]["uid"]


def test_events_of_cluster_scoped_objects_live_in_default(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    n = cluster.create(node("ip-10-0-0-1"))
    event = record_event(cluster, n, "Normal", "Registered", "node registered", clock.now(), "kubelet")
    assert event["metadata"]["namespace"] == "default"
    assert "namespace" not in event["involvedObject"]
    assert events_for(cluster, "Node", None, "ip-10-0-0-1") == [event]


def test_events_for_is_sorted_by_time_and_ignores_other_objects(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    driver = cluster.create(pod("pi-driver"))
    other_namespace = cluster.create(pod("pi-driver", namespace="spark"))
    app = cluster.create(spark_app("pi-driver"))
    record_event(cluster, driver, "Normal", "Scheduled", "bound to n1", clock.now(), "sched")
    clock.advance(10)
    record_event(cluster, driver, "Normal", "Pulled", "image present", clock.now(), "kubelet")
    clock.advance(10)
    record_event(cluster, driver, "Normal", "Started", "started", clock.now(), "kubelet")
    record_event(cluster, other_namespace, "Normal", "Scheduled", "elsewhere", clock.now(), "sched")
    record_event(cluster, app, "Normal", "Submitted", "same name, other kind", clock.now(), "operator")
    clock.advance(10)
    record_event(cluster, driver, "Normal", "Scheduled", "bound to n1", clock.now(), "sched")
    assert [e["reason"] for e in events_for(cluster, "Pod", "default", "pi-driver")] == [
        "Pulled",
        "Started",
        "Scheduled",
    ]
    assert [e["message"] for e in events_for(cluster, "Pod", "spark", "pi-driver")] == ["elsewhere"]


def test_events_at_the_same_instant_get_distinct_names(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    driver = cluster.create(pod("pi-driver"))
    names = {
        record_event(cluster, driver, "Normal", f"Step{i}", "same instant", clock.now(), "x")["metadata"][
            "name"
        ]
        for i in range(5)
    }
    assert len(names) == 5


def test_messages_with_selector_syntax_aggregate_correctly(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    driver = cluster.create(pod("pi-driver"))
    message = "0/3 nodes available: 1 Insufficient cpu, 2 node(s) had taint {spot=true}"
    record_event(cluster, driver, "Warning", "FailedScheduling", message, clock.now(), "sched")
    clock.advance(timedelta(minutes=1).total_seconds())
    again = record_event(cluster, driver, "Warning", "FailedScheduling", message, clock.now(), "sched")
    assert again["count"] == 2


def test_event_types_are_normal_or_warning(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    driver = cluster.create(pod("pi-driver"))
    with pytest.raises(Invalid, match="Normal or Warning"):
        record_event(cluster, driver, "Error", "Oops", "bad type", clock.now(), "x")
    with pytest.raises(Invalid, match=r"kind and metadata\.name"):
        record_event(cluster, {"metadata": {}}, "Normal", "X", "no object", clock.now(), "x")


def test_events_of_an_earlier_object_with_the_same_name_are_not_the_new_one_s(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    old = cluster.create(pod("pi-driver"))
    record_event(cluster, old, "Warning", "Failed", "exit code 2", clock.now(), "kubelet")
    cluster.delete("Pod", "default", "pi-driver")
    new = cluster.create(pod("pi-driver"))
    clock.advance(1)
    record_event(cluster, new, "Normal", "Started", "started", clock.now(), "kubelet")
    mine = events_for(cluster, "Pod", "default", "pi-driver", new["metadata"]["uid"])
    assert [e["reason"] for e in mine] == ["Started"]
    assert [e["reason"] for e in events_for(cluster, "Pod", "default", "pi-driver")] == ["Failed", "Started"]


def test_events_recorded_in_the_same_second_keep_the_order_they_were_recorded(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    driver = cluster.create(pod("pi-driver"))
    # Names are hashes, so the store's own order is not the order of recording.
    reasons = ["Scheduled", "Pulled", "Created", "Started", "Killing", "Failed", "BackOff", "Evicted"]
    for reason in reasons:
        record_event(cluster, driver, "Normal", reason, reason.lower(), clock.now(), "kubelet")
    assert [e["reason"] for e in events_for(cluster, "Pod", "default", "pi-driver")] == reasons
    assert [e["reason"] for e in sorted(cluster.list("Event").items, key=event_order)] == reasons
