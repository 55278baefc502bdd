"""`sparkfleet plan`: one application through submission, scheduling and provisioning on an empty cluster.

Nothing runs and nothing is stored. The simulated cloud is asked for each planned NodeClaim exactly as the
NodeClaim controller would ask it, so an offering the scenario makes unavailable fails the launch and the
plan falls back within the same round, as a real run would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sparkfleet.api.base import ManifestError
from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkvalidation import executor_limit_issues
from sparkfleet.cloud import Cloud, Instance, LaunchRequest
from sparkfleet.config import PlatformConfig
from sparkfleet.engine.provisioning import (
    Fleet,
    PodRequest,
    ProvisioningPlan,
    ProvisioningRequest,
    plan,
    replan_after_launch_failure,
)
from sparkfleet.engine.scheduling import PendingKind, schedule, snapshot_from_objects
from sparkfleet.engine.submission import LOCAL_IMAGE, SubmissionOptions, build_submission

_MAX_LAUNCH_ROUNDS = 50


@dataclass
class DryRun:
    """What `plan` reports; `to_json()` gives the documented JSON keys."""

    application: str
    queue: str | None
    task_groups: list[dict[str, Any]]
    node_claims: list[dict[str, Any]] = field(default_factory=list)
    unschedulable: list[dict[str, str]] = field(default_factory=list)
    fallbacks: list[dict[str, str]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    @property
    def total_price_per_hour(self) -> float:
        return round(sum(float(c["pricePerHour"]) for c in self.node_claims), 6)

    def to_json(self) -> dict[str, Any]:
        return {
            "application": self.application,
            "queue": self.queue,
            "taskGroups": self.task_groups,
            "nodeClaims": self.node_claims,
            "unschedulable": self.unschedulable,
            "fallbacks": self.fallbacks,
            "totalPricePerHour": self.total_price_per_hour,
        }


def dry_run(app: SparkApplication, config: PlatformConfig, cloud: Cloud, now: datetime) -> DryRun:
    """Raises ManifestError, naming the field, for an application above the cluster's limits: its executor
    pods are made one by one, so the limit is checked before any of them."""
    over = executor_limit_issues(app.spec, "spec", config.settings.limits.maxExecutors)
    if over:
        raise ManifestError(over)
    meta = app.metadata
    name = f"{meta.namespace or 'default'}/{meta.name or meta.generateName or 'app'}"
    submission_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sparkfleet-plan/{name}"))
    # as the embedded cluster submits it: an application that names no image gets the local one
    submission = build_submission(app, submission_id, SubmissionOptions(default_image=LOCAL_IMAGE))
    driver = submission.driver_pod
    driver.setdefault("metadata", {}).setdefault("uid", f"{submission_id}-driver")
    executors = [
        submission.executor_pod(i, driver_pod=driver) for i in range(1, app.spec.initial_executor_count() + 1)
    ]
    pods = [driver, *executors]

    snapshot = snapshot_from_objects(pods, [], config.queues, None, now)
    decision = schedule(snapshot)
    placeholders = [p.manifest() for p in decision.placeholders_to_create]
    status = next(iter(decision.apps.values()), None)
    report = DryRun(
        application=name,
        queue=(status.queue if status else None) or driver["metadata"].get("labels", {}).get("queue"),
        task_groups=[
            {"name": g["name"], "minMember": g["minMember"], "minResource": dict(g["minResource"])}
            for g in submission.task_groups
        ],
    )
    report.events = [f"{e.reason}: {e.message}" for e in decision.events]
    # Pods the scheduler holds back for reasons other than capacity are not for the provisioner; real
    # pods waiting for their gang's placeholders are not a problem: the placeholders are provisioned.
    held = {u.pod.name: u for u in decision.unschedulable if u.kind is not PendingKind.CAPACITY}
    for u in held.values():
        if u.kind is not PendingKind.GANG:
            report.unschedulable.append({"pod": u.pod.name, "reason": u.message})
    # A rejected application (say, a gang larger than its queue's max) fails its pods: nothing to provision.
    for failure in decision.failures:
        report.unschedulable.append(
            {"pod": failure.pod.name, "reason": f"{failure.reason}: {failure.message}"}
        )
    if decision.failures or (held and not placeholders):
        return report
    to_provision = placeholders if placeholders else [p for p in pods if p["metadata"]["name"] not in held]
    gang = status.app_id if placeholders and status is not None else None
    requests = [PodRequest.from_pod(Pod.model_validate(p), gang=gang) for p in to_provision]

    fleet = Fleet(
        node_pools=tuple(config.nodepools),
        node_classes={c.metadata.name or "": c for c in config.nodeclasses},
        instance_types=tuple(cloud.instance_types()),
        offerings=tuple(cloud.offerings(cloud.region)),
        node_overlays=tuple(config.nodeoverlays),
    )
    request = ProvisioningRequest(fleet=fleet, pods=requests, now=now, claim_prefix="plan-")
    result = _launch_all(request, plan(request), cloud, now)
    for claim in result.claims:
        # The report's keys stay camelCase (its JSON is what `sparkfleet plan` and scripts read), mapped
        # one by one from the claim's snake_case attributes.
        report.node_claims.append(
            {
                "nodePool": claim.node_pool,
                "instanceType": claim.instance_types[0],
                "capacityType": str(claim.capacity_type),
                "zone": claim.zone,
                "pricePerHour": round(claim.price, 6),
                "pods": [p.rsplit("/", 1)[-1] for p in claim.pods],
            }
        )
    report.unschedulable.extend(
        {"pod": u.pod.rsplit("/", 1)[-1], "reason": u.reason} for u in result.unschedulable
    )
    report.fallbacks = [{"from": f.source, "to": f.target, "reason": f.reason} for f in result.fallbacks]
    report.events += [f"{e.reason}: {e.message}" for e in result.events]
    return report


def _launch_all(
    request: ProvisioningRequest, current: ProvisioningPlan, cloud: Cloud, now: datetime
) -> ProvisioningPlan:
    """Launch every claim as the NodeClaim controller would; re-plan at once when EC2 has no capacity."""
    launched: dict[str, Instance] = {}
    for _ in range(_MAX_LAUNCH_ROUNDS):
        failed = None
        for claim in current.claims:
            if claim.name in launched:
                continue
            result = cloud.launch(
                LaunchRequest(
                    client_token=f"{claim.name}-{current.attempt}",
                    node_claim_name=claim.name,
                    instance_types=claim.instance_types,
                    capacity_types=claim.capacity_types,
                    zones=claim.zones,
                )
            )
            if result.instance is not None:
                launched[claim.name] = result.instance
                cloud.terminate([result.instance.instance_id])  # a dry run keeps nothing
                continue
            error = result.error
            failed = (claim.name, tuple(error.offerings) if error is not None else ())
            break
        if failed is None:
            break
        current = replan_after_launch_failure(
            request, current, failed[0], failed[1], now, launched=set(launched)
        )
    # Report what EC2 actually gave: the launched type, capacity type, zone and price.
    claims = tuple(
        replace(
            claim,
            instance_types=(inst.instance_type,),
            capacity_type=inst.capacity_type,
            zone=inst.zone,
            price=inst.price,
        )
        if (inst := launched.get(claim.name)) is not None
        else claim
        for claim in current.claims
    )
    return replace(current, claims=claims)
