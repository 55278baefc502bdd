"""Each application's steps through the state table, before and after the cycle's allocations.

Before: start a new run when the id's live pods are not the last run's (it ended, or its originator
ended and another took over: a rerun under an application id is a new application, as in YuniKorn),
submit, place into a queue (or reject), admit the gang, create placeholders, fire placeholder timeouts
(Soft: release and resume; Hard: fail with ResourceReservationTimeout), wind down finished applications.
After: Accepted -> Running on the first allocation, Reserving -> Running once every task group has its
minimum of placeholders bound (GangReservationComplete).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.apps import DEFAULT_QUEUE, AppPods
from sparkfleet.engine.scheduling.asks import AppWork, Block
from sparkfleet.engine.scheduling.cycle import Cycle
from sparkfleet.engine.scheduling.decision import PendingKind
from sparkfleet.engine.scheduling.gang import GangStyle, PlaceholderPod, describe_gang, placeholder_name
from sparkfleet.engine.scheduling.placement import PlacementRequest
from sparkfleet.engine.scheduling.queues import FIFO, Queue
from sparkfleet.engine.scheduling.resources import PODS, UNLIMITED, Resources, format_resources
from sparkfleet.engine.scheduling.snapshot import AppState
from sparkfleet.engine.scheduling.states import TERMINAL

S = AppState
REJECTED_REASON = "ApplicationRejected"
TIMEOUT_REASON = "ResourceReservationTimeout"
RERUN_REASON = "NewRun"


def prepare(cycle: Cycle, app: AppWork) -> None:
    """Move the application as far as the snapshot allows before anything is allocated."""
    pods = app.pods
    release_leftovers(cycle, pods)
    rerun = _new_run(app)
    if rerun:
        cycle.restart(app, RERUN_REASON, rerun)
    elif pods.originator is not None and pods.originator.uid != app.status.originator:
        # the same run: the originator is only followed (a plain application's oldest pod ended, say)
        app.status = replace(app.status, originator=pods.originator.uid)
    if app.state == S.NEW:
        cycle.move(
            app, S.SUBMITTED, "Submitted", f"application {app.app_id} submitted by {app.status.user}", None
        )
    if app.state == S.SUBMITTED:
        _admit(cycle, app)
    elif app.status.queue is not None and app.state not in TERMINAL:
        _restore_queue(cycle, app)
    if app.state in (S.REJECTED, S.FAILING, S.FAILED):
        _refuse(cycle, app)
        return
    if not pods.live:
        _wind_down(cycle, app)
        return
    if app.state == S.ACCEPTED:
        _start(cycle, app)
    if app.state == S.RESERVING:
        _reserve(cycle, app)
    if app.state == S.RESUMING:
        if pods.placeholders:
            for ph in pods.placeholders:
                cycle.release(ph, "PlaceholderTimeout", "released after the gang reservation timed out")
            app.hold = Block(
                PendingKind.GANG, "waiting for the timed-out reservation's placeholders to be released"
            )
        else:
            cycle.move(
                app, S.RUNNING, "Resumed", "placeholders released: pods are scheduled without the gang"
            )
    if app.state == S.RUNNING and pods.placeholders:
        _tidy_placeholders(cycle, app)


def _new_run(app: AppWork) -> str:
    """Why the application's live pods are a new run under its id ("" when they are the same run).

    A run is told by its originator: every run of a SparkApplication (a schedule's next run, a retry, a
    second application with the same applicationId label) has a driver pod of its own, with its own uid.
    """
    pods = app.pods
    origin = pods.originator
    if not pods.live or origin is None:
        return ""
    state, known = app.state, app.status.originator
    if state == S.COMPLETED:
        return (
            f"pods of a new run arrived for application {app.app_id} after every pod of the last one ended: "
            "it starts again as a new application"
        )
    if state == S.NEW or origin.uid == known:
        return ""
    if state in (S.REJECTED, S.FAILING, S.FAILED):
        return (
            f"pod {origin.namespace}/{origin.name} starts a new run of application {app.app_id}, which "
            f"was {state.value}: it starts again as a new application"
        )
    if not known or origin.task_groups is None or any(p.uid == known for p in (*pods.pending, *pods.bound)):
        return ""  # the originator of the run is still live, or not known (a status from an older release)
    return (
        f"pod {origin.namespace}/{origin.name} took over application {app.app_id} from an originator that "
        "ended: a new run starts"
    )


def release_leftovers(cycle: Cycle, pods: AppPods) -> None:
    """Placeholders whose originator ended or is gone belong to a run that is over."""
    for pod in pods.leftovers:
        if pod.placeholder:
            cycle.release(
                pod,
                "ApplicationCompleted",
                f"the placeholder's originator pod ended: it is left from an earlier run of application "
                f"{pods.app_id}",
            )


def finish(cycle: Cycle, app: AppWork) -> None:
    """Transitions that follow from this cycle's allocations."""
    if app.state == S.ACCEPTED and app.started:
        cycle.move(app, S.RUNNING, "Running", "the first pod was allocated", None)
    if app.state == S.RESERVING and app.gang is not None:
        if app.status.first_placeholder_at is None and app.gang.bound_total > 0:
            app.status = replace(app.status, first_placeholder_at=cycle.now)
        if app.gang.complete:
            cycle.move(
                app,
                S.RUNNING,
                "GangReservationComplete",
                f"all {app.gang.wanted} placeholders are bound: the application's pods take their places",
            )


