"""NodeClaim (karpenter.sh/v1): requests, the observed node, status conditions."""

from sparkfleet.api.karpenter import NodeClaim, NodeClaimConditionType

from .builders import claim_doc


def test_a_nodeclaim_carries_its_requests_and_observed_node() -> None:
    claim = NodeClaim.model_validate(claim_doc())
    assert claim.spec.resources.requests == {"cpu": "15", "memory": "28Gi"}
    assert claim.spec.expireAfter == "720h"
    assert claim.status is not None and claim.status.nodeName == "ip-10-1-2-3.us-west-2.compute.internal"
    assert claim.is_true(NodeClaimConditionType.LAUNCHED)
    assert claim.is_true("Registered")
    assert not claim.is_true(NodeClaimConditionType.INITIALIZED)
    assert claim.condition(NodeClaimConditionType.DRIFTED) is None


def test_nodeclaim_condition_types_are_karpenters() -> None:
    assert {str(c) for c in NodeClaimConditionType} >= {
        "Launched",
        "Registered",
        "Initialized",
        "Ready",
        "Consolidatable",
        "Drifted",
        "Drained",
        "Disrupted",
    }


def test_nodeclaim_status_is_optional_and_conditions_absent_mean_false() -> None:
    doc = claim_doc()
    del doc["status"]
    claim = NodeClaim.model_validate(doc)
    assert not claim.is_true(NodeClaimConditionType.READY)
