"""What the console's pages show, read from the world of support.schedulerworld."""

from __future__ import annotations

from datetime import UTC, datetime

from sparkfleet.api.wire import ANNOTATION_COST, ANNOTATION_TIMELINE
from sparkfleet.cluster import Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server.console import views
from sparkfleet.server.console.pages import HISTORY_SERVER
from sparkfleet.server.yunikornrest import gather
from support.schedulerworld import APP, APP_ID, NODE, NS


def test_an_application_row_joins_the_spark_app_its_scheduler_app_pods_cost_and_timeline(
    cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    (app,) = views.applications(cluster, gather(cluster), HISTORY_SERVER)
    assert (app.namespace, app.name, app.state, app.app_id) == (NS, APP, "SUBMITTED", APP_ID)
    assert app.queue == "root.test" and app.scheduler_state == "Reserving"
    assert app.gang == "placeholders 1/1 bound, members 1/2 bound"
    assert app.executors == "0 of 2 running"
    assert app.nodes == (NODE,)
    assert [p[:2] for p in app.pods] == [
        ("pi-driver", "driver"),
        ("pi-exec-1", "executor"),
        ("tg-pi-spark-executor-0", "placeholder"),
    ]
    assert app.cost is not None and app.cost.total == 0.0123 and app.cost.placeholder_waste == 0.0011
    assert app.timeline is not None and [p.phase for p in app.timeline] == ["Submitted", "GangReserving"]
    assert app.blocker is not None and app.blocker.message == "1 of 2 executor placeholders bound"
    assert app.spark_ui == f"/api/v1/namespaces/{NS}/services/pi-ui-svc:4040/proxy/"
    assert app.history == f"{HISTORY_SERVER}/history/{APP_ID}/"


def test_a_gang_whose_pods_all_ended_is_still_said_to_have_been_one(
    cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    cluster.delete("Pod", NS, "tg-pi-spark-executor-0")
    for name in ("pi-driver", "pi-exec-1"):
        cluster.patch("Pod", NS, name, {"status": {"phase": "Succeeded"}}, subresource="status")
    (app,) = views.applications(cluster, gather(cluster), HISTORY_SERVER)
    assert app.gang == "gang of 2 members, ended"


def test_an_application_without_annotations_has_no_cost_or_timeline(
    cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    cluster.patch(
        "SparkApplication",
        NS,
        APP,
        {"metadata": {"annotations": {ANNOTATION_COST: None, ANNOTATION_TIMELINE: None}}},
    )
    (app,) = views.applications(cluster, gather(cluster), HISTORY_SERVER)
    assert app.cost is None and app.timeline is None and app.blocker is None


def test_nodes_show_pool_type_capacity_zone_price_and_pods(
    cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    (node,) = views.nodes(cluster, gather(cluster))
    assert (node.name, node.pool, node.instance_type, node.capacity_type, node.zone) == (
        NODE,
        "default",
        "m5.xlarge",
        "on-demand",
        "us-west-2a",
    )
    assert node.price == 0.192 and node.ready
    assert node.pods == (f"{NS}/pi-driver", f"{NS}/tg-pi-spark-executor-0")


def test_node_claims_show_their_fallbacks_and_events(cluster: EmbeddedCluster, world: dict[str, Obj]) -> None:
    (claim,) = views.node_claims(cluster)
    assert claim.node == NODE and claim.price == 0.192
    assert claim.fallbacks == (
        "m5.large/us-west-2a/spot had no capacity",
        "planned m5.large/us-west-2a/spot, launched m5.xlarge/us-west-2a/on-demand",
    )
    (event,) = claim.events
    assert event.startswith("InsufficientCapacityError: m5.large spot in us-west-2a: no capacity")


def test_events_newest_first(cluster: EmbeddedCluster, world: dict[str, Obj]) -> None:
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "later", "namespace": NS},
            "involvedObject": {"kind": "SparkApplication", "namespace": NS, "name": APP},
            "reason": "SparkDriverRunning",
            "message": "driver running",
            "lastTimestamp": "2026-01-02T03:30:00Z",
        }
    )
    rows = views.events(cluster)
    assert [r.reason for r in rows] == ["SparkDriverRunning", "InsufficientCapacityError"]
    assert rows[0].object == f"SparkApplication {NS}/{APP}" and rows[0].type == "Normal"
    assert rows[0].at == datetime(2026, 1, 2, 3, 30, tzinfo=UTC)


def test_queue_rows_in_tree_order_with_yunikorn_amounts(
    cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    rows = views.queues(gather(cluster))
    assert [(r.path, r.depth) for r in rows] == [("root", 0), ("root.prod", 1), ("root.test", 1)]
    test = rows[2]
    assert (test.guaranteed, test.max, test.used, test.pending) == (
        "{memory: 4Gi, vcore: 2}",
        "{memory: 32Gi, vcore: 8}",
        "{memory: 3Gi, vcore: 2}",
        "{memory: 1Gi, vcore: 1}",
    )
    assert test.apps == (APP_ID,)
