"""The Spark-on-EKS blueprint's default configuration (data-on-eks `spark-k8s-operator`) as models.

Four NodePools with their EC2NodeClasses, as the blueprint's Terraform renders them through the
`karpenter-resources` Helm chart, and its YuniKorn `queues.yaml`. Each builder returns a model that has
passed validation; `examples/config/` holds the same objects as YAML.

What the chart adds to the blueprint's values: the labels `NodePool: <name>` and `NodeGroupType: <name>`
(overridden by the blueprint's own `NodeGroupType` where it sets one), a memory limit of 1000Gi next to the
blueprint's cpu limit of 1000, EC2NodeClass tags `Name: karpenter-<name>`, IMDSv2 with two hops, detailed
monitoring, and a 100Gi encrypted gp3 root volume. `expireAfter` is left at Karpenter's default (720h).

Taints: none of the four pools carries one. The blueprint defines no taints, and its jobs show why none
can be assumed: `pyspark-pi-job.yaml` and the gang-scheduling job tolerate `spark-compute-optimized`, but
`nvme-ephemeral-storage.yaml` selects the same pool (`NodeGroupType: SparkComputeOptimized`) without any
toleration, and the per-pool jobs (`spark-app-graviton.yaml`, ...) select their pools with none either; a
tainted pool would leave those pods pending, while a toleration without a taint is harmless.
`dedicated_taints=True` gives each pool a `NoSchedule` taint keyed by its own name, the convention those
tolerations (and the EMR template's `spark-memory-optimized`) follow, for clusters that want pools
reserved for Spark.

`spark-memory-optimized` carries `multiArch: Spark` here although the blueprint's Terraform omits it on
that pool: the seed document describes every Spark pool as `multiArch: Spark`, so jobs selecting that
label can fall back from Graviton to the Intel memory pool.
"""

from __future__ import annotations

from sparkfleet.api.base import ManifestError, Model
from sparkfleet.api.ec2nodeclass import (
    AMIFamily,
    AMISelectorTerm,
    BlockDevice,
    BlockDeviceMapping,
    EC2NodeClass,
    EC2NodeClassSpec,
    EndpointState,
    HttpTokens,
    InstanceStorePolicy,
    MetadataOptions,
    SecurityGroupSelectorTerm,
    SubnetSelectorTerm,
    VolumeType,
    validate_ec2nodeclass,
)
from sparkfleet.api.karpenter import (
    Budget,
    ConsolidationPolicy,
    Disruption,
    NodeClaimTemplate,
    NodeClaimTemplateMetadata,
    NodeClaimTemplateSpec,
    NodeClassReference,
    NodePool,
    NodePoolSpec,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
    validate_nodepool,
)
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.placement import Taint, TaintEffect
from sparkfleet.api.wire import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_CATEGORY,
    LABEL_INSTANCE_CPU,
    LABEL_INSTANCE_FAMILY,
    LABEL_INSTANCE_GENERATION,
    LABEL_INSTANCE_HYPERVISOR,
    LABEL_INSTANCE_SIZE,
    CapacityType,
)
from sparkfleet.api.yamlio import dump_yaml_all
from sparkfleet.api.yunikorn import (
    NodeSortPolicy,
    NodeSortPolicyType,
    Partition,
    QueueConfig,
    QueueResources,
    SchedulerConfig,
    validate_queues,
)

CLUSTER_NAME = "spark-operator-doeks"
SPARK_COMPUTE_OPTIMIZED = "spark-compute-optimized"
SPARK_GRAVITON_MEMORY_OPTIMIZED = "spark-graviton-memory-optimized"
SPARK_MEMORY_OPTIMIZED = "spark-memory-optimized"
SPARK_VERTICAL_EBS_SCALE = "spark-vertical-ebs-scale"
NODEPOOL_NAMES = (
    SPARK_COMPUTE_OPTIMIZED,
    SPARK_GRAVITON_MEMORY_OPTIMIZED,
    SPARK_MEMORY_OPTIMIZED,
    SPARK_VERTICAL_EBS_SCALE,
)

