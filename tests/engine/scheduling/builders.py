"""Builders for scheduler tests: nodes, pods, the blueprint's queues, and a virtual cluster that applies
decisions the way the controller will (create placeholders, bind, release, fail, preempt)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sparkfleet.api.placement import Taint, TaintEffect, Toleration
from sparkfleet.api.pod import PodPhase
from sparkfleet.api.yunikorn import Partition, parse_queues_yaml
from sparkfleet.engine.scheduling import (
    AppStatus,
    Constraints,
    NodeRecord,
    PodRecord,
    Resources,
    SchedulingDecision,
    Snapshot,
    schedule,
)

GI = 2**30
G = 10**9
T0 = 1_767_600_000.0

BLUEPRINT_QUEUES = """
partitions:
  - name: default
    nodesortpolicy:
      type: binpacking
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: default
            resources:
              guaranteed: {memory: 1000G, vcore: 1000}
              max: {memory: 1000G, vcore: 1000}
          - name: prod
            resources:
              guaranteed: {memory: 500G, vcore: 50}
              max: {memory: 800G, vcore: 300}
          - name: test
            resources:
              guaranteed: {memory: 100G, vcore: 10}
              max: {memory: 800G, vcore: 50}
          - name: dev
            resources:
              guaranteed: {memory: 100G, vcore: 10}
              max: {memory: 100G, vcore: 10}
"""


def partition(text: str = BLUEPRINT_QUEUES) -> Partition:
    return parse_queues_yaml(text).partitions[0]


def simple_queues(
    *leaves: str,
    policy: str = "fifo",
    nodesort: str = "binpacking",
    preemption: bool = False,
    extra: str = "",
) -> Partition:
    """root (submitacl *) with the given leaves (each `name` or `name:guaranteed_vcore:guaranteed_mem_gi`)."""
    lines = []
    for leaf in leaves or ("default",):
        name, *rest = leaf.split(":")
        lines.append(f"          - name: {name}")
        lines.append(f"            properties: {{application.sort.policy: {policy}}}")
        if rest:
            vcore, mem = rest
            lines.append(f"            resources: {{guaranteed: {{vcore: {vcore}, memory: {mem}Gi}}}}")
    text = f"""
