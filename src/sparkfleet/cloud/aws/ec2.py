"""The Cloud port on AWS EC2 through boto3 (the module docstring of `sparkfleet.cloud.port` is the contract).

- launch: the claim's node class (looked up by the injected `NodeClassLookup`) resolved into subnets,
  security groups, an instance profile, AMIs and launch templates (`nodeclasses`); then one CreateFleet
  `instant` request for spot if allowed and, when spot had no capacity, one for on-demand (`fleet`).
  Idempotent by client token: the token is an instance tag (`TAG_CLIENT_TOKEN`), so a live instance with
  it is returned instead of launching, also after a restart; EC2's own ClientToken makes a retried call
  safe. A token whose launch failed may be used again (each attempt sends a new EC2 token).
- every instance is tagged with the cluster (`kubernetes.io/cluster/NAME: owned`), the node pool, node
  class and claim (Karpenter's keys), and `list_instances` lists the cluster's tagged instances.
- events: see `events`; interruption messages from the queue named in the settings (`interruption`).
- prices: `prices`; garbage collection: `collect_orphans`, `collect_launch_templates`.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from types import MappingProxyType
from typing import Protocol

import boto3

from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType, Offering, OfferingKey
from sparkfleet.api.wire import (
    LABEL_NODECLASS,
    LABEL_NODEPOOL,
    TAG_CLIENT_TOKEN,
    TAG_CLUSTER_PREFIX,
    TAG_NODECLAIM,
    CapacityType,
)
from sparkfleet.cloud.aws.clients import AwsApiError, AwsClients, AwsCredentialsError, SupportsNow
from sparkfleet.cloud.aws.events import EventLog
from sparkfleet.cloud.aws.fleet import Override, fleet_request, fleet_token, read_answer
from sparkfleet.cloud.aws.instances import EVERY_STATE, LIVE_STATES, cluster_filter, describe, to_instance
from sparkfleet.cloud.aws.interruption import InterruptionQueue
from sparkfleet.cloud.aws.nodeclasses import LaunchPlan, NodeClassLaunches
from sparkfleet.cloud.aws.prices import PriceBook
from sparkfleet.cloud.aws.profiles import cluster_info
from sparkfleet.cloud.aws.templates import LaunchTemplates
from sparkfleet.cloud.aws.userdata import ClusterInfo
from sparkfleet.cloud.catalog import Catalog
from sparkfleet.cloud.port import (
    CloudError,
    CloudEvent,
    CloudEventKind,
    CollectedTemplate,
    IdempotentParameterMismatch,
    Instance,
    InstanceNotFound,
    InstanceState,
    InvalidLaunchRequest,
    LaunchFailure,
    LaunchRequest,
    LaunchResult,
    NodeClassResolution,
)


class NodeClassLookup(Protocol):
    """The cluster's EC2NodeClasses, as the platform reads them from its store."""

    def for_launch(self, request: LaunchRequest) -> EC2NodeClass:
        """The node class the launch is for (the one its claim's NodePool names)."""
        ...

    def all(self) -> list[EC2NodeClass]: ...


CAPACITY_TYPE_PRIORITY = (CapacityType.SPOT, CapacityType.ON_DEMAND)
TAG_EKS_CLUSTER = "eks:eks-cluster-name"


@dataclass
class _Launched:
    request: LaunchRequest
    instance_id: str | None = None
    errors: tuple[LaunchFailure, ...] = ()
    attempts: int = 0


