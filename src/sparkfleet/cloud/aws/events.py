"""The events the AWS adapter hands out from `poll_events`, each once, in time order.

Events come from three places: what the adapter did itself (a launch's pending instance, an offering
without capacity, a termination), the interruption queue (EventBridge), and, when no queue is configured,
the instance states DescribeInstances shows compared with the last ones seen. A state change is emitted
only when it differs from the last state seen (so the queue and the adapter never report one twice), and
never out of a terminal state (a late `running` message for a terminated instance changes nothing).
"""

from __future__ import annotations

import threading
from datetime import datetime

from sparkfleet.cloud.aws.interruption import Notice
from sparkfleet.cloud.port import CloudEvent, CloudEventKind, Instance, InstanceState, LaunchFailure

_TERMINAL = (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)


class EventLog:
    def __init__(self) -> None:
        self._events: list[CloudEvent] = []
        self._last: dict[str, Instance] = {}
        self._lock = threading.Lock()

    def known(self, instance_id: str) -> Instance | None:
        with self._lock:
            return self._last.get(instance_id)

    def seen(self) -> list[str]:
        with self._lock:
            return list(self._last)

    def state(self, instance: Instance, when: datetime) -> None:
        """`instance` is now in `instance.state`: an event if that is news."""
        with self._lock:
            before = self._last.get(instance.instance_id)
            previous = before.state if before is not None else None
            if previous is instance.state or (previous in _TERMINAL and instance.state not in _TERMINAL):
                return
            if previous is InstanceState.TERMINATED:
                return
            self._last[instance.instance_id] = instance
            self._events.append(CloudEvent.state_change(instance, previous, when))

    def insufficient(self, failure: LaunchFailure, node_claim: str, when: datetime) -> None:
        with self._lock:
            self._events.append(
                CloudEvent(
                    CloudEventKind.INSUFFICIENT_CAPACITY,
                    when,
                    failure.instance_type,
                    failure.zone,
                    failure.capacity_type,
                    node_claim,
                    reason=failure.message or failure.code,
                )
            )

    def notice(self, notice: Notice, instance: Instance) -> None:
        """A queue message about one of our instances (state changes go through `state`)."""
        with self._lock:
            self._events.append(
                CloudEvent(
                    notice.kind,
                    notice.time,
                    instance.instance_type,
                    instance.zone,
                    instance.capacity_type,
                    instance.node_claim_name,
                    instance_id=instance.instance_id,
                    state=instance.state,
                    deadline=notice.deadline,
                )
            )

    def drain(self) -> list[CloudEvent]:
        with self._lock:
            events, self._events = self._events, []
        return sorted(events, key=lambda e: e.time)  # stable: same-time events keep their order