# Boot script of spark-vertical-ebs-scale: Spark scratch space at /mnt/k8s-disks on every instance type,
# from the instance store when there is one, else from a gp3 volume sized 10 GiB per vCPU.
VERTICAL_EBS_USER_DATA = r"""MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash
set -euxo pipefail
MOUNT=/mnt/k8s-disks
mkdir -p "$MOUNT"
mapfile -t DISKS < <(lsblk -dpno NAME,MODEL | awk '/Instance Storage/ {print $1}')
if [ "${#DISKS[@]}" -eq 0 ]; then
  IMDS=http://169.254.169.254/latest
  TOKEN=$(curl -sX PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
  meta() { curl -s -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/$1"; }
  INSTANCE=$(meta instance-id)
  ZONE=$(meta placement/availability-zone)
  REGION=$(meta placement/region)
  SIZE=$(( $(nproc --all) * 10 ))
  VOLUME=$(aws ec2 create-volume --region "$REGION" --availability-zone "$ZONE" --size "$SIZE" \
    --volume-type gp3 --query VolumeId --output text)
  aws ec2 wait volume-available --region "$REGION" --volume-ids "$VOLUME"
  aws ec2 attach-volume --region "$REGION" --volume-id "$VOLUME" --instance-id "$INSTANCE" --device /dev/xvdb
  aws ec2 wait volume-in-use --region "$REGION" --volume-ids "$VOLUME"
  aws ec2 modify-instance-attribute --region "$REGION" --instance-id "$INSTANCE" \
    --block-device-mappings '[{"DeviceName":"/dev/xvdb","Ebs":{"DeleteOnTermination":true}}]'
  # Nitro instances show the volume as an NVMe device named after the volume id; Xen ones as /dev/xvdb.
  NVME="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME/-/}"
  for _ in $(seq 60); do
    if [ -e "$NVME" ]; then TARGET="$NVME"; break; fi
    if [ -e /dev/xvdb ]; then TARGET=/dev/xvdb; break; fi
    sleep 2
  done
elif [ "${#DISKS[@]}" -eq 1 ]; then
  TARGET="${DISKS[0]}"
else
  dnf install -y mdadm
  mdadm --create /dev/md0 --level=0 --raid-devices="${#DISKS[@]}" "${DISKS[@]}"
  TARGET=/dev/md0
fi
mkfs.xfs -f "$TARGET"
echo "$TARGET $MOUNT xfs defaults,noatime,nofail 0 2" >> /etc/fstab
mount "$MOUNT"
chown -R 185:185 "$MOUNT"

--//--
"""


def _checked_pool(pool: NodePool) -> NodePool:
    issues = validate_nodepool(pool)
    if issues:
        raise ManifestError(issues)
    return pool


def _checked_class(node_class: EC2NodeClass) -> EC2NodeClass:
    issues = validate_ec2nodeclass(node_class)
    if issues:
        raise ManifestError(issues)
    return node_class


def _req(key: str, operator: RequirementOperator, *values: str) -> NodeSelectorRequirementWithMinValues:
    return NodeSelectorRequirementWithMinValues(key=key, operator=operator, values=list(values))


def _spot_and_on_demand() -> NodeSelectorRequirementWithMinValues:
    return _req(
        LABEL_CAPACITY_TYPE, RequirementOperator.IN, CapacityType.SPOT.value, CapacityType.ON_DEMAND.value
    )


def _generation_above_2() -> NodeSelectorRequirementWithMinValues:
    return _req(LABEL_INSTANCE_GENERATION, RequirementOperator.GT, "2")


def _nodepool(
    name: str,
    labels: dict[str, str],
    requirements: list[NodeSelectorRequirementWithMinValues],
    weight: int,
    dedicated_taint: bool,
) -> NodePool:
    taint = {"taints": [Taint(key=name, effect=TaintEffect.NO_SCHEDULE)]} if dedicated_taint else {}
    return _checked_pool(
        NodePool(
            metadata=ObjectMeta(name=name),
            spec=NodePoolSpec(
                template=NodeClaimTemplate(
                    # the chart's labels first; the blueprint's own NodeGroupType replaces the chart's
                    metadata=NodeClaimTemplateMetadata(
                        labels={"NodePool": name, "NodeGroupType": name, **labels}
                    ),
                    spec=NodeClaimTemplateSpec(
                        nodeClassRef=NodeClassReference(
                            group="karpenter.k8s.aws", kind="EC2NodeClass", name=name
                        ),
                        **taint,
                        requirements=requirements,
                        expireAfter="720h",
                    ),
                ),
                disruption=Disruption(
                    consolidationPolicy=ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
                    consolidateAfter="1m",
                    budgets=[Budget(nodes="10%")],
                ),
                limits={"cpu": 1000, "memory": "1000Gi"},
                weight=weight,
            ),
        )
    )


