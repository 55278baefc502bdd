"""Properties that hold for any cluster and workload: no node is over-committed, no queue exceeds its max
(up the tree), every pod bound satisfies its node selector, required node affinity and taints, and every
pod left Pending is told why."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkfleet.api.placement import NodeSelectorRequirement, NodeSelectorTerm, Toleration
from sparkfleet.engine.scheduling import Constraints, NodeRecord, PodRecord, Resources

from .builders import GI, T0, Cluster, node, partition, pod, taint, task_groups, tolerate

QUEUES = """
partitions:
  - name: default
    preemption: {enabled: true}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: a
            resources: {guaranteed: {vcore: 2, memory: 8Gi}, max: {vcore: 8, memory: 32Gi}}
          - name: b
            resources: {max: {vcore: 20}}
          - name: c
            resources: {guaranteed: {vcore: 4}, max: {vcore: 12}}
            queues:
              - name: c1
                resources: {max: {vcore: 10}}
              - name: c2
"""
LEAVES = ("root.a", "root.b", "root.c.c1", "root.c.c2")
MAX_CPU = {"root.a": 8000, "root.b": 20000, "root.c": 12000, "root.c.c1": 10000}
MAX_MEMORY = {"root.a": 32 * GI}

CONSTRAINTS = (
    Constraints(),
    Constraints({"group": "x"}),
    Constraints(
        None,
        [tolerate("dedicated")],
        [
            NodeSelectorTerm(
                matchExpressions=[NodeSelectorRequirement(key="zone", operator="In", values=["a"])]
            )
        ],
    ),
    Constraints(
        None,
        [],
        [
            NodeSelectorTerm(
                matchExpressions=[NodeSelectorRequirement(key="group", operator="NotIn", values=["x"])]
            ),
            NodeSelectorTerm(matchExpressions=[NodeSelectorRequirement(key="zone", operator="Exists")]),
        ],
    ),
    Constraints({"group": "y"}, [tolerate("dedicated", None)]),
)


@st.composite
def nodes(draw: st.DrawFn) -> list[NodeRecord]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        labels = {"group": draw(st.sampled_from(["x", "y"]))}
        if draw(st.booleans()):
            labels["zone"] = draw(st.sampled_from(["a", "b"]))
        out.append(
            node(
                f"n{i}",
                draw(st.sampled_from([2, 4, 8, 16])),
                draw(st.sampled_from([4, 8, 16, 64])),
                pods=draw(st.sampled_from([3, 110])),
                labels=labels,
                taints=[taint("dedicated")] if draw(st.integers(0, 3)) == 0 else [],
                ready=draw(st.integers(0, 9)) > 0,
                unschedulable=draw(st.integers(0, 9)) == 0,
            )
        )
    return out


@st.composite
def workload(draw: st.DrawFn) -> list[list[PodRecord]]:
    apps = []
    for a in range(draw(st.integers(1, 5))):
        app_id = f"app{a}"
        queue = draw(st.sampled_from(LEAVES))
        constraints = draw(st.sampled_from(CONSTRAINTS))
        created = T0 + a
        count = draw(st.integers(1, 10))
        sizes = [
            (draw(st.sampled_from([0.5, 1, 2, 4])), draw(st.sampled_from([1, 2, 4, 8]))) for _ in range(count)
        ]
        is_gang = draw(st.integers(0, 3)) == 0
        pods = []
        groups = None
        if is_gang:
            cpu, mem = sizes[0]
            groups = task_groups(
                ("driver", 1, f"{int(cpu * 1000)}m", f"{mem}Gi"), ("exec", count - 1, "1", "2Gi")
            )
        for i, (cpu, mem) in enumerate(sizes):
            fields: dict[str, object] = {
                "queue": queue,
                "created": created + (0 if i == 0 else 1),
                "constraints": constraints,
                "priority": draw(st.sampled_from([0, 0, 10])),
            }
            if is_gang:
                fields["task_group"] = "driver" if i == 0 else "exec"
                if i == 0:
                    fields["task_groups"] = groups
                    fields["policy_params"] = "placeholderTimeoutInSeconds=5"
            pods.append(pod(f"{app_id}-{i}", app_id, cpu, mem, **fields))  # type: ignore[arg-type]
        apps.append(pods)
    return apps


def satisfies(p: PodRecord, n: NodeRecord) -> bool:
    """An independent, plain reading of the Kubernetes rules."""
    c = p.constraints
    if not n.ready and not _tolerated(c.tolerations, "node.kubernetes.io/not-ready"):
        return False
    if n.unschedulable and not _tolerated(c.tolerations, "node.kubernetes.io/unschedulable"):
        return False
    for t in n.taints:
        if t.effect.value in ("NoSchedule", "NoExecute") and not any(
            tol.tolerates(t) for tol in c.tolerations
        ):
            return False
    if any(n.labels.get(k) != v for k, v in c.node_selector):
        return False
    if c.required_terms is not None:
        return any(all(_matches(r, n.labels) for r in term.matchExpressions) for term in c.required_terms)
    return True


def _tolerated(tolerations: tuple[Toleration, ...], key: str) -> bool:
    from sparkfleet.api.placement import Taint, TaintEffect

    return any(t.tolerates(Taint(key=key, effect=TaintEffect.NO_SCHEDULE)) for t in tolerations)


def _matches(r: NodeSelectorRequirement, labels: dict[str, str]) -> bool:
    value = labels.get(r.key)
    op = r.operator.value
    if op == "In":
        return value in r.values
    if op == "NotIn":
        return value not in r.values
    if op == "Exists":
        return value is not None
    return value is None


def check(cluster: Cluster) -> None:
    by_name = {n.name: n for n in cluster.nodes}
    for name, used in cluster.used().items():
        assert used.fits_in(by_name[name].allocatable), f"{name} over-committed"
    usage: dict[str, Resources] = {}
    for p in cluster.pods.values():
        if p.node_name and not p.finished:
            status = cluster.apps.get(p.app_id)
            assert status is not None and status.queue is not None
            parts = status.queue.split(".")
            for depth in range(1, len(parts) + 1):
                path = ".".join(parts[:depth])
                usage[path] = usage.get(path, Resources()) + p.requests
    for path, limit in MAX_CPU.items():
        assert usage.get(path, Resources()).get("cpu") <= limit, f"{path} over its vcore max"
    for path, limit in MAX_MEMORY.items():
        assert usage.get(path, Resources()).get("memory") <= limit, f"{path} over its memory max"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes(), workload(), st.lists(st.sampled_from([1.0, 3.0, 10.0]), min_size=1, max_size=4))
def test_nodes_queues_and_constraints_are_never_violated(
    fleet: list[NodeRecord], apps: list[list[PodRecord]], advances: list[float]
) -> None:
    cluster = Cluster(fleet, partition(QUEUES))
    cluster.submit(*apps)
    by_name = {n.name: n for n in fleet}
    for i, advance in enumerate(advances):
        decision = cluster.step(advance)
        for b in decision.binds:
            bound = cluster.pods[(b.pod.namespace, b.pod.name)]
            assert satisfies(bound, by_name[b.node]), f"{b.pod.name} on {b.node} breaks its constraints"
        check(cluster)
        explained = {(u.pod.namespace, u.pod.name) for u in decision.unschedulable}
        for key, p in cluster.pods.items():
            if p.node_name is None and not p.finished:
                assert key in explained, f"{key} is pending without a reason"
        if i == 1:
            cluster.end("app0")
