"""An AWS account on moto for the AWS adapter's tests, and the parts of AWS moto does not play.

`MotoWorld` (inside `moto.mock_aws`) holds a VPC with one subnet per zone tagged for discovery, a node
security group, the node role, the interruption queue, and SSM parameters naming an x86_64 and an arm64
AMI moto knows. What moto lacks is played through botocore's event hooks on the adapter's own session,
so the adapter's real client and its real requests are what is exercised:
- `CapacityInjector`: offerings without capacity. Before CreateFleet's parameters are built, overrides
  matching the scenario's `unavailableOfferings` are taken out (EC2 would try and fail them) and after
  the call they come back as `InsufficientInstanceCapacity` errors in the answer; when none is left, the
  call is answered at `before-call` with no instance and those errors, as EC2 answers.
- `EventBridge`: the EC2 events EventBridge would put in the interruption queue (pending and running after
  the scenario's launch latency, spot interruption warnings, the reclaim two minutes later), posted when
  due by the test's virtual clock, just before the adapter's next call.
- `CallRecorder`: every API call the adapter makes, as IAM action names (`ec2:CreateFleet`).
- `answer_public_parameters`: the public EKS/Bottlerocket SSM parameters, which moto does not publish.
"""

from __future__ import annotations

import base64
import heapq
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse

from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.scenario import Scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.catalog import Catalog
from sparkfleet.cloud.port import LaunchRequest

REGION = "us-east-1"
CLUSTER = "spark-on-eks"
QUEUE = "spark-on-eks-interruptions"
ROLE = "KarpenterNodeRole-spark-on-eks"
DISCOVERY = "karpenter.sh/discovery"
AMI_PARAMETER = "/sparkfleet-test/ami/{arch}"
ENDPOINT = "https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com"
CERTIFICATE = base64.b64encode(
    b"-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIB\n-----END CERTIFICATE-----\n"
).decode()
SPOT_NOTICE = timedelta(minutes=2)
AMIS_FILE = Path(__file__).resolve().parent.parent / "data" / "aws" / "moto-amis.json"
"""The AMIs the moto account has. moto reads `MOTO_AMIS_PATH` when its EC2 models first load (at the first
EC2 call, after this module is imported); its own 1300 default AMIs would take seconds in every test."""
os.environ.setdefault("MOTO_AMIS_PATH", str(AMIS_FILE))
IMAGES = {"amd64": "ami-0a1b2c3d4e5f60001", "arm64": "ami-0a1b2c3d4e5f60002"}
"""The newest EKS AL2023 image of each architecture in AMIS_FILE."""
OLDER_AMD64_IMAGE = "ami-0a1b2c3d4e5f60003"
BOTTLEROCKET_IMAGE = "ami-0b1b2c3d4e5f60004"


_MODELS = botocore.loaders.create_loader()
"""One loader of botocore's service models for every session of the tests (it caches what it read)."""


def fresh_session() -> boto3.Session:
    """A session of its own (its own event hooks) with moto's fake credentials."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=core,
    )


def aws_settings(**overrides: object) -> CloudSettings:
    """The adapter's settings for the moto account: its cluster and queue, catalog prices."""
    fields: dict[str, object] = {
        "provider": "aws",
        "region": REGION,
        "clusterName": CLUSTER,
        "interruptionQueue": QUEUE,
        "clusterEndpoint": ENDPOINT,
        "clusterCertificateAuthority": CERTIFICATE,
        "kubernetesVersion": "1.32",
        "livePrices": False,
    }
    fields.update(overrides)
    return CloudSettings.model_validate(fields)


@dataclass
class MotoWorld:
    """The account the adapter runs in; `zones` get one subnet each."""

    zones: tuple[str, ...]
    session: boto3.Session = field(default_factory=fresh_session)
    subnets: dict[str, str] = field(default_factory=dict)
    security_group: str = ""
    images: dict[str, str] = field(default_factory=dict)  # arch (amd64/arm64) -> AMI id
    queue_url: str = ""

    def __post_init__(self) -> None:
        ec2 = self.session.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        for index, zone in enumerate(self.zones):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{index * 16}.0/20", AvailabilityZone=zone)
            self.subnets[zone] = subnet["Subnet"]["SubnetId"]
            ec2.create_tags(Resources=[self.subnets[zone]], Tags=[{"Key": DISCOVERY, "Value": CLUSTER}])
        group = ec2.create_security_group(GroupName="spark-nodes", Description="nodes", VpcId=vpc)
        self.security_group = group["GroupId"]
        ec2.create_tags(Resources=[self.security_group], Tags=[{"Key": DISCOVERY, "Value": CLUSTER}])
        ssm = self.session.client("ssm")
        for arch, image in IMAGES.items():
            self.images[arch] = image
            ssm.put_parameter(Name=AMI_PARAMETER.format(arch=arch), Value=image, Type="String")
        iam = self.session.client("iam")
        trust = {
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]
        }
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        self.queue_url = self.session.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]

    def node_class(self, **spec: Any) -> EC2NodeClass:
        body: dict[str, Any] = {
            "amiSelectorTerms": [{"ssmParameter": AMI_PARAMETER.format(arch=arch)} for arch in IMAGES],
            "amiFamily": "AL2023",
            "role": ROLE,
            "subnetSelectorTerms": [{"tags": {DISCOVERY: CLUSTER}}],
            "securityGroupSelectorTerms": [{"tags": {DISCOVERY: CLUSTER}}],
            "instanceStorePolicy": "RAID0",
        }
        body.update(spec)
        return EC2NodeClass.model_validate({"metadata": {"name": "spark-nodes"}, "spec": body})

    def instances(self) -> list[dict[str, Any]]:
        reservations = self.session.client("ec2").describe_instances()["Reservations"]
        return [i for r in reservations for i in r["Instances"]]


