"""The AMIs an EC2NodeClass's `amiSelectorTerms` select, one per architecture, as Karpenter resolves them.

- `alias: family@version` reads the public SSM parameter AWS publishes for the EKS-optimized AMI of the
  family, Kubernetes version and architecture (`@latest` follows the newest release);
- `ssmParameter` reads that parameter; `id`, `tags`, `name` and `owner` are DescribeImages filters.
Every term adds candidates; per architecture the newest image (by creation date, then id) wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.ec2nodeclass import AMIFamily, AMISelectorTerm
from sparkfleet.cloud.aws.clients import AwsApiError, AwsClients, NothingSelected
from sparkfleet.cloud.port import CloudError

ARCHITECTURES = {"x86_64": "amd64", "arm64": "arm64"}
"""EC2's architecture names -> Kubernetes' (`kubernetes.io/arch`)."""
_EC2_ARCH = {v: k for k, v in ARCHITECTURES.items()}
DEFAULT_OWNERS = ("self", "amazon")


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    arch: str  # Kubernetes' name: amd64 or arm64
    created: str


def alias_parameters(alias: str, kubernetes_version: str) -> dict[str, str]:
    """`al2023@latest` -> {arch: the SSM parameter holding that AMI's id} for amd64 and arm64."""
    family, _, version = alias.partition("@")
    family, version = family.lower(), version or "latest"
    k8s = kubernetes_version
    paths: dict[str, str] = {}
    for arch, ec2_arch in _EC2_ARCH.items():
        if family == AMIFamily.AL2023.lower():
            base = f"/aws/service/eks/optimized-ami/{k8s}/amazon-linux-2023/{ec2_arch}/standard"
            leaf = (
                "recommended"
                if version == "latest"
                else f"amazon-eks-node-al2023-{ec2_arch}-standard-{k8s}-{version}"
            )
            paths[arch] = f"{base}/{leaf}/image_id"
        elif family == AMIFamily.AL2.lower():
            flavour = "amazon-linux-2" if arch == "amd64" else "amazon-linux-2-arm64"
            leaf = "recommended" if version == "latest" else f"amazon-eks-node-{k8s}-{version}"
            paths[arch] = f"/aws/service/eks/optimized-ami/{k8s}/{flavour}/{leaf}/image_id"
        elif family == AMIFamily.BOTTLEROCKET.lower():
            leaf = "latest" if version == "latest" else version.removeprefix("v")
            paths[arch] = f"/aws/service/bottlerocket/aws-k8s-{k8s}/{ec2_arch}/{leaf}/image_id"
        else:
            raise CloudError(
                f"amiSelectorTerms alias {alias!r}: only al2023, al2 and bottlerocket aliases can be "
                "resolved; select the AMI by id, tags or name instead"
            )
    return paths


class AmiResolver:
    """Resolves selector terms through SSM GetParameter and EC2 DescribeImages."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def resolve(self, terms: Sequence[AMISelectorTerm], kubernetes_version: str) -> dict[str, Image]:
        """{arch: the newest selected image}; NothingSelected when the terms select nothing."""
        ids: set[str] = set()
        found: list[Image] = []
        for term in terms:
            if term.alias:
                ids.update(self._parameters(list(alias_parameters(term.alias, kubernetes_version).values())))
            elif term.ssmParameter:
                ids.update(self._parameters([term.ssmParameter]))
            elif term.id:
                ids.add(term.id)
            else:
                found += self._describe(_filters(term), owners=[term.owner] if term.owner else None)
        if ids:
            found += self._describe([], image_ids=sorted(ids))
        best: dict[str, Image] = {}
        for image in sorted(found, key=lambda i: (i.created, i.id), reverse=True):
            best.setdefault(image.arch, image)
        if not best:
            raise NothingSelected(
                "amiSelectorTerms select no AMI in this region: check the ids, tags or names"
            )
        return best

    def _parameters(self, names: Sequence[str]) -> list[str]:
        values: list[str] = []
        for name in names:
            try:
                response = self._clients.call("ssm", "GetParameter", Name=name)
            except AwsApiError as exc:
                if exc.code == "ParameterNotFound":
                    continue  # that architecture (or version) is not published
                raise
            values.append(str(response["Parameter"]["Value"]))
        return values

    def _describe(
        self,
        filters: list[dict[str, Any]],
        *,
        image_ids: Sequence[str] = (),
        owners: Sequence[str] | None = None,
    ) -> list[Image]:
        params: dict[str, Any] = {"Filters": filters}
        if image_ids:
            params["ImageIds"] = list(image_ids)
        elif owners or not any(f["Name"] == "image-id" for f in filters):
            params["Owners"] = list(owners or DEFAULT_OWNERS)
        response = self._clients.call("ec2", "DescribeImages", **params)
        images: list[Image] = []
        for raw in response.get("Images", []):
            arch = ARCHITECTURES.get(str(raw.get("Architecture", "")))
            if arch is None or raw.get("State", "available") != "available":
                continue
            images.append(
                Image(str(raw["ImageId"]), str(raw.get("Name", "")), arch, str(raw.get("CreationDate", "")))
            )
        return images


def _filters(term: AMISelectorTerm) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if term.name:
        filters.append({"Name": "name", "Values": [term.name]})
    for key, value in (term.tags or {}).items():
        filters.append({"Name": f"tag:{key}", "Values": [value]} if value != "*" else _tag_key(key))
    return filters


def _tag_key(key: str) -> dict[str, Any]:
    return {"Name": "tag-key", "Values": [key]}
