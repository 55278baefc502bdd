"""A simulated EC2 region behind the Cloud port: real instance types and prices, spot and on-demand,
capacity that runs out, launch latency and spot interruptions, all driven by an injected clock.

Time only moves when the clock does: every call first applies what became due since the last call
(pending -> running after `launchLatencySeconds`, interruption warnings, reclaims), stamping each event
with the time it was due, so a virtual clock replays the same history on every run. Instance ids are
`i-` followed by the launch counter in 17 hex digits. All calls are serialised by one lock.

With a `state_file` the region outlives the program (state.py): it is reopened from the file, and every
call that changed something writes it again before returning.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType, Offering, OfferingKey
from sparkfleet.api.scenario import Scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.catalog import Catalog
from sparkfleet.cloud.port import (
    SPOT_TERMINATION_REASON,
    USER_TERMINATION_REASON,
    CloudError,
    CloudEvent,
    CloudEventKind,
    CollectedTemplate,
    IdempotentParameterMismatch,
    Instance,
    InstanceNotFound,
    InstanceState,
    LaunchFailure,
    LaunchRequest,
    LaunchResult,
    NodeClassResolution,
)
from sparkfleet.cloud.pricing import offering_price
from sparkfleet.cloud.sim.capacity import CapacityModel, insufficient_capacity_message
from sparkfleet.cloud.sim.fleet import Candidate, fleet_order
from sparkfleet.cloud.sim.nodeclasses import SimulatedNodeClasses
from sparkfleet.cloud.sim.scenario import check_scenario
from sparkfleet.cloud.sim.state import Due, Launched, RegionState, Step, load_state, save_state

DEFAULT_REGION = "us-east-1"
SPOT_INTERRUPTION_NOTICE = timedelta(minutes=2)
_LIVE = (InstanceState.PENDING, InstanceState.RUNNING)
ORPHAN_GRACE = timedelta(minutes=CloudSettings().orphanGraceMinutes)


class SupportsNow(Protocol):
    def now(self) -> datetime: ...


class SimulatedEC2:
    """The Cloud port over a simulated region (us-east-1 unless told otherwise)."""

    def __init__(
        self,
        catalog: Catalog,
        scenario: Scenario,
        clock: SupportsNow,
        *,
        region: str = DEFAULT_REGION,
        state_file: Path | None = None,
        orphan_grace: timedelta = ORPHAN_GRACE,
    ) -> None:
        """`state_file`: where the region is kept across restarts (reopened from it when it exists);
        None: the region lives as long as this object. `orphan_grace`: see `collect_orphans`."""
        check_scenario(scenario, catalog, region)
        self._catalog = catalog
        self._types = {it.name: it for it in catalog}
        self._scenario = scenario.model_copy(deep=True)  # later edits by the caller change nothing
        self._clock = clock
        self._region = region
        self._zones = tuple(self._scenario.zones)
        self._latency = timedelta(seconds=scenario.launchLatencySeconds)
        self._orphan_grace = orphan_grace
        self._node_classes = SimulatedNodeClasses(region, self._zones)
        self._capacity = CapacityModel(self._scenario)
        self._prices = {
            OfferingKey(it.name, zone, ct): offering_price(it, zone, ct)
            for it in catalog
            for zone in self._zones
            for ct in CapacityType
        }
        self._lock = threading.RLock()
        self._instances: dict[str, Instance] = {}
        self._by_token: dict[str, Launched] = {}
        self._warned: set[str] = set()
        self._hits_left = [spec.count for spec in scenario.spotInterruptions]
        self._events: list[CloudEvent] = []
        self._due: list[Due] = []
        self._seq = 0
        self._launches = 0
        self._state_file = state_file
        self._dirty = False
        self.started = clock.now()
        kept = load_state(state_file) if state_file is not None else None
        if kept is not None:
            self._reopen(kept)
        else:
            self._plan_interruptions(self.started)
        with self._caught_up():
            self._dirty = self._dirty or (state_file is not None and kept is None)

    def _plan_interruptions(self, since: datetime) -> None:
        for index, spec in enumerate(self._scenario.spotInterruptions):
            if spec.at is not None:
                self._schedule(since + timedelta(seconds=spec.at), Step.INTERRUPT, spec=index)

    def _reopen(self, kept: RegionState) -> None:
        """Take up the region kept in the state file; a changed scenario's interruptions start now."""
        self._instances = dict(kept.instances)
        self._by_token = dict(kept.by_token)
        self._events = list(kept.events)
        self._seq, self._launches = kept.seq, kept.launches
        for instance in self._instances.values():
            if instance.state in _LIVE:
                self._capacity.started(instance.instance_type)
        if kept.scenario == self._scenario_json():
            self.started = kept.started
            self._warned, self._hits_left = set(kept.warned), list(kept.hits_left)
            self._due = list(kept.due)
        else:
            self._due = [d for d in kept.due if d.step in (Step.RUN, Step.RECLAIM)]
            self._warned = {d.instanceId for d in self._due if d.step is Step.RECLAIM}
            self._plan_interruptions(self.started)
            self._dirty = True
        heapq.heapify(self._due)

    def _scenario_json(self) -> dict[str, object]:
        return self._scenario.model_dump(mode="json")

    @contextlib.contextmanager
    def _caught_up(self) -> Iterator[None]:
        """The lock held and the region caught up to now; what changed is written before it is let go."""
        with self._lock:
            try:
                self._catch_up()
                yield
            finally:
                if self._dirty and self._state_file is not None:
                    save_state(self._state_file, self._snapshot())
                self._dirty = False

    def _snapshot(self) -> RegionState:
        return RegionState(
            started=self.started,
            scenario=self._scenario_json(),
            instances=dict(self._instances),
            by_token=dict(self._by_token),
            warned=set(self._warned),
            hits_left=list(self._hits_left),
            events=list(self._events),
            due=list(self._due),
            seq=self._seq,
            launches=self._launches,
        )

    @property
    def region(self) -> str:
        return self._region

    @property
    def registers_nodes(self) -> bool:
        """No kubelet boots on a simulated instance: the NodeClaim controller creates its Node."""
        return False

    @property
    def zones(self) -> tuple[str, ...]:
        return self._zones

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def instance_types(self) -> list[InstanceType]:
        return list(self._catalog)

    def offerings(self, region: str) -> list[Offering]:
        if region != self._region:
            raise CloudError(f"region {region!r} is not simulated (this simulator serves {self._region})")
        with self._caught_up():
            # As EC2's offering APIs do, list what exists: capacity shows only when a launch fails.
            return [
                Offering(key.instanceType, key.zone, key.capacityType, price, True)
                for key, price in self._prices.items()
            ]

    def launch(self, request: LaunchRequest) -> LaunchResult:
        with self._caught_up():
            earlier = self._by_token.get(request.client_token)
            if earlier is not None:
                if earlier.request != request:
                    raise IdempotentParameterMismatch(
                        f"client token {request.client_token!r} was used with a different request"
                    )
                return LaunchResult(self._instances[earlier.instanceId], earlier.errors)
            now = self._clock.now()
            failures: list[LaunchFailure] = []
            for candidate in fleet_order(request, self._types, self._zones, self._prices):
                if self._has_capacity(candidate.offering):
                    instance = self._start(request, candidate, now)
                    self._by_token[request.client_token] = Launched(
                        request, instance.instance_id, tuple(failures)
                    )
                    return LaunchResult(instance, tuple(failures))
                failures.append(self._fail(request, candidate, now))
            return LaunchResult(None, tuple(failures))

    def terminate(self, instance_ids: Sequence[str]) -> list[Instance]:
        with self._caught_up():
            unknown = [i for i in instance_ids if i not in self._instances]
            if unknown:
                raise InstanceNotFound(unknown)
            now = self._clock.now()
            for instance_id in dict.fromkeys(instance_ids):
                self._stop(instance_id, now, USER_TERMINATION_REASON)
            return [self._instances[i] for i in instance_ids]

    def list_instances(self) -> list[Instance]:
        with self._caught_up():
            return [i for i in self._instances.values() if i.state in _LIVE]

    def poll_events(self) -> list[CloudEvent]:
        with self._caught_up():
            events, self._events = self._events, []
            self._dirty = self._dirty or bool(events)
            return events

    def describe(self, instance_id: str) -> Instance:
        """One instance in whatever state it is, terminated included."""
        with self._caught_up():
            if instance_id not in self._instances:
                raise InstanceNotFound([instance_id])
            return self._instances[instance_id]

    def resolve_node_class(self, node_class: EC2NodeClass) -> NodeClassResolution:
        """What the node class selects in the simulated account (see `sparkfleet.cloud.sim.nodeclasses`)."""
        return self._node_classes.resolve(node_class)

    def collect_orphans(self, node_claims: Collection[str]) -> list[Instance]:
        with self._caught_up():
            now = self._clock.now()
            orphans = [
                i.instance_id
                for i in self._instances.values()
                if i.state in _LIVE
                and i.node_claim_name not in node_claims
                and now - i.launch_time >= self._orphan_grace
            ]
            return self.terminate(orphans) if orphans else []

    def collect_launch_templates(self, node_classes: Iterable[str]) -> list[CollectedTemplate]:
        """The simulator launches without launch templates: there is never one to delete."""
        return []

    def _has_capacity(self, key: OfferingKey) -> bool:
        return self._capacity.available(key, self._types[key.instanceType])

    def _fail(self, request: LaunchRequest, candidate: Candidate, now: datetime) -> LaunchFailure:
        key = candidate.offering
        failure = LaunchFailure(
            key.instanceType, key.zone, key.capacityType, message=insufficient_capacity_message(key)
        )
        self._dirty = True
        self._events.append(
            CloudEvent(
                CloudEventKind.INSUFFICIENT_CAPACITY,
                now,
                key.instanceType,
                key.zone,
                key.capacityType,
                request.node_claim_name,
                reason=failure.message,
            )
        )
        return failure

    def _start(self, request: LaunchRequest, candidate: Candidate, now: datetime) -> Instance:
        self._launches += 1
        key = candidate.offering
        instance = Instance(
            instance_id=f"i-{self._launches:017x}",
            instance_type=key.instanceType,
            zone=key.zone,
            capacity_type=key.capacityType,
            price=candidate.price,
            launch_time=now,
            state=InstanceState.PENDING,
            node_claim_name=request.node_claim_name,
            client_token=request.client_token,
            tags=MappingProxyType(dict(request.tags)),
        )
        self._instances[instance.instance_id] = instance
        self._capacity.started(key.instanceType)
        self._record_state(instance, None, now)
        self._schedule(now + self._latency, Step.RUN, instance.instance_id)
        if key.capacityType is CapacityType.SPOT:
            family = candidate.instanceType.family
            for index, spec in enumerate(self._scenario.spotInterruptions):
                if spec.afterLaunch is not None and spec.matches(key.instanceType, family, key.zone):
                    when = now + timedelta(seconds=spec.afterLaunch)
                    self._schedule(when, Step.WARN, instance.instance_id, spec=index)
        return instance

    def _stop(self, instance_id: str, when: datetime, reason: str) -> None:
        instance = self._instances[instance_id]
        if instance.state not in _LIVE:
            return
        self._set_state(instance, InstanceState.TERMINATED, when, reason)
        self._capacity.stopped(instance.instance_type)

    def _set_state(self, instance: Instance, state: InstanceState, when: datetime, reason: str = "") -> None:
        updated = replace(instance, state=state, state_reason=reason)
        self._instances[instance.instance_id] = updated
        self._record_state(updated, instance.state, when)

    def _record_state(self, instance: Instance, previous: InstanceState | None, when: datetime) -> None:
        self._dirty = True
        self._events.append(CloudEvent.state_change(instance, previous, when))

    def _schedule(self, when: datetime, step: Step, instance_id: str = "", spec: int = -1) -> None:
        self._seq += 1
        heapq.heappush(self._due, Due(when, self._seq, step, instance_id, spec))
        self._dirty = True

    def _catch_up(self) -> None:
        """Apply everything due up to the clock's now, in time order (ties in scheduling order)."""
        now = self._clock.now()
        while self._due and self._due[0].time <= now:
            due = heapq.heappop(self._due)
            self._dirty = True
            if due.step is Step.RUN:
                instance = self._instances[due.instanceId]
                if instance.state is InstanceState.PENDING:
                    self._set_state(instance, InstanceState.RUNNING, due.time)
            elif due.step is Step.INTERRUPT:
                self._interrupt(due)
            elif due.step is Step.WARN:
                self._warn(due.instanceId, due.spec, due.time)
            else:
                self._stop(due.instanceId, due.time, SPOT_TERMINATION_REASON)

    def _interrupt(self, due: Due) -> None:
        spec = self._scenario.spotInterruptions[due.spec]
        for instance in list(self._instances.values()):
            family = self._types[instance.instance_type].family
            if instance.capacity_type is CapacityType.SPOT and spec.matches(
                instance.instance_type, family, instance.zone
            ):
                self._warn(instance.instance_id, due.spec, due.time)

    def _warn(self, instance_id: str, spec: int, when: datetime) -> None:
        instance = self._instances[instance_id]
        left = self._hits_left[spec]
        if instance.state not in _LIVE or instance_id in self._warned or left == 0:
            return
        if left is not None:
            self._hits_left[spec] = left - 1
        self._warned.add(instance_id)
        deadline = when + SPOT_INTERRUPTION_NOTICE
        self._events.append(
            CloudEvent(
                CloudEventKind.SPOT_INTERRUPTION_WARNING,
                when,
                instance.instance_type,
                instance.zone,
                instance.capacity_type,
                instance.node_claim_name,
                instance_id=instance_id,
                state=instance.state,
                deadline=deadline,
            )
        )
        self._schedule(deadline, Step.RECLAIM, instance_id)
