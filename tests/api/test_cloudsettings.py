"""The `cloud:` part of settings.yaml."""

from __future__ import annotations

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.cloudsettings import CloudProvider
from sparkfleet.api.settings import parse_settings


def test_the_default_cloud_is_the_simulator_in_us_east_1():
    cloud = parse_settings("").cloud
    assert (cloud.provider, cloud.region, cloud.livePrices) == (CloudProvider.SIM, "us-east-1", True)


def test_aws_names_its_cluster_region_and_queue():
    cloud = parse_settings(
        "cloud:\n  provider: aws\n  region: eu-west-1\n  clusterName: spark-on-eks\n"
        "  interruptionQueue: spark-on-eks\n"
    ).cloud
    assert (cloud.provider, cloud.region, cloud.clusterName, cloud.interruptionQueue) == (
        CloudProvider.AWS,
        "eu-west-1",
        "spark-on-eks",
        "spark-on-eks",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cloud: {provider: aws}", "clusterName is required when provider is aws"),
        ("cloud: {provider: gcp}", "cloud.provider"),
        ("cloud: {region: Virginia}", "cloud.region"),
        ("cloud: {clusterName: 'no spaces'}", "is not an EKS cluster name"),
        ("cloud: {clusterEndpoint: 'http://plain'}", "cloud.clusterEndpoint"),
    ],
)
def test_bad_cloud_settings_name_the_field(text, message):
    with pytest.raises(ManifestError, match=message):
        parse_settings(text)