partitions:
  - name: default
    nodesortpolicy: {{type: {nodesort}}}
    preemption: {{enabled: {str(preemption).lower()}}}
    queues:
      - name: root
        submitacl: '*'
        queues:
{chr(10).join(lines)}
{extra}
"""
    return partition(text)


def node(
    name: str,
    cpu: float = 16,
    mem_gi: float = 64,
    pods: int = 110,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
    ready: bool = True,
    unschedulable: bool = False,
    **extra: int,
) -> NodeRecord:
    amounts = {"cpu": int(cpu * 1000), "memory": int(mem_gi * GI), "pods": pods, **extra}
    return NodeRecord(name, Resources(amounts), dict(labels or {}), tuple(taints), unschedulable, ready)


def taint(key: str, value: str | None = None, effect: str = "NoSchedule") -> Taint:
    return Taint(key=key, value=value, effect=TaintEffect(effect))


def tolerate(key: str, effect: str | None = "NoSchedule") -> Toleration:
    return Toleration.model_validate(
        {"key": key, "operator": "Exists", **({"effect": effect} if effect else {})}
    )


def req(cpu: float = 1, mem_gi: float = 4, **extra: int) -> Resources:
    return Resources({"cpu": int(cpu * 1000), "memory": int(mem_gi * GI), "pods": 1, **extra})


def pod(
    name: str,
    app: str,
    cpu: float = 1,
    mem_gi: float = 4,
    *,
    queue: str | None = None,
    created: float = T0,
    namespace: str = "spark",
    constraints: Constraints | None = None,
    **fields: Any,
) -> PodRecord:
    return PodRecord(
        uid=f"uid-{namespace}-{name}",
        namespace=namespace,
        name=name,
        app_id=app,
        requests=req(cpu, mem_gi),
        constraints=constraints or Constraints(),
        queue=queue,
        created=created,
        **fields,
    )


def spark(
    app: str,
    executors: int,
    cpu: float = 1,
    mem_gi: float = 4,
    *,
    queue: str | None = None,
    created: float = T0,
    driver_cpu: float = 1,
    driver_mem_gi: float = 4,
    **fields: Any,
) -> list[PodRecord]:
    """A driver and its executors (executors created one second after the driver)."""
    driver = pod(f"{app}-driver", app, driver_cpu, driver_mem_gi, queue=queue, created=created, **fields)
    return [driver] + [
        pod(f"{app}-exec-{i}", app, cpu, mem_gi, queue=queue, created=created + 1, **fields)
        for i in range(executors)
    ]


def task_groups(*groups: tuple[str, int, str, str], **extra: Any) -> str:
    """JSON for `yunikorn.apache.org/task-groups`: (name, minMember, cpu, memory) per group."""
    return json.dumps(
        [
            {"name": n, "minMember": m, "minResource": {"cpu": c, "memory": mem}, **extra}
            for n, m, c, mem in groups
        ]
    )


def gang(
    app: str,
    executors: int,
    cpu: float = 1,
    mem_gi: float = 4,
    *,
    queue: str | None = None,
    created: float = T0,
    params: str | None = None,
    min_executors: int | None = None,
    ph_cpu: str | None = None,
    ph_mem: str | None = None,
    **fields: Any,
) -> list[PodRecord]:
    """A gang Spark application: the driver carries task groups sized like the pods (unless overridden)."""
    groups = task_groups(
        ("spark-driver", 1, "1", "4Gi"),
        (
            "spark-executor",
            executors if min_executors is None else min_executors,
            ph_cpu or f"{int(cpu * 1000)}m",
            ph_mem or f"{int(mem_gi * 1024)}Mi",
        ),
    )
    driver = pod(
        f"{app}-driver",
        app,
        1,
        4,
        queue=queue,
        created=created,
        task_group="spark-driver",
        task_groups=groups,
        policy_params=params,
        **fields,
    )
    return [driver] + [
        pod(
            f"{app}-exec-{i}",
            app,
            cpu,
            mem_gi,
            queue=queue,
            created=created + 1,
            task_group="spark-executor",
            **fields,
        )
        for i in range(executors)
    ]


@dataclass
class Cluster:
    """A virtual cluster on a virtual clock: each `step` schedules and applies the decision."""

    nodes: list[NodeRecord]
    partition: Partition
    now: float = T0
    pods: dict[tuple[str, str], PodRecord] = field(default_factory=dict)
    apps: Mapping[str, AppStatus] = field(default_factory=dict)
    history: list[SchedulingDecision] = field(default_factory=list)
    graceful_preemption: bool = False
    """Victims terminate over a step (seen terminating by the next cycle) instead of vanishing at once."""
    dying: set[tuple[str, str]] = field(default_factory=set)

    def submit(self, *pods: PodRecord | Iterable[PodRecord]) -> None:
        for item in pods:
            for p in [item] if isinstance(item, PodRecord) else item:
                self.pods[(p.namespace, p.name)] = p

    def snapshot(self) -> Snapshot:
        return Snapshot(self.now, list(self.nodes), list(self.pods.values()), self.partition, self.apps)

    def step(self, advance: float = 1.0) -> SchedulingDecision:
        self.now += advance
        self._finish_terminating()
        decision = schedule(self.snapshot())
        self.apply(decision)
        self.history.append(decision)
        return decision

    def run(self, steps: int, advance: float = 1.0) -> SchedulingDecision:
        decision = self.step(advance)
        for _ in range(steps - 1):
            decision = self.step(advance)
        return decision

    def _finish_terminating(self) -> None:
        for key in self.dying:
            self.pods.pop(key, None)
        self.dying = {key for key, p in self.pods.items() if p.terminating}

    def apply(self, d: SchedulingDecision) -> None:
        for ph in d.placeholders_to_create:
            rec = ph.record(self.now)
            self.pods[(ph.namespace, ph.name)] = replace(rec, uid=f"uid-{ph.name}")
        for r in d.releases:
            self.pods.pop((r.pod.namespace, r.pod.name), None)
        for b in d.binds:
            key = (b.pod.namespace, b.pod.name)
            current = self.pods[key]
            assert current.node_name is None, f"{key} bound twice"
            self.pods[key] = replace(current, node_name=b.node, nominated_node=None)
        for f in d.failures:
            key = (f.pod.namespace, f.pod.name)
            if key in self.pods:
                self.pods[key] = replace(self.pods[key], phase=PodPhase.FAILED)
        for p in d.preemptions:
            key = (p.victim.namespace, p.victim.name)
            if key in self.pods:
                if self.graceful_preemption:
                    self.pods[key] = replace(self.pods[key], terminating=True)
                else:
                    del self.pods[key]
        for u in d.unschedulable:
            if u.nominated_node:
                key = (u.pod.namespace, u.pod.name)
                self.pods[key] = replace(self.pods[key], nominated_node=u.nominated_node)
        self.apps = d.apps

    # --- views -------------------------------------------------------------------------------------

    def app_pods(self, app: str, placeholders: bool = False) -> list[PodRecord]:
        return [p for p in self.pods.values() if p.app_id == app and p.placeholder == placeholders]

    def bound(self, app: str, placeholders: bool = False) -> list[PodRecord]:
        return [p for p in self.app_pods(app, placeholders) if p.node_name and not p.finished]

    def state(self, app: str) -> str:
        return self.apps[app].state.value

    def end(self, app: str, phase: PodPhase = PodPhase.SUCCEEDED) -> None:
        """Every real pod of the application ends."""
        for key, p in list(self.pods.items()):
            if p.app_id == app and not p.placeholder:
                self.pods[key] = replace(p, phase=phase)

    def used(self) -> dict[str, Resources]:
        per_node: dict[str, Resources] = {}
        for p in self.pods.values():
            if p.node_name and not p.finished:
                per_node[p.node_name] = per_node.get(p.node_name, Resources()) + p.requests
        return per_node