def _restore_queue(cycle: Cycle, app: AppWork) -> None:
    path = app.status.queue
    assert path is not None
    queue = cycle.tree.get(path) or cycle.tree.create(path, leaf=True)
    if queue is None or not queue.leaf:
        app.hold = Block(
            PendingKind.APPLICATION,
            f"queue {path} of application {app.app_id} no longer exists in the queue configuration",
        )
        return
    app.queue = queue
    app.trackers = cycle.tree.trackers_for(queue, app.status.user, _groups(app))


def _groups(app: AppWork) -> tuple[str, ...]:
    pod = app.pods.originator
    return pod.groups if pod is not None else ()


def _admit(cycle: Cycle, app: AppWork) -> None:
    """Submitted -> Accepted into a leaf queue, or Rejected with a message the user can act on."""
    pods = app.pods
    if not pods.yunikorn:
        queue = cycle.tree.get(DEFAULT_QUEUE) or cycle.tree.create(DEFAULT_QUEUE, leaf=True)
        if queue is None or not queue.leaf:
            app.hold = Block(
                PendingKind.APPLICATION,
                f"{DEFAULT_QUEUE} is a parent queue: pods without schedulerName yunikorn need a leaf "
                f"{DEFAULT_QUEUE}",
            )
            return
        _accept(cycle, app, queue, event=False)
        return
    origin = pods.originator
    if origin is None:  # only placeholders are left: nothing to place
        app.hold = Block(PendingKind.APPLICATION, f"application {app.app_id} has no pods to place")
        return
    asked = origin.queue or next((p.queue for p in (*pods.pending, *pods.bound) if p.queue), None)
    result = cycle.placer.place(
        PlacementRequest(app.app_id, asked, origin.user, origin.groups, {"namespace": origin.namespace})
    )
    if result.queue is None:
        _reject(cycle, app, result.message)
        return
    queue = cycle.tree.get(result.queue)
    assert queue is not None
    if app.gang_error:
        _reject(cycle, app, f"application {app.app_id} rejected: {app.gang_error}")
        return
    if app.gang is not None and app.gang.wanted > 0:
        if queue.sort_policy != FIFO:
            _reject(
                cycle,
                app,
                f"application {app.app_id} rejected: gang scheduling needs a FIFO queue, but {queue.path} "
                f"sorts applications {queue.sort_policy} (set application.sort.policy: fifo)",
            )
            return
        problem = _gang_over_max(cycle, app, queue)
        if problem:
            _reject(cycle, app, problem)
            return
        if app.gang.params.ignored:
            cycle.app_event(
                app,
                EventType.WARNING,
                "SchedulingPolicyParametersIgnored",
                "ignored in yunikorn.apache.org/schedulingPolicyParameters: "
                f"{' '.join(app.gang.params.ignored)} "
                "(known: placeholderTimeoutInSeconds=<seconds> gangSchedulingStyle=Soft|Hard)",
            )
    _accept(cycle, app, queue, event=True)


