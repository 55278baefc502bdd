"""Provisioning records: a Pod object as the engine sees it, and the plan's derived figures."""

from __future__ import annotations

from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.placement import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    SelectorOperator,
    Toleration,
)
from sparkfleet.api.pod import Container, Pod, PodSpec, ResourceRequirements
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.pods import PodRequest

from .builders import GI, blueprint_fleet, pods, request


def _executor(name: str) -> Pod:
    term = NodeSelectorTerm(
        matchExpressions=[
            NodeSelectorRequirement(key="kubernetes.io/arch", operator=SelectorOperator.IN, values=["arm64"])
        ]
    )
    return Pod(
        metadata=ObjectMeta(
            name=name,
            namespace="spark-team-a",
            labels={"spark-role": "executor"},
            annotations={"karpenter.sh/do-not-disrupt": "true"},
        ),
        spec=PodSpec(
            containers=[
                Container(
                    name="spark", resources=ResourceRequirements(requests={"cpu": "4", "memory": "28Gi"})
                )
            ],
            nodeSelector={"multiArch": "Spark"},
            tolerations=[Toleration(key="spark", operator="Exists")],
            affinity=Affinity(
                nodeAffinity=NodeAffinity(
                    requiredDuringSchedulingIgnoredDuringExecution=NodeSelector(nodeSelectorTerms=[term])
                )
            ),
        ),
    )


def test_a_pod_object_becomes_a_request_with_its_constraints() -> None:
    request_ = PodRequest.from_pod(_executor("exec-1"), gang="app-1")
    assert request_.id == "spark-team-a/exec-1"
    assert request_.requests.cpu == 4000 and request_.requests.memory == 28 * GI
    assert request_.node_selector == {"multiArch": "Spark"}
    assert request_.required_terms[0].describe() == "kubernetes.io/arch In [arm64]"
    assert request_.gang == "app-1"
    assert request_.spark_role == "executor"
    assert request_.do_not_disrupt


def test_pods_from_objects_with_equal_constraints_plan_together() -> None:
    planned = plan(request(blueprint_fleet(), [PodRequest.from_pod(_executor(f"e-{i}")) for i in range(4)]))
    assert sum(len(c.pods) for c in planned.claims) == 4
    assert all(c.node.labels["kubernetes.io/arch"] == "arm64" for c in planned.claims)


def test_the_plan_price_is_the_sum_of_its_claims_and_claims_can_be_found_by_pod() -> None:
    planned = plan(request(blueprint_fleet(), pods("e", 30, 4, "16Gi")))
    assert planned.price_per_hour == sum(c.price for c in planned.claims)
    claim = planned.claims[-1]
    assert planned.claim_of(claim.pods[0]) is claim
    assert planned.claim_of("spark/none") is None
