"""The packaged instance-type catalog and the facts each type carries."""

from __future__ import annotations

import pytest

from sparkfleet.api.instancetypes import InstanceType, Offering
from sparkfleet.api.wire import LABEL_INSTANCE_LOCAL_NVME, CapacityType
from sparkfleet.cloud.catalog import Catalog, load_catalog, parse_instance_types


def test_the_catalog_holds_376_types_of_41_families():
    catalog = load_catalog()
    assert len(catalog) == 376
    assert len(catalog.families) == 41
    assert {"c5d", "r5d", "r6g", "r6gd", "r7g", "r7gd", "r8g", "m5", "c4", "r4"} <= set(catalog.families)


def test_the_catalog_is_parsed_once_and_shared():
    assert load_catalog() is load_catalog()


def test_r5d_4xlarge_has_the_facts_ec2_describes():
    it = load_catalog()["r5d.4xlarge"]
    assert it == InstanceType(
        name="r5d.4xlarge",
        family="r5d",
        category="r",
        generation=5,
        size="4xlarge",
        vcpu=16,
        memoryMib=131072,
        arch="amd64",
        localNvmeGb=600,
        localNvmeDisks=2,
        maxEnis=8,
        ipv4PerEni=30,
        onDemandPrice=1.152,
    )
    assert it.cpuMillis == 16000
    assert it.memoryBytes == 128 * 1024**3
    assert it.localNvmeBytes == 600 * 10**9


@pytest.mark.parametrize(
    ("name", "max_pods"),
    [("m5.large", 29), ("r5d.4xlarge", 234), ("c5d.9xlarge", 234), ("m5.24xlarge", 737)],
)
def test_max_pods_follows_the_eni_formula(name, max_pods):
    it = load_catalog()[name]
    assert it.maxPods == it.maxEnis * (it.ipv4PerEni - 1) + 2 == max_pods


def test_labels_are_the_well_known_karpenter_labels():
    assert load_catalog()["r6gd.4xlarge"].labels == {
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "r6gd.4xlarge",
        "karpenter.k8s.aws/instance-category": "r",
        "karpenter.k8s.aws/instance-family": "r6gd",
        "karpenter.k8s.aws/instance-generation": "6",
        "karpenter.k8s.aws/instance-size": "4xlarge",
        "karpenter.k8s.aws/instance-cpu": "16",
        "karpenter.k8s.aws/instance-memory": "131072",
        "karpenter.k8s.aws/instance-local-nvme": "950",
    }


def test_types_without_an_instance_store_have_no_local_nvme_label():
    assert LABEL_INSTANCE_LOCAL_NVME not in load_catalog()["m5.large"].labels


def test_metal_sizes_keep_their_suffix():
    it = load_catalog()["c7i.metal-24xl"]
    assert (it.family, it.size, it.vcpu) == ("c7i", "metal-24xl", 96)


def test_a_family_lists_its_types_smallest_first():
    sizes = [it.vcpu for it in load_catalog().family("c5d")]
    assert sizes == sorted(sizes)
    assert [it.size for it in load_catalog().family("c5d")][:2] == ["large", "xlarge"]


def test_an_unknown_type_is_a_key_error_with_a_hint():
    with pytest.raises(KeyError, match=r'did you mean "r5d.4xlarge"'):
        load_catalog()["r5d.4xlarg"]
    assert load_catalog().get("r5d.4xlarg") is None
    assert "r5d.4xlarg" not in load_catalog()


def test_a_malformed_row_is_reported_with_its_line():
    header = (
        "instance_type,family,category,generation,size,vcpu,memory_mib,arch,local_nvme_gib,"
        "local_nvme_disks,max_enis,ipv4_per_eni,od_price_usd_hour"
    )
    good = "m5.large,m5,m,5,large,2,8192,amd64,0,0,3,10,0.096"
    bad = "m5.xlarge,m5,m,5,xlarge,four,1,amd64,0,0,4,15,1"
    text = f"{header}\n{good}\n{bad}\n"
    with pytest.raises(ValueError, match="line 3"):
        parse_instance_types(text)


def test_a_missing_column_is_reported():
    with pytest.raises(ValueError, match="od_price_usd_hour"):
        parse_instance_types("instance_type,family\nm5.large,m5\n")


def test_a_type_listed_twice_is_refused():
    it = load_catalog()["m5.large"]
    with pytest.raises(ValueError, match="twice"):
        Catalog([it, it])


def test_an_offering_carries_its_key_and_node_labels():
    offering = Offering("m5.large", "us-east-1b", CapacityType.SPOT, 0.04, True)
    assert offering.key.instanceType == "m5.large"
    assert offering.labels == {
        "topology.kubernetes.io/zone": "us-east-1b",
        "karpenter.sh/capacity-type": "spot",
    }