def _accept(cycle: Cycle, app: AppWork, queue: Queue, *, event: bool) -> None:
    app.queue = queue
    app.status = replace(app.status, queue=queue.path)
    app.trackers = cycle.tree.trackers_for(queue, app.status.user, _groups(app))
    cycle.move(
        app,
        S.ACCEPTED,
        "Accepted",
        f"application {app.app_id} accepted into queue {queue.path}",
        EventType.NORMAL if event else None,
    )


def _gang_over_max(cycle: Cycle, app: AppWork, queue: Queue) -> str:
    assert app.gang is not None
    total = Resources()
    for group in app.gang.groups:
        total = total + group.placeholder_requests.times(group.min_member)
    ask = cycle.index.vector(total)
    for q in queue.lineage:
        over = np.flatnonzero((ask > q.max_vec) & (q.max_vec < UNLIMITED))
        if over.size:
            shown = Resources((k, v) for k, v in total.items() if k != PODS or PODS in q.max.amounts)
            names = ", ".join(
                "vcore" if cycle.index.names[c] == "cpu" else cycle.index.names[c] for c in over.tolist()
            )
            return (
                f"application {app.app_id} rejected: gang ask {format_resources(shown, yunikorn=True)} "
                f"exceeds the max {q.max.format()} of queue {q.path} ({names}); "
                "lower minMember or minResource, or submit to a larger queue"
            )
    return ""


def _reject(cycle: Cycle, app: AppWork, message: str) -> None:
    cycle.move(app, S.REJECTED, REJECTED_REASON, message, EventType.WARNING)


def _refuse(cycle: Cycle, app: AppWork) -> None:
    """A rejected or failed application: its pending pods fail, its placeholders go."""
    reason = REJECTED_REASON if app.state == S.REJECTED else TIMEOUT_REASON
    for pod in app.pods.pending:
        cycle.fail(pod, reason, app.status.message)
    for ph in app.pods.placeholders:
        cycle.release(ph, reason, app.status.message)
    if app.state == S.FAILING and not app.pods.placeholders:
        cycle.move(app, S.FAILED, "Failed", app.status.message, None)


def _wind_down(cycle: Cycle, app: AppWork) -> None:
    """No pod of the application is pending or running any more: it is complete; placeholders go."""
    for ph in app.pods.placeholders:
        cycle.release(ph, "ApplicationCompleted", "the application's pods ended")
    if app.state in (S.ACCEPTED, S.RESERVING, S.RUNNING, S.RESUMING):
        cycle.move(app, S.COMPLETED, "Completed", f"every pod of application {app.app_id} ended", None)


def _start(cycle: Cycle, app: AppWork) -> None:
    """Accepted: a gang creates its placeholders and reserves; a plain application waits for a node."""
    pods = app.pods
    gang = app.gang
    if gang is None or gang.wanted == 0:
        if pods.bound:
            cycle.move(app, S.RUNNING, "Running", "pods of the application are already running", None)
        return
    if pods.placeholders or app.status.placeholders_created:
        cycle.move(
            app, S.RESERVING, "GangScheduling", "resuming the reservation with the existing placeholders"
        )
        return
    if pods.bound:
        cycle.move(app, S.RUNNING, "Running", "pods of the application are already running", None)
        return
    _create_placeholders(cycle, app)
    app.status = replace(app.status, placeholders_created=True)
    cycle.move(
        app,
        S.RESERVING,
        "GangScheduling",
        f"reserving resources for the gang with {gang.wanted} placeholders: {describe_gang(gang.groups)}",
    )


