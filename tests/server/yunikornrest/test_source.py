"""One read of the scheduler's world: its saved state, or the configured queues before it has run."""

from __future__ import annotations

from pathlib import Path

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server.yunikornrest import gather
from support.objects import pod
from support.schedulerworld import APP_ID, NODE, NS


def test_before_the_scheduler_runs_the_queues_are_the_configured_ones(
    tmp_path: Path, clock: VirtualClock
) -> None:
    store = EmbeddedCluster(tmp_path / "other" / "store.db", clock)
    try:
        view = gather(store)
    finally:
        store.close()
    assert view.live is False and view.apps == {}
    assert [q.path for q in view.queues] == ["root"]  # the default config: root, placement creates leaves
    assert all(not q.allocated for q in view.queues)


def test_the_saved_state_pods_and_nodes_are_read(cluster: EmbeddedCluster, world: dict[str, Obj]) -> None:
    cluster.create(pod("other", NS, schedulerName="someone-else", nodeName=NODE))
    cluster.create(pod("done", NS, {"spark-app-selector": APP_ID}))
    cluster.patch("Pod", NS, "done", {"status": {"phase": "Succeeded"}}, subresource="status")
    view = gather(cluster)
    assert view.live is True
    assert sorted(view.apps) == [APP_ID, "spark-0002", "spark-0003"]
    assert [q.path for q in view.queues] == ["root", "root.prod", "root.test"]
    assert sorted(p.name for p in view.pods_of(APP_ID)) == [
        "pi-driver",
        "pi-exec-1",
        "tg-pi-spark-executor-0",
    ]
    assert sorted(p.name for p in view.pods_on(NODE)) == ["pi-driver", "tg-pi-spark-executor-0"]
    assert [p["metadata"]["name"] for p in view.other_pods] == ["other"]
    assert (
        view.partition.nodesortpolicy is not None and str(view.partition.nodesortpolicy.type) == "binpacking"
    )
