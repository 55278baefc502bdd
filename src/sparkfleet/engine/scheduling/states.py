"""The application state machine of the YuniKorn shim, as an explicit table of allowed edges."""

from __future__ import annotations

from dataclasses import replace

from sparkfleet.engine.scheduling.snapshot import AppState, AppStatus, AppTransition

S = AppState

TRANSITIONS: dict[tuple[AppState, AppState], str] = {
    # First pod of an unknown application id seen: the application is handed to the scheduler core.
    (S.NEW, S.SUBMITTED): "the first pod of the application was seen",
    # Placement rules found a leaf queue, the submit ACL allows the user, the gang (if any) can fit its queue.
    (S.SUBMITTED, S.ACCEPTED): "placed into a leaf queue",
    # No placement rule matched, the ACL denied the user, or the gang can never fit the queue max.
    (S.SUBMITTED, S.REJECTED): "the application cannot run in any queue",
    # A gang application: placeholder pods for every task group are created and scheduled first.
    (S.ACCEPTED, S.RESERVING): "placeholders created for the task groups",
    # A plain application got its first allocation (or a recovered one already has pods bound).
    (S.ACCEPTED, S.RUNNING): "the first pod was allocated",
    # Every pod ended before anything was allocated (for example the driver was deleted).
    (S.ACCEPTED, S.COMPLETED): "every pod of the application ended",
    # Every task group has minMember placeholders bound: GangReservationComplete, real pods swap in.
    (S.RESERVING, S.RUNNING): "every task group has its minimum placeholders bound",
    # Soft style timeout: placeholders are released and the pods are scheduled without the gang.
    (S.RESERVING, S.RESUMING): "placeholder timeout (Soft): falling back to normal scheduling",
    # Hard style timeout: the application fails with ResourceReservationTimeout.
    (S.RESERVING, S.FAILING): "placeholder timeout (Hard): ResourceReservationTimeout",
    # The originator ended while the gang was still reserving: placeholders are released.
    (S.RESERVING, S.COMPLETED): "every pod of the application ended while reserving",
    # The released placeholders are gone: scheduling continues as for any application.
    (S.RESUMING, S.RUNNING): "placeholders released, scheduling resumes",
    # The pods ended while placeholders were being released.
    (S.RESUMING, S.COMPLETED): "every pod of the application ended",
    # Every pod of the application ended (succeeded or failed); leftover placeholders are released.
    (S.RUNNING, S.COMPLETED): "every pod of the application ended",
    # The failed application's placeholders are gone and its pending pods were failed.
    (S.FAILING, S.FAILED): "placeholders released after the failure",
    # --- a new run under the same application id starts a new life (edges into New) ---
    # YuniKorn moves an ended application out of the partition, so the id's next pods make a new
    # application: nothing of the last run (queue, placeholders, gang timeout, submit time) carries over,
    # only the history. A run is told by its originator pod (the Spark driver), which differs per run.
    # Pods arrived after every pod of the last run ended: a schedule's next run, a second application with
    # the same applicationId label, a rerun after the first was deleted, a namespace's generated application.
    (S.COMPLETED, S.NEW): "pods of a new run arrived after every pod of the last one ended",
    # A new originator after a failure: the driver retried per restartPolicy, or submitted again.
    (S.FAILED, S.NEW): "a new originator pod arrived after the application failed",
    (S.FAILING, S.NEW): "a new originator pod arrived while the failed run's placeholders were released",
    # A new originator after a rejection: the application submitted again (to a fixed queue, say).
    (S.REJECTED, S.NEW): "a new originator pod arrived after the application was rejected",
    # The originator ended or was deleted and a new one carrying the task groups took over before the last
    # run was seen to end: a driver retried at once, or rerun after a crash of the cluster process.
    (S.SUBMITTED, S.NEW): "a new originator took over from the ended one before the application was accepted",
    (S.ACCEPTED, S.NEW): "a new originator took over from the ended one",
    (S.RESERVING, S.NEW): "a new originator took over from the ended one while the gang was reserving",
    (S.RUNNING, S.NEW): "a new originator took over from the ended one",
    (S.RESUMING, S.NEW): "a new originator took over from the ended one while placeholders were released",
}

TERMINAL = frozenset({S.COMPLETED, S.REJECTED, S.FAILED})
NEW_RUN = frozenset(edge for edge in TRANSITIONS if edge[1] == S.NEW)
"""The edges that start a new life: taken with `restart`, never with `transition`."""
HISTORY_LIMIT = 32


class IllegalTransition(ValueError):
    """An edge that the table does not allow: a bug in the engine, never a user error."""


def _edge(
    status: AppStatus, to: AppState, now: float, reason: str, message: str
) -> tuple[AppTransition, ...]:
    if (status.state, to) not in TRANSITIONS:
        raise IllegalTransition(f"application {status.app_id}: {status.state} -> {to} is not allowed")
    edge = AppTransition(status.app_id, status.state, to, now, reason, message)
    return (*status.history, edge)[-HISTORY_LIMIT:]


def transition(status: AppStatus, to: AppState, now: float, reason: str, message: str) -> AppStatus:
    """The status after taking the edge `status.state -> to`, with the edge appended to the history."""
    if (status.state, to) in NEW_RUN:
        raise IllegalTransition(f"application {status.app_id}: {status.state} -> {to} starts a new run")
    history = _edge(status, to, now, reason, message)
    return replace(status, state=to, state_since=now, message=message, history=history)


def restart(
    status: AppStatus,
    now: float,
    reason: str,
    message: str,
    *,
    originator: str,
    submitted_at: float,
    user: str,
) -> AppStatus:
    """A new run under the same application id: the edge `status.state -> New` to a fresh status that keeps
    only the history (the new run is queued, reserved and timed on its own)."""
    history = _edge(status, S.NEW, now, reason, message)
    return AppStatus(
        app_id=status.app_id,
        state=S.NEW,
        submitted_at=submitted_at,
        state_since=now,
        user=user,
        originator=originator,
        message=message,
        history=history,
    )