@dataclass
class OneNodeClass:
    """A cluster with one EC2NodeClass (the adapter's `NodeClassLookup`)."""

    node_class: EC2NodeClass

    def for_launch(self, request: LaunchRequest) -> EC2NodeClass:
        return self.node_class

    def all(self) -> list[EC2NodeClass]:
        return [self.node_class]


class CapacityInjector:
    """Offerings the scenario says have no capacity fail in CreateFleet as they would on EC2."""

    def __init__(self, session: boto3.Session, scenario: Scenario, catalog: Catalog) -> None:
        self._rules = list(scenario.unavailableOfferings)
        self._catalog = catalog
        self._refused: list[dict[str, Any]] = []
        events = session.events
        events.register("before-parameter-build.ec2.CreateFleet", self._take_out)
        events.register("before-call.ec2.CreateFleet", self._answer_when_nothing_is_left)
        events.register("after-call.ec2.CreateFleet", self._report)

    def _unavailable(self, instance_type: str, zone: str, capacity_type: str) -> bool:
        family = self._catalog[instance_type].family if instance_type in self._catalog else ""
        return any(r.matches(instance_type, family, zone, CapacityType(capacity_type)) for r in self._rules)

    def _take_out(self, params: dict[str, Any], **_: Any) -> None:
        capacity_type = params["TargetCapacitySpecification"]["DefaultTargetCapacityType"]
        self._refused = []
        for config in params.get("LaunchTemplateConfigs", []):
            kept = []
            for override in config.get("Overrides", []):
                if self._unavailable(override["InstanceType"], override["AvailabilityZone"], capacity_type):
                    self._refused.append(self._error(config, override, capacity_type))
                else:
                    kept.append(override)
            config["Overrides"] = kept
        params["LaunchTemplateConfigs"] = [c for c in params["LaunchTemplateConfigs"] if c["Overrides"]]

    @staticmethod
    def _error(config: dict[str, Any], override: dict[str, Any], capacity_type: str) -> dict[str, Any]:
        return {
            "LaunchTemplateAndOverrides": {
                "LaunchTemplateSpecification": config["LaunchTemplateSpecification"],
                "Overrides": dict(override),
            },
            "Lifecycle": capacity_type,
            "ErrorCode": "InsufficientInstanceCapacity",
            "ErrorMessage": f"We currently do not have sufficient {override['InstanceType']} capacity in the "
            f"Availability Zone you requested ({override['AvailabilityZone']}).",
        }

    def _answer_when_nothing_is_left(self, params: dict[str, Any], **_: Any) -> Any:
        body = params.get("body") or {}
        if any(str(k).startswith("LaunchTemplateConfigs.") for k in body):
            return None
        return (
            AWSResponse("https://ec2.amazonaws.com/", 200, {}, None),
            {"FleetId": "fleet-none", "Instances": [], "Errors": list(self._refused)},
        )

    def _report(self, parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("FleetId") != "fleet-none":
            parsed.setdefault("Errors", []).extend(self._refused)
        self._refused = []


class CallRecorder:
    """Every call made through the session's clients, as the IAM action it needs."""

    def __init__(self, session: boto3.Session) -> None:
        self.actions: set[str] = set()
        session.events.register("before-call.*.*", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.actions.add(f"{model.service_model.signing_name}:{model.name}")


def answer(session: boto3.Session, service: str, operation: str, reply: Any) -> None:
    """Answer `service:operation` (one moto does not serve) with `reply(params)`, unless it gives None.

    `params` are the request's JSON body (these services speak JSON)."""

    def handler(params: dict[str, Any], **_: Any) -> Any:
        body = json.loads(params.get("body") or b"{}")
        parsed = reply(body)
        if parsed is None:
            return None
        return (AWSResponse(f"https://{service}.amazonaws.com/", 200, {}, None), parsed)

    session.events.register(f"before-call.{service}.{operation}", handler)


def answer_public_parameters(session: boto3.Session, values: dict[str, str]) -> None:
    """Answer ssm:GetParameter for `values`' names (AWS's public parameters) as SSM would."""

    def reply(body: dict[str, Any]) -> Any:
        name = body.get("Name")
        if name not in values:
            return None
        return {"Parameter": {"Name": name, "Type": "String", "Value": values[name]}}

    answer(session, "ssm", "GetParameter", reply)


def price_list(prices: dict[str, float]) -> list[str]:
    """GetProducts' PriceList for on-demand Linux prices (USD/hour) of instance types."""
    return [
        json.dumps(
            {
                "product": {"attributes": {"instanceType": name, "regionCode": REGION}},
                "terms": {
                    "OnDemand": {"T1": {"priceDimensions": {"D1": {"pricePerUnit": {"USD": f"{usd:.4f}"}}}}}
                },
            }
        )
        for name, usd in prices.items()
    ]


class EventBridge:
    """Posts the EC2 events of a scenario into the interruption queue when the clock says they are due."""

    def __init__(
        self, session: boto3.Session, world: MotoWorld, scenario: Scenario, clock: Any, catalog: Catalog
    ) -> None:
        self._world = world
        self._scenario = scenario
        self._clock = clock
        self._catalog = catalog
        self._own = fresh_session()  # not hooked: what it does is AWS's doing, not the adapter's
        self._due: list[tuple[datetime, int, str, str]] = []  # (when, seq, what, instance id)
        self._seq = 0
        self._hits = [spec.count for spec in scenario.spotInterruptions]
        self._warned: set[str] = set()
        self._started = clock.now()
        for index, spec in enumerate(scenario.spotInterruptions):
            if spec.at is not None:
                self._schedule(self._started + timedelta(seconds=spec.at), f"at:{index}", "")
        session.events.register("after-call.ec2.CreateFleet", self._launched)
        session.events.register("before-call.*.*", self._deliver)

    def _schedule(self, when: datetime, what: str, instance_id: str) -> None:
        self._seq += 1
        heapq.heappush(self._due, (when, self._seq, what, instance_id))

    def _launched(self, parsed: dict[str, Any], **_: Any) -> None:
        now = self._clock.now()
        for entry in parsed.get("Instances", []):
            for instance_id in entry.get("InstanceIds", []):
                self._post(
                    "EC2 Instance State-change Notification",
                    now,
                    {"instance-id": instance_id, "state": "pending"},
                )
                self._schedule(
                    now + timedelta(seconds=self._scenario.launchLatencySeconds), "running", instance_id
                )
                if entry.get("Lifecycle") != "spot":
                    continue
                override = entry["LaunchTemplateAndOverrides"]["Overrides"]
                family = self._catalog[entry["InstanceType"]].family
                zone = next(z for z, s in self._world.subnets.items() if s == override["SubnetId"])
                for index, spec in enumerate(self._scenario.spotInterruptions):
                    if spec.afterLaunch is not None and spec.matches(entry["InstanceType"], family, zone):
                        self._schedule(
                            now + timedelta(seconds=spec.afterLaunch), f"warn:{index}", instance_id
                        )

    def _deliver(self, **_: Any) -> None:
        now = self._clock.now()
        while self._due and self._due[0][0] <= now:
            when, _, what, instance_id = heapq.heappop(self._due)
            if what == "running":
                self._post(
                    "EC2 Instance State-change Notification",
                    when,
                    {"instance-id": instance_id, "state": "running"},
                )
            elif what.startswith("warn:"):
                self._warn(instance_id, int(what[5:]), when)
            elif what.startswith("at:"):
                for raw in self._world.instances():
                    if raw.get("InstanceLifecycle") == "spot":
                        self._warn(raw["InstanceId"], int(what[3:]), when)
            elif what == "reclaim":
                self._own.client("ec2").terminate_instances(InstanceIds=[instance_id])
                self._post(
                    "EC2 Instance State-change Notification",
                    when,
                    {"instance-id": instance_id, "state": "terminated"},
                )

    def _warn(self, instance_id: str, spec: int, when: datetime) -> None:
        left = self._hits[spec]
        live = {
            i["InstanceId"] for i in self._world.instances() if i["State"]["Name"] in ("pending", "running")
        }
        if instance_id in self._warned or instance_id not in live or left == 0:
            return
        if left is not None:
            self._hits[spec] = left - 1
        self._warned.add(instance_id)
        self._post(
            "EC2 Spot Instance Interruption Warning",
            when,
            {"instance-id": instance_id, "instance-action": "terminate"},
        )
        self._schedule(when + SPOT_NOTICE, "reclaim", instance_id)

    def _post(self, detail_type: str, when: datetime, detail: dict[str, Any]) -> None:
        body = {
            "version": "0",
            "id": f"event-{self._seq}-{detail['instance-id']}",
            "detail-type": detail_type,
            "source": "aws.ec2",
            "account": "123456789012",
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:ec2:{REGION}:123456789012:instance/{detail['instance-id']}"],
            "detail": detail,
        }
        self._own.client("sqs").send_message(QueueUrl=self._world.queue_url, MessageBody=json.dumps(body))
