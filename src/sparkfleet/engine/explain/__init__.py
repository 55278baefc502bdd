"""Why an application waits, as a pure engine: its facts (objects, the scheduler's statuses, the Events the
scheduler and the provisioner record) -> an observation (phase, typed reason, message) -> the timeline
kept in the `sparkfleet.io/timeline` annotation, and the current blocker in one sentence."""

from sparkfleet.engine.explain.facts import (
    claim_facts,
    event_facts,
    expected_executors,
    facts_from_objects,
    pod_facts,
    scheduler_app_id,
)
from sparkfleet.engine.explain.model import (
    WAITING_PHASES,
    AppFacts,
    ClaimFacts,
    EventFacts,
    Observation,
    PodFacts,
    QueueFacts,
    TimelinePhase,
    WaitReason,
)
from sparkfleet.engine.explain.observe import observe
from sparkfleet.engine.explain.queuewait import queue_wait
from sparkfleet.engine.explain.sentence import blocker_sentence, short_duration
from sparkfleet.engine.explain.timeline import MAX_ENTRIES, PhaseRun, TimelineUpdate, advance, format_timeline

__all__ = [
    "MAX_ENTRIES",
    "WAITING_PHASES",
    "AppFacts",
    "ClaimFacts",
    "EventFacts",
    "Observation",
    "PhaseRun",
    "PodFacts",
    "QueueFacts",
    "TimelinePhase",
    "TimelineUpdate",
    "WaitReason",
    "advance",
    "blocker_sentence",
    "claim_facts",
    "event_facts",
    "expected_executors",
    "facts_from_objects",
    "format_timeline",
    "observe",
    "pod_facts",
    "queue_wait",
    "scheduler_app_id",
    "short_duration",
]
