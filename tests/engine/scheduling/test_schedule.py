"""The scheduler end to end on a virtual clock: gangs, timeouts, rejection, the blueprint's queues,
fair sharing, and the reasons pods wait."""

from __future__ import annotations

from sparkfleet.api.pod import PodPhase
from sparkfleet.engine.scheduling import AppState, PendingKind, schedule

from .builders import (
    T0,
    Cluster,
    gang,
    node,
    partition,
    pod,
    simple_queues,
    spark,
    task_groups,
)


def assert_not_overcommitted(cluster: Cluster) -> None:
    alloc = {n.name: n.allocatable for n in cluster.nodes}
    for name, used in cluster.used().items():
        assert used.fits_in(alloc[name]), f"{name} over-committed: {used} > {alloc[name]}"


# --- gangs -------------------------------------------------------------------------------------------


def test_two_gangs_that_each_need_60_percent_of_the_cluster_never_deadlock() -> None:
    # 10 nodes x 16 cpu = 160 cpu; each gang needs 1 + 95 = 96 cpu (60%)
    cluster = Cluster([node(f"n{i}", 16, 64) for i in range(10)], simple_queues("default"))
    cluster.submit(gang("first", 95, 1, 0.5, created=T0), gang("second", 95, 1, 0.5, created=T0 + 1))

    cluster.step()
    assert cluster.state("first") == "Running"
    assert cluster.state("second") == "Reserving"
    for _ in range(5):
        cluster.step()
        assert_not_overcommitted(cluster)
        assert cluster.state("second") == "Reserving"
    assert len(cluster.bound("first")) == 96  # every real pod swapped into a placeholder
    assert cluster.bound("first", placeholders=True) == []

    cluster.end("first")
    cluster.run(3)
    assert cluster.state("first") == "Completed"
    assert cluster.state("second") == "Running"
    assert len(cluster.bound("second")) == 96
    assert_not_overcommitted(cluster)


def test_only_one_of_two_competing_gangs_holds_a_partial_reservation() -> None:
    # another application fills half the cluster; both gangs (60% each) arrive in different queues
    cluster = Cluster(
        [node(f"n{i}", 16, 64) for i in range(10)],
        simple_queues("a:100:1000", "b:100:1000", "other", policy="fifo"),
    )
    cluster.submit(spark("filler", 79, 1, 0.5, queue="root.other", created=T0 - 100))
    cluster.step()
    cluster.submit(
        gang("ga", 95, 1, 0.5, queue="root.a", created=T0 + 10),
        gang("gb", 95, 1, 0.5, queue="root.b", created=T0 + 11),
    )
    decision = cluster.step()
    holding = [a for a in ("ga", "gb") if cluster.bound(a, placeholders=True)]
    assert len(holding) == 1
    waiting = "gb" if holding == ["ga"] else "ga"
    reasons = {u.message for u in decision.unschedulable if u.app_id == waiting and u.placeholder}
    assert reasons == {
        f"waiting for the gang reservation of application {holding[0]} to complete "
        "(80/96 placeholders bound) before reserving"
    }

    cluster.end("filler")
    cluster.run(3)
    assert cluster.state(holding[0]) == "Running"
    assert cluster.state(waiting) == "Reserving"
    assert_not_overcommitted(cluster)


def test_real_pods_replace_placeholders_on_the_same_node() -> None:
    cluster = Cluster([node("n1", 8, 32), node("n2", 8, 32)], simple_queues("default"))
    cluster.submit(gang("app", 4, 2, 8))
    first = cluster.step()
    assert len(first.placeholders_to_create) == 5
    placeholder_nodes = {b.pod.name: b.node for b in first.binds if b.placeholder}
    assert len(placeholder_nodes) == 5
    assert cluster.state("app") == "Running"

    second = cluster.step()
    swaps = [b for b in second.binds if b.replaces is not None]
    assert len(swaps) == 5
    for b in swaps:
        assert b.node == placeholder_nodes[b.replaces.name]
    assert {r.pod.name for r in second.releases} == set(placeholder_nodes)
    assert {r.reason for r in second.releases} == {"Replaced"}