class AwsEC2:
    """The Cloud port over one AWS region of one EKS cluster."""

    def __init__(
        self,
        settings: CloudSettings,
        catalog: Catalog,
        clock: SupportsNow,
        node_classes: NodeClassLookup,
        *,
        session: boto3.Session | None = None,
        registers_nodes: bool = False,
    ) -> None:
        if not settings.clusterName:
            raise CloudError("cloud.clusterName: required for the aws provider (the EKS cluster's name)")
        self._settings = settings
        self._registers_nodes = registers_nodes
        self._cluster = settings.clusterName
        self._catalog = catalog
        self._types = {it.name: it for it in catalog}
        self._clock = clock
        self._node_classes = node_classes
        self.clients = AwsClients(session or boto3.Session(), settings.region, clock)
        self.prices = PriceBook(
            self.clients,
            self._types,
            clock,
            refresh=timedelta(minutes=settings.priceRefreshMinutes),
            live=settings.livePrices,
        )
        self.templates = LaunchTemplates(self.clients, self._cluster)
        self._info: ClusterInfo | None = None
        self._launches = NodeClassLaunches(
            self.clients, self._cluster, self._cluster_info, self.templates, clock
        )
        self._queue = (
            InterruptionQueue(self.clients, settings.interruptionQueue)
            if settings.interruptionQueue
            else None
        )
        self._events = EventLog()
        self._by_token: dict[str, _Launched] = {}
        self._order: dict[str, int] = {}  # instance id -> launch sequence of this process
        self._zones: tuple[str, ...] | None = None
        self._offered: dict[str, frozenset[str]] | None = None
        self._lock = threading.RLock()

    # -- facts ------------------------------------------------------------------------------------------
    @property
    def region(self) -> str:
        return self._settings.region

    @property
    def registers_nodes(self) -> bool:
        """An instance's kubelet joins the EKS cluster its user data names: True where the controllers
        write that cluster (`sparkfleet controller`). The composition root says so; the default, False,
        is for the embedded store (and moto), which no kubelet reaches."""
        return self._registers_nodes

    def instance_types(self) -> list[InstanceType]:
        return list(self._catalog)

    def zones(self) -> tuple[str, ...]:
        if self._zones is None:
            response = self.clients.call(
                "ec2",
                "DescribeAvailabilityZones",
                Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}],
            )
            self._zones = tuple(sorted(str(z["ZoneName"]) for z in response.get("AvailabilityZones", [])))
        return self._zones

    def _offered_zones(self) -> dict[str, frozenset[str]]:
        """{type: zones offering it} from DescribeInstanceTypeOfferings, for the catalog's types."""
        if self._offered is None:
            found: dict[str, set[str]] = {}
            token: str | None = None
            for _ in range(100):
                params: dict[str, object] = {"LocationType": "availability-zone", "MaxResults": 1000}
                if token:
                    params["NextToken"] = token
                response = self.clients.call("ec2", "DescribeInstanceTypeOfferings", **params)
                for raw in response.get("InstanceTypeOfferings", []):
                    found.setdefault(str(raw["InstanceType"]), set()).add(str(raw["Location"]))
                token = response.get("NextToken")
                if not token:
                    break
            self._offered = {name: frozenset(zones) for name, zones in found.items() if name in self._types}
        return self._offered

    def offerings(self, region: str) -> list[Offering]:
        """Every catalog type EC2 offers in a zone where a node class has a subnet, per capacity type."""
        if region != self.region:
            raise CloudError(f"region {region!r} is not this cloud's (it serves {self.region})")
        offered = self._offered_zones()
        usable = self._subnet_zones()
        return [
            Offering(it.name, zone, ct, self.prices.price(OfferingKey(it.name, zone, ct)), True)
            for it in self._catalog
            for zone in sorted(offered.get(it.name, frozenset()) & usable)
            for ct in CapacityType
        ]

    def _subnet_zones(self) -> frozenset[str]:
        zones: set[str] = set()
        for node_class in self._node_classes.all():
            zones.update(self._launches.subnets(node_class))
        return frozenset(zones)

    def resolve_node_class(self, node_class: EC2NodeClass) -> NodeClassResolution:
        """What Karpenter writes into an EC2NodeClass's status: its subnets, groups, AMIs and profile."""
        return self._launches.resolve(node_class)

    def _cluster_info(self) -> ClusterInfo:
        if self._info is None:
            self._info = cluster_info(self.clients, self._settings)
        return self._info

    # -- launch -----------------------------------------------------------------------------------------
    def launch(self, request: LaunchRequest) -> LaunchResult:
        with self._lock:
            earlier = self._by_token.get(request.client_token)
            if earlier is not None and earlier.instance_id is not None:
                if earlier.request != request:
                    raise IdempotentParameterMismatch(
                        f"client token {request.client_token!r} was used with a different request"
                    )
                return LaunchResult(self._describe_one(earlier.instance_id), earlier.errors)
            adopted = self._live_with_token(request.client_token)
            if adopted is not None:
                self._by_token[request.client_token] = _Launched(request, adopted.instance_id)
                return LaunchResult(adopted, ())
            record = earlier or _Launched(request)
            record.request = request
            self._by_token[request.client_token] = record
            return self._launch(request, record)

    def _launch(self, request: LaunchRequest, record: _Launched) -> LaunchResult:
        self._check(request)
        node_class = self._node_classes.for_launch(request)
        labels = (
            {LABEL_NODEPOOL: request.tags.get(LABEL_NODEPOOL, "")} if request.tags.get(LABEL_NODEPOOL) else {}
        )
        plan = self._launches.plan(node_class, labels)
        tags = self._tags(request, node_class)
        zone_of = {s.id: zone for zone, s in plan.subnets.items()}
        failures: list[LaunchFailure] = []
        candidates = self._overrides(request, plan)
        if not candidates:
            raise InvalidLaunchRequest(
                f"no candidate offering has a subnet of EC2NodeClass {node_class.name} and an AMI for its "
                "architecture, or every one is excluded"
            )
        record.attempts += 1
        now = self._clock.now()
        for capacity_type in CAPACITY_TYPE_PRIORITY:
            overrides = [o for o in candidates if o.offering.capacityType is capacity_type]
            if not overrides:
                continue
            token = fleet_token(request.client_token, capacity_type, record.attempts, repr(request))
            params = fleet_request(overrides, capacity_type, tags, token, plan.context)
            try:
                response = self.clients.call("ec2", "CreateFleet", **params)
            except AwsApiError as exc:
                if exc.code == "IdempotentParameterMismatch":
                    raise IdempotentParameterMismatch(str(exc)) from None
                raise
            answer = read_answer(response, capacity_type, zone_of)
            for failure in answer.failures:
                self._events.insufficient(failure, request.node_claim_name, now)
            failures += answer.failures
            if answer.instance_id is not None and answer.offering is not None:
                instance = self._launched(request, answer.instance_id, answer.offering, plan, tags)
                record.instance_id, record.errors = instance.instance_id, tuple(failures)
                self._events.state(instance, now)
                return LaunchResult(instance, tuple(failures))
            if answer.other_errors and not answer.failures:
                code, message = answer.other_errors[0]
                if code in ("UnauthorizedOperation", "AccessDenied"):
                    raise AwsCredentialsError(f"ec2:CreateFleet is not allowed ({code}): {message}")
                raise AwsApiError("ec2:CreateFleet", code, message)
        return LaunchResult(None, tuple(failures))

    def _check(self, request: LaunchRequest) -> None:
        unknown = [t for t in request.instance_types if t not in self._types]
        if unknown:
            raise InvalidLaunchRequest(f"unknown instance types: {', '.join(unknown)}")
        foreign = [z for z in request.zones if z not in self.zones()]
        if foreign:
            raise InvalidLaunchRequest(f"zones not in this region: {', '.join(foreign)}")

    def _overrides(self, request: LaunchRequest, plan: LaunchPlan) -> list[Override]:
        """Every allowed offering with a subnet and an AMI, cheapest first (ties: type, then zone order)."""
        offered = self._offered_zones()
        names = list(dict.fromkeys(request.instance_types))
        zones = list(dict.fromkeys(request.zones)) or list(plan.subnets)
        ranked: list[tuple[float, int, int, Override]] = []
        for type_rank, name in enumerate(names):
            template = plan.templates.get(self._types[name].arch)
            for zone_rank, zone in enumerate(zones):
                subnet = plan.subnets.get(zone)
                if template is None or subnet is None or zone not in offered.get(name, ()):
                    continue
                for ct in request.capacity_types:
                    key = OfferingKey(name, zone, ct)
                    if key in request.excluded_offerings:
                        continue
                    price = self.prices.price(key)
                    ranked.append((price, type_rank, zone_rank, Override(key, subnet.id, template, price)))
        ranked.sort(key=lambda r: (r[0], r[1], r[2]))
        return [r[3] for r in ranked]

    def _tags(self, request: LaunchRequest, node_class: EC2NodeClass) -> dict[str, str]:
        tags = dict(node_class.spec.tags)
        tags.update(request.tags)
        tags.update(
            {
                f"{TAG_CLUSTER_PREFIX}{self._cluster}": "owned",
                TAG_EKS_CLUSTER: self._cluster,
                LABEL_NODECLASS: node_class.name,
                TAG_NODECLAIM: request.node_claim_name,
                TAG_CLIENT_TOKEN: request.client_token,
            }
        )
        return tags

    def _launched(
        self,
        request: LaunchRequest,
        instance_id: str,
        key: OfferingKey,
        plan: LaunchPlan,
        tags: dict[str, str],
    ) -> Instance:
        self._order[instance_id] = len(self._order)
        image = plan.images.get(self._types[key.instanceType].arch)
        return Instance(
            instance_id=instance_id,
            instance_type=key.instanceType,
            zone=key.zone,
            capacity_type=key.capacityType,
            price=self.prices.price(key),
            launch_time=self._clock.now(),
            state=InstanceState.PENDING,  # what CreateFleet's instances are when it answers
            node_claim_name=request.node_claim_name,
            client_token=request.client_token,
            tags=MappingProxyType(tags),
            image_id=image.id if image is not None else "",
        )

    # -- terminate and list -----------------------------------------------------------------------------
    def terminate(self, instance_ids: Sequence[str]) -> list[Instance]:
        with self._lock:
            wanted = list(dict.fromkeys(instance_ids))
            found = {i.instance_id: i for i in self._describe(wanted)}
            unknown = [i for i in instance_ids if i not in found]
            if unknown:
                raise InstanceNotFound(unknown)
            if wanted:
                self.clients.call("ec2", "TerminateInstances", InstanceIds=wanted)
            now = self._clock.now()
            after = {i.instance_id: i for i in self._describe(wanted)}
            for instance in after.values():
                self._events.state(instance, now)
            return [after.get(i, found[i]) for i in instance_ids]

    def list_instances(self) -> list[Instance]:
        with self._lock:
            live = self._describe(states=LIVE_STATES)
            return sorted(
                live,
                key=lambda i: (
                    i.launch_time,
                    self._order.get(i.instance_id, len(self._order)),
                    i.instance_id,
                ),
            )

    def describe(self, instance_id: str) -> Instance:
        """One of the cluster's instances in whatever state it is, terminated included."""
        return self._describe_one(instance_id)

    def _describe_one(self, instance_id: str) -> Instance:
        found = self._describe([instance_id])
        if not found:
            raise InstanceNotFound([instance_id])
        return found[0]

    def _describe(self, ids: Sequence[str] = (), states: Sequence[str] = EVERY_STATE) -> list[Instance]:
        filters = [cluster_filter(self._cluster), {"Name": "instance-state-name", "Values": list(states)}]
        return [
            self._with_launch_price(to_instance(raw, self.prices.price))
            for raw in describe(self.clients, filters, ids)
        ]

    def _with_launch_price(self, instance: Instance) -> Instance:
        """The price recorded at launch by this process (the current one for instances it did not launch)."""
        known = self._events.known(instance.instance_id)
        return replace(instance, price=known.price) if known is not None else instance

    def _live_with_token(self, token: str) -> Instance | None:
        filters = [
            cluster_filter(self._cluster),
            {"Name": f"tag:{TAG_CLIENT_TOKEN}", "Values": [token]},
            {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
        ]
        found = [to_instance(raw, self.prices.price) for raw in describe(self.clients, filters)]
        return found[0] if found else None

    # -- events -----------------------------------------------------------------------------------------
    def poll_events(self) -> list[CloudEvent]:
        with self._lock:
            now = self._clock.now()
            if self._queue is not None:
                notices = self._queue.receive(now)
                ids = sorted({i for n in notices for i in n.instance_ids})
                instances = {i.instance_id: i for i in self._describe(ids)} if ids else {}
                for notice in notices:
                    for instance_id in notice.instance_ids:
                        instance = instances.get(instance_id)
                        if instance is None:
                            continue  # not one of this cluster's instances
                        if notice.kind is CloudEventKind.STATE_CHANGE and notice.state is not None:
                            self._events.state(replace(instance, state=notice.state), notice.time)
                        else:
                            self._events.notice(notice, instance)
            else:
                seen = self._events.seen()
                current = {i.instance_id: i for i in self._describe()}
                for instance_id in seen:
                    if instance_id in current:
                        self._events.state(current[instance_id], now)
                for instance_id, instance in current.items():
                    if instance_id not in seen and instance.state in (
                        InstanceState.PENDING,
                        InstanceState.RUNNING,
                    ):
                        self._events.state(instance, now)
            return self._events.drain()

    # -- garbage ----------------------------------------------------------------------------------------
    def collect_orphans(self, node_claims: Collection[str]) -> list[Instance]:
        """Terminate the cluster's instances whose NodeClaim is not in `node_claims` and that were launched
        more than `orphanGraceMinutes` ago (a younger one may belong to a claim not yet written)."""
        grace = timedelta(minutes=self._settings.orphanGraceMinutes)
        now = self._clock.now()
        orphans = [
            i.instance_id
            for i in self.list_instances()
            if i.node_claim_name not in node_claims and now - i.launch_time >= grace
        ]
        return self.terminate(orphans) if orphans else []

    def collect_launch_templates(self, node_classes: Iterable[str]) -> list[CollectedTemplate]:
        """Delete the cluster's launch templates no present node class uses; returns what was deleted."""
        return [CollectedTemplate(name, owner) for name, owner in self.templates.collect(node_classes)]
