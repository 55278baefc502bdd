"""AMIs from amiSelectorTerms: aliases through AWS's public SSM parameters, ids, names, tags; newest wins."""

from __future__ import annotations

import pytest

from sparkfleet.api.ec2nodeclass import AMISelectorTerm
from sparkfleet.cloud import CloudError
from sparkfleet.cloud.aws.amis import AmiResolver, alias_parameters
from sparkfleet.cloud.aws.clients import AwsClients
from support.awsmoto import BOTTLEROCKET_IMAGE, IMAGES, OLDER_AMD64_IMAGE, answer_public_parameters


def terms(*raw: dict[str, object]) -> list[AMISelectorTerm]:
    return [AMISelectorTerm.model_validate(t) for t in raw]


def test_aliases_name_the_public_parameters_of_each_architecture():
    assert alias_parameters("al2023@latest", "1.32") == {
        "amd64": "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id",
        "arm64": "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/arm64/standard/recommended/image_id",
    }
    assert alias_parameters("al2023@v20251120", "1.32")["arm64"] == (
        "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/arm64/standard/"
        "amazon-eks-node-al2023-arm64-standard-1.32-v20251120/image_id"
    )
    assert alias_parameters("bottlerocket@v1.50.0", "1.32")["amd64"] == (
        "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/1.50.0/image_id"
    )
    assert alias_parameters("al2@latest", "1.31")["arm64"] == (
        "/aws/service/eks/optimized-ami/1.31/amazon-linux-2-arm64/recommended/image_id"
    )
    with pytest.raises(CloudError, match="windows2022@latest"):
        alias_parameters("windows2022@latest", "1.32")


@pytest.fixture
def resolver(session, clock, world) -> AmiResolver:
    return AmiResolver(AwsClients(session, "us-east-1", clock))


def test_an_alias_resolves_one_image_per_architecture(resolver, session):
    public = alias_parameters("al2023@latest", "1.32")
    answer_public_parameters(session, {public[arch]: image for arch, image in IMAGES.items()})
    found = resolver.resolve(terms({"alias": "al2023@latest"}), "1.32")
    assert {arch: image.id for arch, image in found.items()} == IMAGES
    assert found["arm64"].name == "amazon-eks-node-al2023-arm64-standard-1.32-v20251120"


def test_an_architecture_the_parameters_do_not_publish_is_left_out(resolver, session):
    public = alias_parameters("bottlerocket@latest", "1.32")
    answer_public_parameters(session, {public["amd64"]: BOTTLEROCKET_IMAGE})  # no arm64 parameter
    found = resolver.resolve(terms({"alias": "bottlerocket@latest"}), "1.32")
    assert {arch: image.id for arch, image in found.items()} == {"amd64": BOTTLEROCKET_IMAGE}


def test_the_newest_image_of_an_architecture_wins_among_every_terms_images(resolver):
    found = resolver.resolve(terms({"id": OLDER_AMD64_IMAGE}, {"id": IMAGES["amd64"]}), "1.32")
    assert found["amd64"].id == IMAGES["amd64"]
    by_name = resolver.resolve(terms({"name": "amazon-eks-node-al2023-*", "owner": "602401143452"}), "1.32")
    assert {arch: image.id for arch, image in by_name.items()} == IMAGES


def test_terms_that_select_nothing_are_an_error(resolver):
    with pytest.raises(CloudError, match="amiSelectorTerms select no AMI"):
        resolver.resolve(terms({"name": "no-such-image-*"}), "1.32")
