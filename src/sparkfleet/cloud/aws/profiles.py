"""The IAM instance profile a node class's nodes run with, and the EKS cluster facts nodes join with.

`spec.instanceProfile` is used as it is. For `spec.role` an instance profile is made for the node class,
as Karpenter does: named `<cluster>_<hash of region and node class>`, tagged with the cluster and the node
class, holding the role (replaced if the profile holds another one).
"""

from __future__ import annotations

import hashlib

from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.wire import LABEL_NODECLASS, TAG_CLUSTER_PREFIX
from sparkfleet.cloud.aws.clients import AwsApiError, AwsClients
from sparkfleet.cloud.aws.userdata import ClusterInfo
from sparkfleet.cloud.port import CloudError

DEFAULT_SERVICE_CIDR = "172.20.0.0/16"
"""EKS's default service CIDR, for a cluster that does not report its own."""


def profile_name(cluster: str, region: str, node_class: str) -> str:
    digest = hashlib.sha256(f"{region}/{node_class}".encode()).hexdigest()[:16]
    return f"{cluster}_{digest}"


def instance_profile(clients: AwsClients, cluster: str, node_class: EC2NodeClass) -> str:
    """The instance profile's name, made (or given the role) when the node class names a role."""
    spec = node_class.spec
    if spec.instanceProfile:
        return spec.instanceProfile
    if not spec.role:
        raise CloudError(f"EC2NodeClass {node_class.name}: set spec.role or spec.instanceProfile")
    name = profile_name(cluster, clients.region, node_class.name)
    try:
        profile = clients.call("iam", "GetInstanceProfile", InstanceProfileName=name)["InstanceProfile"]
    except AwsApiError as exc:
        if exc.code != "NoSuchEntity":
            raise
        tags = [
            {"Key": f"{TAG_CLUSTER_PREFIX}{cluster}", "Value": "owned"},
            {"Key": LABEL_NODECLASS, "Value": node_class.name},
        ]
        profile = clients.call("iam", "CreateInstanceProfile", InstanceProfileName=name, Tags=tags)[
            "InstanceProfile"
        ]
    roles = [str(r["RoleName"]) for r in profile.get("Roles", [])]
    role = spec.role.rsplit("/", 1)[-1]  # a role ARN or its name
    if roles != [role]:
        for other in roles:
            clients.call("iam", "RemoveRoleFromInstanceProfile", InstanceProfileName=name, RoleName=other)
        clients.call("iam", "AddRoleToInstanceProfile", InstanceProfileName=name, RoleName=role)
    return name


def cluster_info(clients: AwsClients, settings: CloudSettings) -> ClusterInfo:
    """The settings' cluster facts, the missing ones read with eks:DescribeCluster."""
    name = settings.clusterName or ""
    endpoint = settings.clusterEndpoint
    authority = settings.clusterCertificateAuthority
    version = settings.kubernetesVersion
    cidr = settings.serviceCidr
    if not (endpoint and authority and version):
        cluster = clients.call("eks", "DescribeCluster", name=name)["cluster"]
        endpoint = endpoint or str(cluster.get("endpoint", ""))
        authority = authority or str((cluster.get("certificateAuthority") or {}).get("data", ""))
        version = version or str(cluster.get("version", ""))
        network = cluster.get("kubernetesNetworkConfig") or {}
        cidr = cidr or network.get("serviceIpv4Cidr")
    if not (endpoint and authority and version):
        raise CloudError(
            f"EKS cluster {name}: no endpoint, certificate authority or version; set cloud.clusterEndpoint, "
            "cloud.clusterCertificateAuthority and cloud.kubernetesVersion"
        )
    return ClusterInfo(name, endpoint, authority, cidr or DEFAULT_SERVICE_CIDR, version)