def test_a_real_pod_larger_than_its_placeholder_cancels_it_and_says_why() -> None:
    cluster = Cluster([node("n1", 16, 64)], simple_queues("default"))
    # minResource forgot the memory overhead: 4Gi reserved, 5Gi asked
    cluster.submit(gang("app", 2, 1, 5, ph_mem="4Gi"))
    cluster.step()
    decision = cluster.step()
    warnings = [e for e in decision.events if e.reason == "PlaceholderTooSmall"]
    assert len(warnings) == 2
    assert "minResource" in warnings[0].message and "memory: 5Gi" in warnings[0].message
    assert {r.reason for r in decision.releases} >= {"PlaceholderTooSmall"}
    cluster.run(2)
    assert len(cluster.bound("app")) == 3


def test_soft_timeout_releases_placeholders_and_falls_back_to_normal_scheduling() -> None:
    # 2 nodes x 16 cpu: the gang wants 1 + 15 x 4 cpu = 61 cpu and can never complete
    cluster = Cluster([node("n1", 16, 64), node("n2", 16, 64)], simple_queues("default"))
    cluster.submit(gang("soft", 15, 4, 4, params="placeholderTimeoutInSeconds=60 gangSchedulingStyle=Soft"))
    cluster.step()
    assert cluster.state("soft") == "Reserving"
    assert cluster.apps["soft"].first_placeholder_at == T0 + 1
    cluster.run(5, advance=10)  # 50 s later
    assert cluster.state("soft") == "Reserving"

    decision = cluster.step(advance=10)  # 60 s after the first placeholder
    assert cluster.state("soft") == "Resuming"
    assert {r.reason for r in decision.releases} == {"PlaceholderTimeout"}
    assert cluster.bound("soft", placeholders=True) == []
    timeout = [e for e in decision.events if e.reason == "PlaceholderTimeout"]
    assert timeout and "gangSchedulingStyle=Soft" in timeout[0].message and timeout[0].type == "Warning"

    cluster.step()
    assert cluster.state("soft") == "Running"
    assert len(cluster.bound("soft")) == 1 + 7  # the driver and the executors that fit, without a gang
    assert_not_overcommitted(cluster)


def test_hard_timeout_fails_the_application_with_resource_reservation_timeout() -> None:
    cluster = Cluster([node("n1", 16, 64), node("n2", 16, 64)], simple_queues("default"))
    cluster.submit(gang("hard", 15, 4, 4, params="placeholderTimeoutInSeconds=60 gangSchedulingStyle=Hard"))
    cluster.step()
    decision = cluster.step(advance=60)
    assert cluster.state("hard") == "Failing"
    assert {f.reason for f in decision.failures} == {"ResourceReservationTimeout"}
    assert len(decision.failures) == 16  # the driver and every executor
    events = [e for e in decision.events if e.reason == "ResourceReservationTimeout"]
    assert events and events[0].type == "Warning" and "gangSchedulingStyle=Hard" in events[0].message
    cluster.step()
    assert cluster.state("hard") == "Failed"
    assert cluster.pods[("spark", "hard-driver")].phase == PodPhase.FAILED


def test_the_timeout_never_fires_when_no_placeholder_was_allocated() -> None:
    cluster = Cluster([node("n1", 16, 64)], simple_queues("default"))
    groups = task_groups(("spark-driver", 1, "32", "4Gi"), ("spark-executor", 2, "32", "4Gi"))
    params = "placeholderTimeoutInSeconds=10 gangSchedulingStyle=Hard"
    cluster.submit(
        pod("big-driver", "big", 32, 4, task_group="spark-driver", task_groups=groups, policy_params=params)
    )
    cluster.run(5, advance=30)
    assert cluster.state("big") == "Reserving"
    assert cluster.apps["big"].first_placeholder_at is None
    pending = cluster.history[-1].unschedulable
    placeholders = {(u.kind, u.message) for u in pending if u.placeholder}
    assert placeholders == {(PendingKind.CAPACITY, "0/1 nodes are available: 1 Insufficient cpu.")}