def spark_compute_optimized(*, dedicated_taint: bool = False) -> NodePool:
    """c5d (NVMe instance store) on spot or on-demand, weight 100: the pool the blueprint's jobs select."""
    return _nodepool(
        SPARK_COMPUTE_OPTIMIZED,
        {"type": "karpenter", "NodeGroupType": "SparkComputeOptimized", "multiArch": "Spark"},
        [
            _spot_and_on_demand(),
            _req(LABEL_ARCH, RequirementOperator.IN, "amd64"),
            _req(LABEL_INSTANCE_CATEGORY, RequirementOperator.IN, "c"),
            _req(LABEL_INSTANCE_FAMILY, RequirementOperator.IN, "c5d"),
            _req(
                LABEL_INSTANCE_SIZE,
                RequirementOperator.IN,
                "4xlarge",
                "9xlarge",
                "12xlarge",
                "18xlarge",
                "24xlarge",
            ),
            _req(LABEL_INSTANCE_HYPERVISOR, RequirementOperator.IN, "nitro"),
            _generation_above_2(),
        ],
        100,
        dedicated_taint,
    )


def spark_graviton_memory_optimized(*, dedicated_taint: bool = False) -> NodePool:
    """Graviton r6g/r6gd/r7g/r7gd/r8g, weight 100, with a 200Gi root volume (see its EC2NodeClass)."""
    return _nodepool(
        SPARK_GRAVITON_MEMORY_OPTIMIZED,
        {"type": "karpenter", "NodeGroupType": "SparkGravitonMemoryOptimized", "multiArch": "Spark"},
        [
            _spot_and_on_demand(),
            _req(LABEL_ARCH, RequirementOperator.IN, "arm64"),
            _req(LABEL_INSTANCE_CATEGORY, RequirementOperator.IN, "r"),
            _req(LABEL_INSTANCE_FAMILY, RequirementOperator.IN, "r6g", "r6gd", "r7g", "r7gd", "r8g"),
            _req(LABEL_INSTANCE_SIZE, RequirementOperator.IN, "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
            _req(LABEL_INSTANCE_HYPERVISOR, RequirementOperator.IN, "nitro"),
            _generation_above_2(),
        ],
        100,
        dedicated_taint,
    )


def spark_memory_optimized(*, dedicated_taint: bool = False) -> NodePool:
    """Intel r5d with 4 to 32 vCPUs, weight 50: below the Graviton pool, so the fallback for it."""
    return _nodepool(
        SPARK_MEMORY_OPTIMIZED,
        {"type": "karpenter", "NodeGroupType": "SparkMemoryOptimized", "multiArch": "Spark"},
        [
            _spot_and_on_demand(),
            _req(LABEL_ARCH, RequirementOperator.IN, "amd64"),
            _req(LABEL_INSTANCE_CATEGORY, RequirementOperator.IN, "r"),
            _req(LABEL_INSTANCE_FAMILY, RequirementOperator.IN, "r5d"),
            _req(LABEL_INSTANCE_CPU, RequirementOperator.IN, "4", "8", "16", "32"),
            _req(LABEL_INSTANCE_HYPERVISOR, RequirementOperator.IN, "nitro"),
            _generation_above_2(),
        ],
        50,
        dedicated_taint,
    )


def spark_vertical_ebs_scale(*, dedicated_taint: bool = False) -> NodePool:
    """Many r/m/c families with or without instance store; the boot script provides scratch space.

    The blueprint lists r4 twice in its family values; it is listed once here.
    """
    families = ("r4", "r5", "r5d", "r5n", "r5dn", "r5b", "m4", "m5", "m5n", "m5zn", "m5dn", "m5d")
    return _nodepool(
        SPARK_VERTICAL_EBS_SCALE,
        {"type": "karpenter", "provisioner": SPARK_VERTICAL_EBS_SCALE},
        [
            _spot_and_on_demand(),
            _req(LABEL_INSTANCE_FAMILY, RequirementOperator.IN, *families, "c4", "c5", "c5n", "c5d"),
            _req(LABEL_ARCH, RequirementOperator.IN, "amd64"),
            _generation_above_2(),
        ],
        100,
        dedicated_taint,
    )


def blueprint_nodepools(*, dedicated_taints: bool = False) -> list[NodePool]:
    """The four NodePools, in the blueprint's order."""
    return [
        spark_compute_optimized(dedicated_taint=dedicated_taints),
        spark_graviton_memory_optimized(dedicated_taint=dedicated_taints),
        spark_memory_optimized(dedicated_taint=dedicated_taints),
        spark_vertical_ebs_scale(dedicated_taint=dedicated_taints),
    ]


def blueprint_ec2nodeclass(
    name: str, *, cluster_name: str = CLUSTER_NAME, role: str | None = None
) -> EC2NodeClass:
    """The EC2NodeClass of one blueprint pool: AL2023, RAID0 instance store except spark-vertical-ebs-scale
    (its boot script mounts the disks itself), a 100Gi gp3 root volume (200Gi for Graviton).

    `role` is the Karpenter node IAM role; the blueprint's Terraform names it after the cluster.
    """
    if name not in NODEPOOL_NAMES:
        raise ValueError(f'"{name}" is not a blueprint NodePool; use one of {", ".join(NODEPOOL_NAMES)}')
    vertical = name == SPARK_VERTICAL_EBS_SCALE
    root_size = "200Gi" if name == SPARK_GRAVITON_MEMORY_OPTIMIZED else "100Gi"
    spec = EC2NodeClassSpec(
        amiFamily=AMIFamily.AL2023,
        amiSelectorTerms=[AMISelectorTerm(alias="al2023@latest")],
        role=role or f"karpenter-{cluster_name}",
        subnetSelectorTerms=[SubnetSelectorTerm(tags={"Name": f"{cluster_name}-private-secondary*"})],
        securityGroupSelectorTerms=[SecurityGroupSelectorTerm(tags={"Name": f"{cluster_name}-node"})],
        tags={"Name": f"karpenter-{name}"},
        metadataOptions=MetadataOptions(
            httpEndpoint=EndpointState.ENABLED,
            httpProtocolIPv6=EndpointState.DISABLED,
            httpPutResponseHopLimit=2,
            httpTokens=HttpTokens.REQUIRED,
        ),
        blockDeviceMappings=[
            BlockDeviceMapping(
                deviceName="/dev/xvda",
                ebs=BlockDevice(
                    volumeSize=root_size, volumeType=VolumeType.GP3, encrypted=True, deleteOnTermination=True
                ),
            )
        ],
        detailedMonitoring=True,
    )
    if vertical:
        spec.userData = VERTICAL_EBS_USER_DATA
    else:
        spec.instanceStorePolicy = InstanceStorePolicy.RAID0
    return _checked_class(EC2NodeClass(metadata=ObjectMeta(name=name), spec=spec))


def blueprint_ec2nodeclasses(
    *, cluster_name: str = CLUSTER_NAME, role: str | None = None
) -> list[EC2NodeClass]:
    return [blueprint_ec2nodeclass(name, cluster_name=cluster_name, role=role) for name in NODEPOOL_NAMES]


def _queue(name: str, guaranteed: tuple[str, int], maximum: tuple[str, int]) -> QueueConfig:
    return QueueConfig(
        name=name,
        resources=QueueResources(
            guaranteed={"memory": guaranteed[0], "vcore": guaranteed[1]},
            max={"memory": maximum[0], "vcore": maximum[1]},
        ),
    )


def blueprint_queues() -> SchedulerConfig:
    """The blueprint's queues.yaml: partition default, binpacking node sort, root open to everyone,
    four leaf queues with guaranteed and max memory (bytes, decimal G) and vcores."""
    config = SchedulerConfig(
        partitions=[
            Partition(
                name="default",
                nodesortpolicy=NodeSortPolicy(type=NodeSortPolicyType.BINPACKING),
                queues=[
                    QueueConfig(
                        name="root",
                        submitacl="*",
                        queues=[
                            _queue("default", ("1000G", 1000), ("1000G", 1000)),
                            _queue("prod", ("500G", 50), ("800G", 300)),
                            _queue("test", ("100G", 10), ("800G", 50)),
                            _queue("dev", ("100G", 10), ("100G", 10)),
                        ],
                    )
                ],
            )
        ]
    )
    issues = validate_queues(config)
    if issues:
        raise ManifestError(issues)
    return config


def manifest_dict(model: Model) -> dict[str, object]:
    """A model as a manifest holding what was set on it (defaults left to the API server), kind first."""
    body = model.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    head: dict[str, object] = {
        k: getattr(model, k) for k in ("apiVersion", "kind") if k in type(model).model_fields
    }
    return {**head, **body}


def manifests_yaml(models: list[NodePool] | list[EC2NodeClass]) -> str:
    """Several objects as one multi-document YAML text."""
    return dump_yaml_all([manifest_dict(m) for m in models])
