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
    # New pods arrived for an application id that had completed (a namespace's generated application).
    (S.COMPLETED, S.SUBMITTED): "new pods arrived for a completed application",
}

TERMINAL = frozenset({S.COMPLETED, S.REJECTED, S.FAILED})
HISTORY_LIMIT = 32


class IllegalTransition(ValueError):
    """An edge that the table does not allow: a bug in the engine, never a user error."""


def transition(status: AppStatus, to: AppState, now: float, reason: str, message: str) -> AppStatus:
    """The status after taking the edge `status.state -> to`, with the edge appended to the history."""
    if (status.state, to) not in TRANSITIONS:
        raise IllegalTransition(f"application {status.app_id}: {status.state} -> {to} is not allowed")
    edge = AppTransition(status.app_id, status.state, to, now, reason, message)
    history = (*status.history, edge)[-HISTORY_LIMIT:]
    return replace(status, state=to, state_since=now, message=message, history=history)
