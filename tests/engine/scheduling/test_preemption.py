"""Preemption takes only what YuniKorn's rules allow: after the delay, for a queue below its guarantee,
from queues above theirs, equal or lower priority, allow-preemption honoured."""

from __future__ import annotations

from sparkfleet.engine.scheduling import PendingKind

from .builders import T0, Cluster, node, partition, pod


def queues(high: str = "8", low: str = "2", enabled: bool = True, high_extra: str = "") -> str:
    return f"""
partitions:
  - name: default
    preemption: {{enabled: {str(enabled).lower()}}}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: high
            resources: {{guaranteed: {{vcore: {high}, memory: 64Gi}}}}
            {high_extra}
          - name: low
            resources: {{guaranteed: {{vcore: {low}, memory: 8Gi}}}}
"""


def filled(text: str, **low_fields: object) -> Cluster:
    """One 16-cpu node filled by 16 one-cpu pods of an application in root.low, the youngest last."""
    cluster = Cluster([node("n1", 16, 64)], partition(text))
    cluster.submit(
        [
            pod(f"low-{i}", "low", 1, 1, queue="root.low", created=T0 - 100 + i, **low_fields)
            for i in range(16)
        ]
    )
    cluster.step()
    assert len(cluster.bound("low")) == 16
    return cluster


def high_pods(n: int, created: float, **fields: object) -> list:  # type: ignore[type-arg]
    return [pod(f"high-{i}", "high", 1, 1, queue="root.high", created=created, **fields) for i in range(n)]


def victims(cluster: Cluster) -> list[str]:
    return sorted(p.victim.name for d in cluster.history for p in d.preemptions)


def test_a_queue_below_its_guarantee_preempts_the_youngest_pods_of_a_queue_above_its_own() -> None:
    cluster = filled(queues())
    cluster.submit(high_pods(4, cluster.now))
    early = cluster.step()
    assert early.preemptions == ()  # preemption.delay (30 s) not reached
    assert {u.kind for u in early.unschedulable} == {PendingKind.CAPACITY}

    late = cluster.step(advance=30)
    assert sorted(p.victim.name for p in late.preemptions) == ["low-12", "low-13", "low-14", "low-15"]
    assert {p.node for p in late.preemptions} == {"n1"}
    waiting = [u for u in late.unschedulable if u.app_id == "high"]
    assert {u.kind for u in waiting} == {PendingKind.PREEMPTION}
    assert {u.nominated_node for u in waiting} == {"n1"}
    assert [e.reason for e in late.events if e.pod.name == "low-15"] == ["Preempted"]

    cluster.step()
    assert len(cluster.bound("high")) == 4
    assert len(cluster.bound("low")) == 12


def test_victims_never_take_their_queue_below_its_guarantee() -> None:
    cluster = filled(queues(low="14"))
    cluster.submit(high_pods(4, cluster.now))
    cluster.step(advance=31)
    cluster.step()
    assert len(victims(cluster)) == 2
    assert len(cluster.bound("low")) == 14
    assert len(cluster.bound("high")) == 2


def test_a_queue_at_its_guarantee_does_not_preempt_further() -> None:
    cluster = filled(queues(high="2"))
    cluster.submit(high_pods(4, cluster.now))
    cluster.step(advance=31)
    cluster.run(3)
    assert len(victims(cluster)) == 2
    assert len(cluster.bound("high")) == 2


def test_higher_priority_pods_are_never_victims() -> None:
    cluster = filled(queues(), priority=100)
    cluster.submit(high_pods(4, cluster.now, priority=10))
    cluster.run(3, advance=31)
    assert victims(cluster) == []
    assert cluster.bound("high") == []


def test_equal_priority_pods_can_be_victims() -> None:
    cluster = filled(queues(), priority=10)
    cluster.submit(high_pods(1, cluster.now, priority=10))
    cluster.run(2, advance=31)
    assert victims(cluster) == ["low-15"]


def test_pods_that_opt_out_are_spared_when_others_free_enough_room() -> None:
    cluster = Cluster([node("n1", 16, 64)], partition(queues()))
    cluster.submit(
        [
            pod(f"keep-{i}", "low", 1, 1, queue="root.low", created=T0 - 50, allow_preemption=False)
            for i in range(12)
        ],
        [pod(f"old-{i}", "low", 1, 1, queue="root.low", created=T0 - 100) for i in range(4)],
    )
    cluster.step()
    cluster.submit(high_pods(4, cluster.now))
    cluster.run(2, advance=31)
    assert victims(cluster) == ["old-0", "old-1", "old-2", "old-3"]


def test_pods_that_opt_out_are_taken_only_when_nothing_else_frees_room() -> None:
    cluster = filled(queues(), allow_preemption=False)
    cluster.submit(high_pods(1, cluster.now))
    cluster.run(2, advance=31)
    assert victims(cluster) == ["low-15"]


def test_no_preemption_when_the_partition_disables_it() -> None:
    cluster = filled(queues(enabled=False))
    cluster.submit(high_pods(4, cluster.now))
    cluster.run(3, advance=31)
    assert victims(cluster) == []


def test_the_queue_preemption_delay_is_honoured() -> None:
    cluster = filled(queues(high_extra="properties: {preemption.delay: 2m}"))
    cluster.submit(high_pods(1, cluster.now))
    cluster.run(3, advance=31)  # 93 s
    assert victims(cluster) == []
    cluster.step(advance=31)  # 124 s
    assert victims(cluster) == ["low-15"]


def test_a_queue_with_preemption_disabled_does_not_preempt() -> None:
    cluster = filled(queues(high_extra="properties: {preemption.policy: disabled}"))
    cluster.submit(high_pods(1, cluster.now))
    cluster.run(3, advance=31)
    assert victims(cluster) == []


def test_preempted_room_waits_for_victims_that_terminate_slowly() -> None:
    cluster = filled(queues())
    cluster.graceful_preemption = True
    cluster.submit(high_pods(2, cluster.now))
    cluster.step(advance=31)
    assert len(victims(cluster)) == 2
    cluster.submit(pod("late", "other", 1, 1, queue="root.low", created=cluster.now))
    waiting = cluster.step()  # the victims are still terminating
    assert {(u.kind, u.nominated_node) for u in waiting.unschedulable if u.app_id == "high"} == {
        (PendingKind.PREEMPTION, "n1")
    }
    assert cluster.bound("other") == []
    cluster.step()
    assert len(cluster.bound("high")) == 2
    assert cluster.bound("other") == []
