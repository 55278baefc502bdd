"""Which cloud a cluster launches its nodes in: the `cloud:` part of `settings.yaml`.

```yaml
cloud:
  provider: aws                  # default: sim (the simulated EC2 of the scenario)
  region: us-east-1              # default
  clusterName: spark-on-eks      # required for aws: the EKS cluster nodes join
  interruptionQueue: spark-on-eks-interruptions   # optional: the SQS queue EventBridge sends EC2 events to
  clusterEndpoint: https://...   # optional with clusterCertificateAuthority and kubernetesVersion:
  clusterCertificateAuthority: LS0t...            # read with eks:DescribeCluster when left out
  kubernetesVersion: "1.32"
  serviceCidr: 172.20.0.0/16     # optional: the cluster's service CIDR, for nodeadm
  livePrices: true               # default: prices from the Pricing API and the spot price history
  priceRefreshMinutes: 60        # default: how long fetched prices are kept before they are read again
  orphanGraceMinutes: 10         # default: a tagged instance without its NodeClaim is terminated after this
```
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from sparkfleet.api.base import Model

__all__ = ["CloudProvider", "CloudSettings"]

_REGION = r"^[a-z]{2}(-[a-z]+)+-\d+$"


class CloudProvider(StrEnum):
    SIM = "sim"
    AWS = "aws"


class CloudSettings(Model):
    provider: CloudProvider = CloudProvider.SIM
    region: Annotated[str, Field(pattern=_REGION)] = "us-east-1"
    clusterName: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    interruptionQueue: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    clusterEndpoint: Annotated[str, Field(pattern=r"^https://")] | None = None
    clusterCertificateAuthority: str | None = None
    kubernetesVersion: Annotated[str, Field(pattern=r"^1\.\d+$")] | None = None
    serviceCidr: str | None = None
    livePrices: bool = True
    priceRefreshMinutes: Annotated[float, Field(gt=0)] = 60.0
    orphanGraceMinutes: Annotated[float, Field(ge=0)] = 10.0

    @model_validator(mode="after")
    def _aws_needs_a_cluster(self) -> Self:
        if self.provider is CloudProvider.AWS and not self.clusterName:
            raise ValueError("clusterName is required when provider is aws: the EKS cluster's name")
        if self.clusterName and not re.match(r"^[0-9A-Za-z][A-Za-z0-9_-]*$", self.clusterName):
            raise ValueError(f"clusterName {self.clusterName!r} is not an EKS cluster name ([A-Za-z0-9_-])")
        return self
