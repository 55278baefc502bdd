"""User data for AL2023 (nodeadm MIME multipart) and Bottlerocket (TOML), merged with the node class's."""

from __future__ import annotations

import email
import tomllib

import pytest
import yaml

from sparkfleet.api.ec2nodeclass import EC2NodeClassSpec
from sparkfleet.cloud import CloudError
from sparkfleet.cloud.aws.userdata import ClusterInfo, user_data, user_parts

CLUSTER = ClusterInfo("spark-on-eks", "https://example.eks.amazonaws.com", "Q0E=", "172.20.0.0/16", "1.32")
LABELS = {"karpenter.sh/nodepool": "spark-memory-optimized"}


def spec(**fields: object) -> EC2NodeClassSpec:
    body: dict[str, object] = {
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark-on-eks"}}],
        "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark-on-eks"}}],
        "role": "KarpenterNodeRole",
    }
    body.update(fields)
    return EC2NodeClassSpec.model_validate(body)


def parts(text: str) -> list[tuple[str, str]]:
    message = email.message_from_string(text)
    assert message.get_content_type() == "multipart/mixed"
    return [(p.get_content_type(), str(p.get_payload())) for p in message.walk() if not p.is_multipart()]


def test_al2023_gets_one_nodeconfig_with_the_cluster_kubelet_and_raid0_local_storage():
    text = user_data(spec(instanceStorePolicy="RAID0", kubelet={"maxPods": 110}), CLUSTER, LABELS)
    [(kind, body)] = parts(text)
    assert kind == "application/node.eks.aws"
    config = yaml.safe_load(body)
    assert config["kind"] == "NodeConfig"
    assert config["spec"]["cluster"] == {
        "name": "spark-on-eks",
        "apiServerEndpoint": "https://example.eks.amazonaws.com",
        "certificateAuthority": "Q0E=",
        "cidr": "172.20.0.0/16",
    }
    assert config["spec"]["instance"] == {"localStorage": {"strategy": "RAID0"}}
    # The kubelet registers with Karpenter's taint, so nothing lands before its NodeClaim adopts the Node.
    assert config["spec"]["kubelet"]["config"] == {
        "maxPods": 110,
        "registerWithTaints": [{"key": "karpenter.sh/unregistered", "effect": "NoExecute"}],
    }
    assert config["spec"]["kubelet"]["flags"] == [
        "--node-labels=karpenter.sh/nodepool=spark-memory-optimized"
    ]


def test_without_an_instance_store_policy_nodeadm_is_not_told_to_build_an_array():
    [(_, body)] = parts(user_data(spec(), CLUSTER, LABELS))
    assert "instance" not in yaml.safe_load(body)["spec"]


def test_the_users_shell_script_and_nodeconfig_come_first_and_ours_last():
    users = (
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BOUNDARY"\n\n--BOUNDARY\n'
        "Content-Type: text/x-shellscript\n\n#!/bin/bash\necho hello\n--BOUNDARY\n"
        "Content-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\n"
        "spec:\n  kubelet:\n    config:\n      shutdownGracePeriod: 30s\n--BOUNDARY--\n"
    )
    got = parts(user_data(spec(userData=users), CLUSTER, LABELS))
    assert [kind for kind, _ in got] == [
        "text/x-shellscript",
        "application/node.eks.aws",
        "application/node.eks.aws",
    ]
    assert "echo hello" in got[0][1]
    assert "shutdownGracePeriod" in got[1][1]
    assert yaml.safe_load(got[2][1])["spec"]["cluster"]["name"] == "spark-on-eks"


def test_a_bare_script_or_nodeconfig_is_one_part_of_its_kind():
    assert user_parts("#!/bin/bash\ntrue\n") == [
        ('text/x-shellscript; charset="us-ascii"', "#!/bin/bash\ntrue\n")
    ]
    config = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec: {}\n"
    assert user_parts(config) == [("application/node.eks.aws", config)]
    assert user_parts(None) == []


def test_the_same_node_class_gives_the_same_bytes():
    one = user_data(spec(instanceStorePolicy="RAID0"), CLUSTER, LABELS)
    assert one == user_data(spec(instanceStorePolicy="RAID0"), CLUSTER, LABELS)


def test_bottlerocket_lays_the_cluster_over_the_users_toml_and_binds_raid0_ephemeral_storage():
    users = (
        '[settings.kubernetes]\ncluster-name = "someone-else"\n'
        "[settings.host-containers.admin]\nenabled = true\n"
    )
    text = user_data(
        spec(
            amiSelectorTerms=[{"alias": "bottlerocket@latest"}],
            userData=users,
            instanceStorePolicy="RAID0",
            kubelet={"maxPods": 58, "clusterDNS": ["10.100.0.10"]},
        ),
        CLUSTER,
        LABELS,
    )
    settings = tomllib.loads(text)["settings"]
    kubernetes = settings["kubernetes"]
    assert kubernetes["cluster-name"] == "spark-on-eks"
    assert kubernetes["api-server"] == "https://example.eks.amazonaws.com"
    assert kubernetes["cluster-certificate"] == "Q0E="
    assert kubernetes["max-pods"] == 58
    assert kubernetes["cluster-dns-ip"] == "10.100.0.10"
    assert kubernetes["node-labels"] == LABELS
    assert kubernetes["node-taints"] == {"karpenter.sh/unregistered": [":NoExecute"]}
    assert settings["host-containers"]["admin"]["enabled"] is True
    storage = settings["bootstrap-commands"]["k8s-ephemeral-storage"]
    assert storage["commands"] == [
        ["apiclient", "ephemeral-storage", "init"],
        [
            "apiclient",
            "ephemeral-storage",
            "bind",
            "--dirs",
            "/var/lib/containerd",
            "/var/lib/kubelet",
            "/var/log/pods",
        ],
    ]


def test_bottlerocket_user_data_that_is_not_toml_is_refused_naming_the_field():
    with pytest.raises(CloudError, match=r"spec\.userData: Bottlerocket user data must be TOML"):
        user_data(
            spec(amiSelectorTerms=[{"alias": "bottlerocket@latest"}], userData="not = [toml"), CLUSTER, LABELS
        )


def test_custom_amis_get_the_users_user_data_as_it_is():
    assert (
        user_data(
            spec(amiFamily="Custom", amiSelectorTerms=[{"id": "ami-0123"}], userData="raw"), CLUSTER, {}
        )
        == "raw"
    )
