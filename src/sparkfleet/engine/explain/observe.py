"""Where an application is and why, read from its objects: `observe(facts) -> Observation`.

Read from the latest step back: a terminal state; the driver running (executors n of m); the driver bound
and starting; else the driver (or, for a gang, its placeholders) pending, and why: the scheduler's
PodScheduled condition says whether a queue limit, the gang or capacity holds it, and for capacity the
provisioner's and NodeClaims' Events say what is being done (a NodeClaim launched, a fallback taken) or
why nothing can be (a NodePool's limits, no capacity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sparkfleet.engine.explain.model import (
    AppFacts,
    EventFacts,
    Observation,
    PodFacts,
    TimelinePhase,
    WaitReason,
)
from sparkfleet.engine.explain.queuewait import queue_wait

__all__ = ["observe"]

P = TimelinePhase
R = WaitReason
_COMPLETED = frozenset({"COMPLETED", "SUCCEEDING"})
_FAILED = frozenset({"FAILED", "SUBMISSION_FAILED", "FAILING"})
_ENDED = frozenset({"Succeeded", "Failed"})
_NOMINATED_PREFIX = "Pod should schedule on: "
# The scheduler's PodScheduled reasons (controllers/scheduler/effects.py) and the order in which they
# explain a wait best: a limit first, then capacity, preemption, the gang, the application.
_ORDER = (
    "QueueLimit",
    "Unschedulable",
    "WaitingForPreemption",
    "GangReservation",
    "ApplicationNotSchedulable",
)


def observe(facts: AppFacts) -> Observation:
    state = facts.state
    if state in _COMPLETED:
        return Observation(P.COMPLETED, R.COMPLETED, "the application completed", facts.state_since)
    if state in _FAILED:
        message = facts.error or f"the application is {state}"
        return Observation(P.FAILED, R.FAILED, message, facts.state_since)
    if state == "PENDING_RERUN":
        return Observation(P.SUBMITTED, R.PENDING_RERUN, "waiting to be submitted again", facts.state_since)
    driver = facts.driver
    if driver is not None and driver.phase in _ENDED and state == "RUNNING":
        # The driver has ended and the operator has yet to record it: the run is over, not resubmitted.
        if driver.phase == "Succeeded":
            return Observation(P.COMPLETED, R.COMPLETED, f"the driver pod {driver.name} completed")
        return Observation(P.FAILED, R.FAILED, f"the driver pod {driver.name} failed")
    if driver is None or driver.phase in _ENDED:
        return Observation(
            P.SUBMITTED, R.SUBMITTING, "waiting for the operator to create the driver pod", facts.created
        )
    if driver.phase == "Running":
        return _running(facts, driver)
    if driver.node:
        return Observation(
            P.DRIVER_STARTING,
            R.SCHEDULED,
            f"driver pod {driver.name} is bound to node {driver.node} and starting",
            driver.scheduled_since,
        )
    return _pending(facts, driver)


def _running(facts: AppFacts, driver: PodFacts) -> Observation:
    wanted = facts.expected_executors
    running = [e for e in facts.executors if e.phase == "Running"]
    if len(running) >= wanted:
        started = [e.started for e in running if e.started is not None]
        since = max(started) if started else driver.started
        return Observation(
            P.EXECUTORS_RUNNING,
            R.RUNNING,
            f"the driver and {len(running)} of {wanted} executors are running",
            since,
        )
    text = f"the driver runs; {len(running)} of {wanted} executors are running"
    waiting = [e for e in facts.executors if e.phase == "Pending" and not e.node]
    blocked = _blocker(waiting)
    if blocked is not None:
        _, why = _explain_pending(facts, waiting, blocked)
        text += f"; {len(waiting)} wait: {why.message}"
    return Observation(P.DRIVER_RUNNING, R.EXECUTORS_PENDING, text, driver.started)


def _blocker(pods: Iterable[PodFacts]) -> PodFacts | None:
    """The waiting pod whose condition explains the wait best."""
    marked = [p for p in pods if p.scheduled_reason in _ORDER]
    if not marked:
        return None
    return min(marked, key=lambda p: _ORDER.index(p.scheduled_reason))


def _pending(facts: AppFacts, driver: PodFacts) -> Observation:
    waiting_placeholders = [p for p in facts.placeholders if not p.node and p.phase not in _ENDED]
    waiting = [driver, *waiting_placeholders]
    blocked = _blocker(waiting)
    scheduler = facts.scheduler
    if blocked is None:
        if scheduler is not None and scheduler.state == "Rejected":
            return Observation(P.QUEUED, R.NOT_ADMITTED, scheduler.message or "rejected", scheduler.since)
        if scheduler is not None and scheduler.state == "Reserving":
            return Observation(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, _progress(facts), scheduler.since)
        queue = f" to queue {scheduler.queue}" if scheduler is not None and scheduler.queue else ""
        return Observation(
            P.QUEUED, R.AWAITING_SCHEDULER, f"waiting for the scheduler to admit the application{queue}", None
        )
    _, observation = _explain_pending(facts, waiting, blocked)
    return observation


def _progress(facts: AppFacts) -> str:
    bound = sum(1 for p in facts.placeholders if p.node)
    return f"{bound} of {len(facts.placeholders)} placeholders bound"


def _explain_pending(
    facts: AppFacts, waiting: Sequence[PodFacts], blocked: PodFacts
) -> tuple[PodFacts, Observation]:
    reason, message, since = blocked.scheduled_reason, blocked.scheduled_message, blocked.scheduled_since
    if reason == "QueueLimit":
        ahead = facts.scheduler.ahead if facts.scheduler is not None else 0
        typed, text = queue_wait(message, ahead)
        return blocked, Observation(P.QUEUED, typed, text, since)
    if reason == "GangReservation":
        typed = R.GANG_AHEAD if "reservation of application" in message else R.PLACEHOLDERS_PENDING
        text = message if typed == R.GANG_AHEAD else f"waiting for the gang reservation: {_progress(facts)}"
        return blocked, Observation(P.GANG_RESERVING, typed, text, since)
    if reason == "ApplicationNotSchedulable":
        return blocked, Observation(P.QUEUED, R.NOT_ADMITTED, message, since)
    if reason == "WaitingForPreemption":
        return blocked, Observation(P.WAITING_FOR_CAPACITY, R.PREEMPTING, message, since)
    observation = _capacity(facts, {p.name for p in waiting}, message, since)
    scheduler = facts.scheduler
    if observation.reason == R.PROVISIONING and scheduler is not None and scheduler.state == "Reserving":
        # Nothing is being done about capacity yet: what shows is the gang's placeholders waiting.
        text = f"waiting for the gang reservation: {_progress(facts)}; {observation.message}"
        observation = Observation(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, text, since)
    return blocked, observation


def _latest(events: Iterable[EventFacts], reason: str, pods: set[str]) -> EventFacts | None:
    found = None
    for event in events:
        matches = event.kind == "Pod" and event.name in pods and event.reason == reason
        if matches and (found is None or _when(event) >= _when(found)):
            found = event
    return found


def _capacity(facts: AppFacts, pods: set[str], condition: str, since: datetime | None) -> Observation:
    events = facts.events
    nominated = _latest(events, "Nominated", pods)
    failed = _latest(events, "FailedProvisioning", pods)
    if failed is not None and (nominated is None or _when(failed) >= _when(nominated)):
        text = failed.message
        lowered = text.lower()
        if "limits" in lowered:
            typed = R.NODEPOOL_LIMIT
        elif "insufficient" in lowered:
            typed = R.INSUFFICIENT_CAPACITY
        else:
            typed = R.NO_CAPACITY
        return Observation(
            P.WAITING_FOR_CAPACITY, typed, f"no capacity can be provisioned: {text}", failed.at
        )
    if nominated is not None:
        target = nominated.message.removeprefix(_NOMINATED_PREFIX)
        kind, _, name = target.partition("/")
        claim = facts.claims.get(name) if kind == "nodeclaim" else None
        if claim is None:
            text = f"nominated to {target}; waiting for room there"
            return Observation(P.WAITING_FOR_CAPACITY, R.PROVISIONING, text, nominated.at)
        offering = ", ".join(x for x in (claim.instance_type, claim.capacity_type, claim.zone) if x)
        state = "launched" if claim.launched else "created"
        launched = f"NodeClaim {claim.name} ({offering}) of NodePool {claim.node_pool} {state}"
        fallback = _fallback(events, claim.node_pool, since or facts.created)
        if fallback is not None:
            text = f"fallback taken: {fallback.message}; {launched}, waiting for its node to register"
            return Observation(P.WAITING_FOR_CAPACITY, R.FALLBACK_TAKEN, text, fallback.at)
        text = f"{launched}, waiting for its node to register"
        return Observation(P.WAITING_FOR_CAPACITY, R.NODECLAIM_LAUNCHED, text, nominated.at)
    text = f"no node has room ({condition}); waiting for the provisioner" if condition else "no node has room"
    return Observation(P.WAITING_FOR_CAPACITY, R.PROVISIONING, text, since)


def _when(event: EventFacts) -> float:
    return event.at.timestamp() if event.at is not None else float("-inf")


def _fallback(events: Iterable[EventFacts], pool: str, since: datetime | None) -> EventFacts | None:
    """The latest fallback to `pool` recorded since the wait began."""
    found = None
    for event in events:
        if (
            event.reason != "Fallback"
            or event.kind != "NodeClaim"
            or f"moved to {pool} (" not in event.message
        ):
            continue
        if since is not None and event.at is not None and event.at < since:
            continue
        if found is None or _when(event) >= _when(found):
            found = event
    return found
