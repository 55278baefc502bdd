"""Suspension and spec changes, which come before whatever the state would do next, and the spec
fingerprint that tells a changed spec from the one submitted."""

from __future__ import annotations

from sparkfleet.api.sparkstatus import ApplicationStateType
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT, LABEL_SUBMISSION_ID
from sparkfleet.engine.lifecycle.decision import Action
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.engine.lifecycle.machine import Machine
from sparkfleet.engine.lifecycle.transitions import TERMINAL_STATES, Observation

__all__ = ["keep_fingerprint", "preflight"]

S = ApplicationStateType

# States in which a spec change invalidates the run (a run exists, existed or is about to be retried).
_INVALIDATABLE = frozenset(
    {
        S.SUBMITTED,
        S.RUNNING,
        S.UNKNOWN,
        S.SUCCEEDING,
        S.FAILING,
        S.SUBMISSION_FAILED,
        S.PENDING_RERUN,
        S.COMPLETED,
        S.FAILED,
    }
)
_SUSPEND_EXEMPT = TERMINAL_STATES | {S.SUSPENDING, S.SUSPENDED}


def _recorded_fingerprint(m: Machine) -> str | None:
    """The fingerprint of the spec last submitted: the current submission's driver pod carries it (so
    the happy path never writes it on the application); the application keeps it once that pod is
    going away."""
    pod = m.driver_pod
    if pod is not None and pod.metadata.labels.get(LABEL_SUBMISSION_ID) == m.status.submissionID:
        carried = pod.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)
        if carried:
            return carried
    return m.app.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)


def preflight(m: Machine) -> None:
    """Suspend, invalidate on a spec change, or start recording the fingerprint."""
    current = spec_fingerprint(m.app.spec)
    recorded = _recorded_fingerprint(m)
    if m.app.spec.suspend and m.state not in _SUSPEND_EXEMPT:
        m.apply(Observation.SUSPEND_REQUESTED)
    elif recorded is not None and recorded != current and m.state in _INVALIDATABLE:
        m.apply(Observation.SPEC_CHANGED)
        m.fingerprint = current
    elif recorded is None and m.state not in (S.NEW, S.RESUMING, S.PENDING_RERUN):
        # Written before fingerprints were kept, or lost in a crash: start comparing from here.
        m.fingerprint = current
    elif recorded != current and m.state == S.INVALIDATING:
        m.fingerprint = current


def keep_fingerprint(m: Machine) -> None:
    """Deleting the attempt's resources takes the driver pod's fingerprint along: keep it on the app."""
    current = spec_fingerprint(m.app.spec)
    on_app = m.app.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)
    if Action.DELETE_RESOURCES in m.actions and m.fingerprint is None and on_app != current:
        m.fingerprint = current
