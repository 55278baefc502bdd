"""The DAO builders' rules: the core's state names, YuniKorn's resource names, the headroom up the tree."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.engine.scheduling import AppState, Resources
from sparkfleet.server.yunikornrest import gather
from sparkfleet.server.yunikornrest.dao import core_state_name, dao_resources, queue_dao


@pytest.mark.parametrize(
    ("state", "allocated", "core"),
    [
        (AppState.NEW, False, "New"),
        (AppState.SUBMITTED, False, "New"),
        (AppState.ACCEPTED, False, "Accepted"),
        (AppState.RESERVING, False, "Accepted"),
        (AppState.RESERVING, True, "Running"),
        (AppState.RUNNING, True, "Running"),
        (AppState.COMPLETED, False, "Completed"),
        (AppState.REJECTED, False, "Rejected"),
        (AppState.FAILING, True, "Failing"),
        (AppState.FAILED, False, "Failed"),
        (AppState.RESUMING, False, "Resuming"),
    ],
)
def test_shim_states_read_as_the_cores(state: AppState, allocated: bool, core: str) -> None:
    assert core_state_name(state, allocated) == core


def test_resources_use_yunikorns_names_and_count_pods() -> None:
    res = Resources({"cpu": 1500, "memory": 2048, "nvidia.com/gpu": 1})
    assert dao_resources(res) == {"vcore": 1500, "memory": 2048, "nvidia.com/gpu": 1}
    assert dao_resources(res, pods=2)["pods"] == 2
    assert dao_resources(Resources()) == {}


def test_headroom_is_the_tightest_max_up_the_tree(cluster: EmbeddedCluster, world: object) -> None:
    view = gather(cluster)
    test = next(q for q in view.queues if q.path == "root.test")
    # root.test: max 8 vcore / 32Gi with 2 vcore / 3Gi allocated; root has no max.
    assert queue_dao(test, view)["headroom"] == {"vcore": 6000, "memory": 29 * 1024**3}
    root = next(q for q in view.queues if q.path == "root")
    assert "headroom" not in queue_dao(root, view)
