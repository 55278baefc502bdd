"""SparkApplication and ScheduledSparkApplication lifecycles as pure decisions over snapshots."""

from sparkfleet.api.wire import EventType
from sparkfleet.engine.lifecycle.decide import decide, executor_event
from sparkfleet.engine.lifecycle.decision import (
    Action,
    FailedCreate,
    LifecycleConfig,
    LifecycleDecision,
    LifecycleEvent,
    TransitionRecord,
)
from sparkfleet.engine.lifecycle.executors import ExecutorChange
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.engine.lifecycle.podview import pod_from_obj
from sparkfleet.engine.lifecycle.scheduled import (
    Run,
    ScheduleConfig,
    ScheduleDecision,
    TimestampPrecision,
    decide_schedule,
    run_name,
)
from sparkfleet.engine.lifecycle.transitions import TERMINAL_STATES, TRANSITIONS, Observation, transition

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "Action",
    "EventType",
    "ExecutorChange",
    "FailedCreate",
    "LifecycleConfig",
    "LifecycleDecision",
    "LifecycleEvent",
    "Observation",
    "Run",
    "ScheduleConfig",
    "ScheduleDecision",
    "TimestampPrecision",
    "TransitionRecord",
    "decide",
    "decide_schedule",
    "executor_event",
    "pod_from_obj",
    "run_name",
    "spec_fingerprint",
    "transition",
]
