"""Karpenter's metrics counted where the provisioner decides, in Karpenter's label values."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from sparkfleet.api.blueprint import spark_compute_optimized
from sparkfleet.api.karpenter import NodePool
from sparkfleet.controllers.support.karpentermetrics import KarpenterMetrics, snake_case, termination_mode


def test_reasons_and_policies_are_snake_case() -> None:
    assert snake_case("WhenEmptyOrUnderutilized") == "when_empty_or_underutilized"
    assert snake_case("Empty") == "empty"


def with_grace(period: str) -> NodePool:
    data = spark_compute_optimized().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["spec"]["template"]["spec"]["terminationGracePeriod"] = period
    return NodePool.model_validate(data)


def test_termination_mode_follows_the_pools_termination_grace_period() -> None:
    assert termination_mode(spark_compute_optimized()) == "graceful"
    assert termination_mode(with_grace("0s")) == "forceful"
    assert termination_mode(with_grace("10m")) == "eventual"
    assert termination_mode(None) == "graceful"


def test_a_round_counts_its_claims_and_holds_its_queue_depth_while_open() -> None:
    registry = CollectorRegistry()
    metrics = KarpenterMetrics(registry)
    metrics.round_opened("2026-01-05T09:00:00Z", pods=3, seconds=0.02)
    metrics.claim_created("provisioned", "spark-compute-optimized")
    depth = {"controller": "provisioner", "scheduling_id": "2026-01-05T09:00:00Z"}
    assert registry.get_sample_value("karpenter_scheduler_queue_depth", depth) == 3
    metrics.round_finished("2026-01-05T09:00:00Z", unschedulable=1)
    metrics.round_finished("2026-01-05T09:00:00Z", unschedulable=1)  # once is enough
    assert registry.get_sample_value("karpenter_scheduler_queue_depth", depth) is None
    labels = {"reason": "provisioned", "nodepool": "spark-compute-optimized", "min_values_relaxed": "false"}
    assert registry.get_sample_value("karpenter_nodeclaims_created_total", labels) == 1
    count = "karpenter_scheduler_unschedulable_pods_count"
    assert registry.get_sample_value(count, {"controller": "provisioner"}) == 1
    duration = "karpenter_scheduler_scheduling_duration_seconds_count"
    assert registry.get_sample_value(duration, {"controller": "provisioner"}) == 1