def _create_placeholders(cycle: Cycle, app: AppWork) -> None:
    """minMember placeholders per task group, named reproducibly; those that exist are not asked again."""
    gang = app.gang
    origin = app.pods.originator
    assert gang is not None and origin is not None and app.queue is not None
    existing = {p.name for p in app.pods.placeholders}
    for group in gang.groups:
        for i in range(group.min_member):
            name = placeholder_name(app.app_id, group.name, i, origin.uid)
            if name in existing:
                continue
            ph = PlaceholderPod(
                namespace=origin.namespace,
                name=name,
                app_id=app.app_id,
                queue=app.queue.path,
                task_group=group,
                originator=origin,
                task_groups_json=gang.task_groups_json,
                policy_params=origin.policy_params,
                image=cycle.snap.placeholder_image,
            )
            cycle.creates.append(ph)
            app.new_placeholders.append(ph.record(cycle.now))


def _reserve(cycle: Cycle, app: AppWork) -> None:
    """Reserving: fire the placeholder timeout, or complete, or keep placing placeholders."""
    gang = app.gang
    assert gang is not None
    first = app.status.first_placeholder_at
    if first is None and gang.bound_total > 0:
        first = cycle.now
        app.status = replace(app.status, first_placeholder_at=first)
    if first is None and not app.pods.placeholders and app.status.state_since < cycle.now:
        # placeholders asked for in an earlier cycle never appeared (a failed create): ask again
        _create_placeholders(cycle, app)
    if first is not None and cycle.now >= first + gang.params.timeout:
        progress = f"{gang.bound_total}/{gang.wanted} placeholders bound"
        for ph in app.pods.placeholders:
            cycle.release(ph, "PlaceholderTimeout", f"gang reservation timed out with {progress}")
        if gang.params.style == GangStyle.HARD:
            message = (
                f"gang reservation timed out after {gang.params.timeout:g}s with {progress} "
                "(gangSchedulingStyle=Hard): the application fails"
            )
            cycle.move(app, S.FAILING, TIMEOUT_REASON, message, EventType.WARNING)
            for pod in app.pods.pending:
                cycle.fail(pod, TIMEOUT_REASON, message)
        else:
            message = (
                f"gang reservation timed out after {gang.params.timeout:g}s with {progress} "
                "(gangSchedulingStyle=Soft): placeholders released, pods are scheduled without the gang"
            )
            cycle.move(app, S.RESUMING, "PlaceholderTimeout", message, EventType.WARNING)
            app.hold = Block(
                PendingKind.GANG, "waiting for the timed-out reservation's placeholders to be released"
            )
        return
    if gang.complete:
        cycle.move(
            app,
            S.RUNNING,
            "GangReservationComplete",
            f"all {gang.wanted} placeholders are bound: the application's pods take their places",
        )
        return
    app.hold = Block(PendingKind.GANG, explain=lambda: _gang_wait(app))


def _gang_wait(app: AppWork) -> str:
    if app.state == S.RUNNING:
        return "gang reservation complete: the pod takes a placeholder's place in the next cycle"
    return f"waiting for gang reservation: {_progress(app)}"


def _progress(app: AppWork) -> str:
    assert app.gang is not None
    return f"{app.gang.bound_total}/{app.gang.wanted} placeholders bound"


def _tidy_placeholders(cycle: Cycle, app: AppWork) -> None:
    """Running: placeholders nobody will use are released (driver ended, or the timeout passed)."""
    origin = app.pods.originator
    if origin is not None and origin.finished:
        for ph in app.pods.placeholders:
            cycle.release(ph, "ApplicationCompleted", "the application's originator pod ended")
        return
    for ph in app.pods.placeholders:
        if ph.node_name is None:
            cycle.release(
                ph, "PlaceholderUnused", "the gang reservation is complete: this placeholder is not needed"
            )
    first = app.status.first_placeholder_at
    timeout = app.gang.params.timeout if app.gang is not None else 0.0
    if first is not None and cycle.now >= first + timeout:
        app.release_leftovers = True