def test_leftover_placeholders_are_released_when_the_application_finishes() -> None:
    cluster = Cluster([node("n1", 16, 64)], simple_queues("default"))
    # minMember 4 but only 2 executors ever come: two placeholders are never used
    cluster.submit(gang("app", 2, 1, 2, min_executors=4))
    cluster.run(2)
    assert len(cluster.bound("app", placeholders=True)) == 2
    cluster.end("app")
    decision = cluster.step()
    assert {r.reason for r in decision.releases} == {"ApplicationCompleted"}
    assert cluster.state("app") == "Completed"
    assert cluster.app_pods("app", placeholders=True) == []


def test_leftover_placeholders_are_released_at_the_timeout_while_the_application_runs() -> None:
    cluster = Cluster([node("n1", 16, 64)], simple_queues("default"))
    cluster.submit(gang("app", 2, 1, 2, min_executors=4, params="placeholderTimeoutInSeconds=30"))
    cluster.run(2)
    assert cluster.state("app") == "Running"
    decision = cluster.step(advance=30)
    assert cluster.state("app") == "Running"
    assert [r.reason for r in decision.releases] == ["PlaceholderTimeout", "PlaceholderTimeout"]


def test_a_gang_larger_than_its_queue_max_is_rejected_with_an_event_naming_queue_ask_and_max() -> None:
    cluster = Cluster([node(f"n{i}", 16, 64) for i in range(4)], partition())
    cluster.submit(gang("toobig", 20, 1, 2, queue="root.dev"))
    decision = cluster.step()
    assert cluster.state("toobig") == "Rejected"
    assert decision.placeholders_to_create == ()
    [event] = [e for e in decision.events if e.reason == "ApplicationRejected"]
    assert event.type == "Warning"
    assert event.pod.name == "toobig-driver"
    assert event.message == (
        "application toobig rejected: gang ask {memory: 44Gi, vcore: 21} exceeds the max "
        "{memory: 100G, vcore: 10} of queue root.dev (vcore); lower minMember or minResource, "
        "or submit to a larger queue"
    )
    assert {f.reason for f in decision.failures} == {"ApplicationRejected"}
    assert len(decision.failures) == 21


def test_a_gang_in_a_fair_queue_is_rejected() -> None:
    cluster = Cluster([node("n1")], simple_queues("default", policy="fair"))
    cluster.submit(gang("g", 1))
    decision = cluster.step()
    assert cluster.state("g") == "Rejected"
    assert "needs a FIFO queue" in decision.apps["g"].message


def test_an_invalid_task_groups_annotation_rejects_with_the_problem() -> None:
    cluster = Cluster([node("n1")], simple_queues("default"))
    cluster.submit(pod("d", "bad", task_groups='[{"name": "x", "minMember": -1}]'))
    cluster.step()
    assert cluster.state("bad") == "Rejected"
    assert "minMember must be a non-negative integer" in cluster.apps["bad"].message


def test_misspelt_policy_parameters_are_reported_and_defaults_apply() -> None:
    cluster = Cluster([node("n1")], simple_queues("default"))
    cluster.submit(gang("g", 1, params="placeholderTimeoutSeconds=30 gangSchedulingStyle=Hard"))
    decision = cluster.step()
    [warning] = [e for e in decision.events if e.reason == "SchedulingPolicyParametersIgnored"]
    assert "placeholderTimeoutSeconds=30" in warning.message


# --- the blueprint's queues ---------------------------------------------------------------------------


