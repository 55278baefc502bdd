"""Where an application is and why, from its facts: each phase and typed reason, with the scheduler's
and the provisioner's messages in the shapes they write them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sparkfleet.engine.explain import (
    AppFacts,
    ClaimFacts,
    EventFacts,
    PodFacts,
    QueueFacts,
    TimelinePhase,
    WaitReason,
    observe,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
P = TimelinePhase
R = WaitReason


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def waiting(name: str, reason: str, message: str = "", since: float = 1) -> PodFacts:
    return PodFacts(
        name, "Pending", scheduled_reason=reason, scheduled_message=message, scheduled_since=at(since)
    )


def app(driver: PodFacts | None = None, **fields: object) -> AppFacts:
    base = AppFacts("spark-team-a", "pi", T0, "SUBMITTED", expected_executors=2, driver=driver)
    return replace(base, **fields)  # type: ignore[arg-type]


def pod_event(name: str, reason: str, message: str, seconds: float) -> EventFacts:
    return EventFacts("Pod", name, reason, message, at(seconds))


@pytest.mark.parametrize(
    ("state", "phase", "reason"),
    [
        ("COMPLETED", P.COMPLETED, R.COMPLETED),
        ("SUCCEEDING", P.COMPLETED, R.COMPLETED),
        ("FAILED", P.FAILED, R.FAILED),
        ("SUBMISSION_FAILED", P.FAILED, R.FAILED),
        ("PENDING_RERUN", P.SUBMITTED, R.PENDING_RERUN),
    ],
)
def test_the_applications_own_state_comes_first(state: str, phase: P, reason: R) -> None:
    seen = observe(app(PodFacts("d", "Running"), state=state, state_since=at(9)))
    assert (seen.phase, seen.reason, seen.since) == (phase, reason, at(9))


def test_a_failure_says_the_error() -> None:
    assert observe(app(state="FAILED", error="driver exited 1")).message == "driver exited 1"


def test_without_a_live_driver_the_operator_has_still_to_submit() -> None:
    for facts in (app(), app(PodFacts("d", "Failed"))):
        seen = observe(facts)
        assert (seen.phase, seen.reason, seen.since) == (P.SUBMITTED, R.SUBMITTING, T0)


@pytest.mark.parametrize(("pod_phase", "phase"), [("Succeeded", P.COMPLETED), ("Failed", P.FAILED)])
def test_a_driver_that_ended_while_running_ends_the_run_before_the_operator_records_it(
    pod_phase: str, phase: P
) -> None:
    seen = observe(app(PodFacts("d", pod_phase, node="n1"), state="RUNNING"))
    assert seen.phase == phase
    assert seen.message == f"the driver pod d {'completed' if phase is P.COMPLETED else 'failed'}"


def test_a_bound_driver_is_starting() -> None:
    seen = observe(app(PodFacts("d", "Pending", node="n1", scheduled_since=at(30))))
    assert (seen.phase, seen.reason, seen.since) == (P.DRIVER_STARTING, R.SCHEDULED, at(30))
    assert seen.message == "driver pod d is bound to node n1 and starting"


def test_the_driver_and_every_executor_running() -> None:
    driver = PodFacts("d", "Running", node="n1", started=at(40))
    executors = (PodFacts("e1", "Running", started=at(50)), PodFacts("e2", "Running", started=at(55)))
    seen = observe(app(driver, executors=executors))
    assert (seen.phase, seen.reason, seen.since) == (P.EXECUTORS_RUNNING, R.RUNNING, at(55))
    assert seen.message == "the driver and 2 of 2 executors are running"


def test_executors_waiting_say_what_holds_them() -> None:
    driver = PodFacts("d", "Running", node="n1", started=at(40))
    executors = (
        PodFacts("e1", "Running", started=at(50)),
        waiting("e2", "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu.", 45),
    )
    seen = observe(app(driver, executors=executors))
    assert (seen.phase, seen.reason, seen.since) == (P.DRIVER_RUNNING, R.EXECUTORS_PENDING, at(40))
    assert seen.message == (
        "the driver runs; 1 of 2 executors are running; 1 wait: no node has room "
        "(0/1 nodes are available: 1 Insufficient cpu.); waiting for the provisioner"
    )


def test_a_driver_the_scheduler_has_not_looked_at_awaits_admission() -> None:
    scheduler = QueueFacts("New", "root.dev", "", None)
    seen = observe(app(PodFacts("d", "Pending"), scheduler=scheduler))
    assert (seen.phase, seen.reason) == (P.QUEUED, R.AWAITING_SCHEDULER)
    assert seen.message == "waiting for the scheduler to admit the application to queue root.dev"


def test_a_rejected_application_is_not_admitted() -> None:
    scheduler = QueueFacts("Rejected", "root.dev", "the gang exceeds queue root.dev max", at(3))
    seen = observe(app(PodFacts("d", "Pending"), scheduler=scheduler))
    assert (seen.phase, seen.reason, seen.message, seen.since) == (
        P.QUEUED,
        R.NOT_ADMITTED,
        "the gang exceeds queue root.dev max",
        at(3),
    )


def test_a_queue_limit_outranks_capacity_and_counts_those_ahead() -> None:
    driver = waiting("d", "GangReservation", "waiting for gang reservation: 0/3 placeholders bound")
    placeholders = (
        waiting("tg-1", "QueueLimit", "queue root.dev max vcore 10 exceeded: allocated 10, ask 3", 2),
        waiting("tg-2", "Unschedulable", "0/0 nodes are available"),
    )
    scheduler = QueueFacts("Accepted", "root.dev", "", at(1), ahead=2, gang=True)
    seen = observe(app(driver, placeholders=placeholders, scheduler=scheduler))
    assert (seen.phase, seen.reason, seen.since) == (P.QUEUED, R.QUEUE_MAX_REACHED, at(2))
    assert seen.message == (
        "queue root.dev is at its max of 10 vcore (allocated 10, the application asks 3); "
        "2 applications ahead"
    )


def test_a_gang_behind_another_gangs_reservation_says_whose() -> None:
    message = (
        "waiting for the gang reservation of application other to complete (1/4 placeholders bound) "
        "before reserving"
    )
    seen = observe(app(waiting("d", "GangReservation", message)))
    assert (seen.phase, seen.reason, seen.message) == (P.GANG_RESERVING, R.GANG_AHEAD, message)


def test_a_reserving_gang_counts_its_bound_placeholders() -> None:
    placeholders = (PodFacts("tg-1", "Running", node="n1"), PodFacts("tg-2", "Pending"))
    scheduler = QueueFacts("Reserving", "root.dev", "", at(2), gang=True)
    seen = observe(
        app(waiting("d", "GangReservation", "waiting"), placeholders=placeholders, scheduler=scheduler)
    )
    assert (seen.phase, seen.reason) == (P.GANG_RESERVING, R.PLACEHOLDERS_PENDING)
    assert seen.message == "waiting for the gang reservation: 1 of 2 placeholders bound"
    idle = observe(app(PodFacts("d", "Pending"), placeholders=placeholders, scheduler=scheduler))
    assert (idle.phase, idle.reason, idle.since) == (P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, at(2))


def test_placeholders_without_capacity_planned_yet_keep_the_gang_waiting() -> None:
    placeholders = (waiting("tg-1", "Unschedulable", "0/0 nodes are available"),)
    scheduler = QueueFacts("Reserving", "root.dev", "", at(1), gang=True)
    seen = observe(app(waiting("d", "GangReservation"), placeholders=placeholders, scheduler=scheduler))
    assert (seen.phase, seen.reason) == (P.GANG_RESERVING, R.PLACEHOLDERS_PENDING)
    assert seen.message == (
        "waiting for the gang reservation: 0 of 1 placeholders bound; "
        "no node has room (0/0 nodes are available); waiting for the provisioner"
    )


def test_preemption_is_a_wait_for_capacity() -> None:
    seen = observe(app(waiting("d", "WaitingForPreemption", "preempting 2 pods of root.test")))
    assert (seen.phase, seen.reason, seen.message) == (
        P.WAITING_FOR_CAPACITY,
        R.PREEMPTING,
        "preempting 2 pods of root.test",
    )


def test_an_application_the_scheduler_cannot_schedule_is_not_admitted() -> None:
    seen = observe(app(waiting("d", "ApplicationNotSchedulable", "submitacl denies user bob")))
    assert (seen.phase, seen.reason) == (P.QUEUED, R.NOT_ADMITTED)


GANG_FAILED = (
    "gang spark-team-a/pi: 3 of 3 pods cannot be placed (d: no NodePool can host it: {why}); "
    "no capacity is planned for any pod of the gang"
)


@pytest.mark.parametrize(
    ("why", "reason"),
    [
        (
            "spark-compute-optimized: the pool's limits (cpu 4) leave no room for a node that holds it",
            R.NODEPOOL_LIMIT,
        ),
        ("spark-compute-optimized: insufficient capacity for every offering", R.INSUFFICIENT_CAPACITY),
        ("spark-compute-optimized: no instance type fits 200Gi", R.NO_CAPACITY),
    ],
)
def test_a_failed_provisioning_says_why_nothing_can_be_launched(why: str, reason: R) -> None:
    text = GANG_FAILED.format(why=why)
    events = (pod_event("d", "FailedProvisioning", text, 5),)
    seen = observe(app(waiting("d", "Unschedulable", "0/0 nodes"), events=events))
    assert (seen.phase, seen.reason, seen.since) == (P.WAITING_FOR_CAPACITY, reason, at(5))
    assert seen.message == f"no capacity can be provisioned: {text}"


CLAIM = ClaimFacts(
    "c1", "spark-memory-optimized", "r5d.xlarge", "spot", "us-east-1a", launched=True, registered=False
)


def test_a_nomination_to_a_launched_claim_names_it() -> None:
    events = (
        pod_event("d", "FailedProvisioning", "earlier failure", 3),
        pod_event("d", "Nominated", "Pod should schedule on: nodeclaim/c1", 6),
    )
    seen = observe(app(waiting("d", "Unschedulable", "0/0 nodes"), events=events, claims={"c1": CLAIM}))
    assert (seen.phase, seen.reason, seen.since) == (P.WAITING_FOR_CAPACITY, R.NODECLAIM_LAUNCHED, at(6))
    assert seen.message == (
        "NodeClaim c1 (r5d.xlarge, spot, us-east-1a) of NodePool spark-memory-optimized launched, "
        "waiting for its node to register"
    )


def test_a_fallback_since_the_wait_began_is_said_first() -> None:
    moved = "InsufficientInstanceCapacity for r6g.xlarge; 3 pods moved to spark-memory-optimized (r5d.xlarge)"
    fallback = EventFacts("NodeClaim", "graviton-x1", "Fallback", moved, at(4))
    nominated = pod_event("d", "Nominated", "Pod should schedule on: nodeclaim/c1", 5)
    facts = app(
        waiting("d", "Unschedulable", "0/0 nodes", 1), events=(fallback, nominated), claims={"c1": CLAIM}
    )
    seen = observe(facts)
    assert (seen.phase, seen.reason, seen.since) == (P.WAITING_FOR_CAPACITY, R.FALLBACK_TAKEN, at(4))
    assert seen.message.startswith(f"fallback taken: {moved}; NodeClaim c1 (r5d.xlarge, spot, us-east-1a)")
    # a fallback of an earlier wait does not explain this one
    later = replace(facts, driver=waiting("d", "Unschedulable", "0/0 nodes", 4.5))
    assert observe(later).reason == R.NODECLAIM_LAUNCHED


def test_a_nomination_to_a_node_waits_for_room_there() -> None:
    events = (pod_event("d", "Nominated", "Pod should schedule on: node/n1", 6),)
    seen = observe(app(waiting("d", "Unschedulable", "0/1 nodes"), events=events))
    assert (seen.phase, seen.reason, seen.message) == (
        P.WAITING_FOR_CAPACITY,
        R.PROVISIONING,
        "nominated to node/n1; waiting for room there",
    )