def test_blueprint_queues_limit_each_queue_to_its_max() -> None:
    nodes = [node(f"n{i}", 64, 512) for i in range(8)]  # 512 cpu, 4 TiB
    cluster = Cluster(nodes, partition())
    cluster.submit(
        spark("dev-app", 19, 1, 2, queue="root.dev"),
        spark("test-app", 79, 1, 2, queue="root.test"),
        spark("prod-app", 399, 1, 1, queue="root.prod"),
    )
    decision = cluster.step()
    assert len(cluster.bound("dev-app")) == 10  # max vcore 10
    assert len(cluster.bound("test-app")) == 50  # max vcore 50
    assert len(cluster.bound("prod-app")) == 300  # max vcore 300
    dev_wait = {u.message for u in decision.unschedulable if u.app_id == "dev-app"}
    assert dev_wait == {"queue root.dev max vcore 10 exceeded: allocated 10, ask 1"}
    kinds = {u.kind for u in decision.unschedulable}
    assert kinds == {PendingKind.QUEUE_LIMIT}
    reports = {q.path: q for q in decision.queues}
    assert reports["root.dev"].allocated.get("cpu") == 10_000
    assert reports["root.prod"].guaranteed.as_dict() == {"cpu": 50_000, "memory": 500 * 10**9}
    assert reports["root.test"].pending.get("cpu") == 30_000


def test_blueprint_memory_max_counts_in_decimal_gigabytes() -> None:
    cluster = Cluster([node("n1", 64, 512)], partition())
    # root.dev max memory 100G = 100 * 10**9 bytes: 9 pods of 10 GiB fit (96.6G), the 10th does not
    cluster.submit([pod(f"p{i}", "mem", 0.5, 10, queue="root.dev") for i in range(12)])
    decision = cluster.step()
    assert len(cluster.bound("mem")) == 9
    assert {u.message for u in decision.unschedulable} == {
        "queue root.dev max memory 100G exceeded: allocated 90Gi, ask 10Gi"
    }


def test_applications_without_a_queue_or_with_an_unknown_queue_go_to_root_default() -> None:
    cluster = Cluster([node("n1", 64, 256)], partition())
    cluster.submit(
        spark("noqueue", 1), spark("unknown", 1, queue="root.nope"), spark("byname", 1, queue="prod")
    )
    cluster.step()
    assert cluster.apps["noqueue"].queue == "root.default"
    assert cluster.apps["unknown"].queue == "root.default"
    assert cluster.apps["byname"].queue == "root.prod"


def test_pods_of_other_schedulers_settings_are_scheduled_into_root_default_without_gang() -> None:
    cluster = Cluster([node("n1", 16, 64)], partition())
    cluster.submit(
        pod("web", "yunikorn-apps-autogen", queue="root.prod", yunikorn=False, task_groups='[{"name":"x"}]')
    )
    cluster.step()
    assert cluster.apps["yunikorn-apps-autogen"].queue == "root.default"
    assert cluster.bound("yunikorn-apps-autogen")[0].node_name == "n1"


def test_maxapplications_holds_further_applications_until_one_finishes() -> None:
    text = """
partitions:
  - name: default
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: batch
            maxapplications: 2
"""
    cluster = Cluster([node("n1", 64, 256)], partition(text))
    for i in range(3):
        cluster.submit(spark(f"a{i + 1}", 1, queue="root.batch", created=T0 + i))
    decision = cluster.step()
    assert [a for a in ("a1", "a2", "a3") if cluster.bound(a)] == ["a1", "a2"]
    assert {u.message for u in decision.unschedulable} == {
        "queue root.batch runs 2 applications, its maxapplications is 2: "
        "the application waits until one finishes"
    }
    cluster.end("a1")
    cluster.run(2)
    assert len(cluster.bound("a3")) == 2


# --- fair sharing --------------------------------------------------------------------------------------


def test_fair_application_sorting_converges_to_drf_shares() -> None:
    # DRF's example: 9 cpu, 18 GiB; A's tasks <1 cpu, 4 GiB>, B's <3 cpu, 1 GiB> -> A 3 tasks, B 2 tasks
    cluster = Cluster([node("n1", 9, 18, pods=100)], simple_queues("default", policy="fair", nodesort="fair"))
    cluster.submit(
        [pod(f"a{i}", "A", 1, 4, created=T0) for i in range(10)],
        [pod(f"b{i}", "B", 3, 1, created=T0 + 1) for i in range(10)],
    )
    cluster.step()
    assert len(cluster.bound("A")) == 3
    assert len(cluster.bound("B")) == 2


def test_queues_share_the_cluster_in_proportion_to_their_guarantees() -> None:
    cluster = Cluster(
        [node(f"n{i}", 10, 100) for i in range(4)],
        simple_queues("small:10:100", "large:30:300", nodesort="fair"),
    )
    cluster.submit(
        [pod(f"s{i}", "S", 1, 1, queue="root.small") for i in range(40)],
        [pod(f"l{i}", "L", 1, 1, queue="root.large") for i in range(40)],
    )
    cluster.step()
    assert len(cluster.bound("S")) == 10
    assert len(cluster.bound("L")) == 30


def test_fifo_serves_the_oldest_application_first() -> None:
    cluster = Cluster([node("n1", 4, 16)], simple_queues("default"))
    cluster.submit(spark("young", 5, created=T0 + 5), spark("old", 5, created=T0))
    cluster.step()
    assert len(cluster.bound("old")) == 4
    assert cluster.bound("young") == []


def test_higher_priority_pods_go_first() -> None:
    cluster = Cluster([node("n1", 2, 16)], simple_queues("default"))
    cluster.submit(
        [pod(f"low{i}", "low", created=T0) for i in range(2)],
        [pod(f"high{i}", "high", created=T0 + 10, priority=100) for i in range(2)],
    )
    cluster.step()
    assert len(cluster.bound("high")) == 2
    assert cluster.bound("low") == []


# --- reasons ------------------------------------------------------------------------------------------


def test_a_pod_that_fits_nowhere_gets_kube_scheduler_style_reasons() -> None:
    from .builders import taint

    nodes = [
        node("small-1", 4, 8),
        node("small-2", 4, 8),
        node("mem-1", 32, 256, taints=[taint("spark-memory-optimized")]),
    ]
    cluster = Cluster(nodes, simple_queues("default"))
    cluster.submit(pod("big", "app", 2, 16))
    decision = cluster.step()
    [wait] = decision.unschedulable
    assert wait.kind == PendingKind.CAPACITY
    assert wait.message == (
        "0/3 nodes are available: 2 Insufficient memory, "
        "1 node(s) had untolerated taint {spark-memory-optimized: }."
    )


def test_the_same_snapshot_always_gives_the_same_decision() -> None:
    cluster = Cluster([node(f"n{i}", 8, 32) for i in range(5)], partition())
    cluster.submit(spark("a", 30, queue="root.prod"), gang("g", 8, queue="root.test"), spark("b", 5))
    snap = cluster.snapshot()
    assert schedule(snap) == schedule(snap)


def test_application_state_walks_new_submitted_accepted_running_completed() -> None:
    cluster = Cluster([node("n1")], simple_queues("default"))
    cluster.submit(spark("app", 1))
    first = cluster.step()
    assert [(t.from_state.value, t.to_state.value) for t in first.transitions] == [
        ("New", "Submitted"),
        ("Submitted", "Accepted"),
        ("Accepted", "Running"),
    ]
    cluster.end("app")
    cluster.step()
    assert cluster.apps["app"].state == AppState.COMPLETED
    assert [t.to_state.value for t in cluster.apps["app"].history][-1] == "Completed"


def test_memory_is_binpacked_onto_the_fullest_node() -> None:
    cluster = Cluster([node("a", 16, 64), node("b", 16, 64)], simple_queues("default", nodesort="binpacking"))
    cluster.submit(pod("first", "x", 8, 8 * 1))
    cluster.step()
    cluster.submit(pod("second", "y", 1, 1))
    cluster.step()
    assert cluster.pods[("spark", "second")].node_name == cluster.pods[("spark", "first")].node_name


def test_placeholders_that_were_never_created_are_asked_for_again() -> None:
    cluster = Cluster([node("n1", 0.5, 4)], simple_queues("default"))  # nothing fits: none is bound
    cluster.submit(gang("g", 2, 2, 4))
    first = cluster.step()
    assert len(first.placeholders_to_create) == 3
    for ph in first.placeholders_to_create:  # the creates failed: the pods never appear
        del cluster.pods[(ph.namespace, ph.name)]
    again = cluster.step()
    assert [p.name for p in again.placeholders_to_create] == [p.name for p in first.placeholders_to_create]
    assert cluster.step().placeholders_to_create == ()
