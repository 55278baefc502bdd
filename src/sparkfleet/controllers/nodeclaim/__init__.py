"""The NodeClaim controller: the one owner of instance launch, and each claim's life to its end.

After Ray's autoscaler v2 and Karpenter's lifecycle: the provisioner and disruption only write NodeClaims;
this controller launches each through the Cloud port with the claim's uid as the idempotency token and
writes the outcome on the claim, where whoever planned it polls it. Its parts, by responsibility:
- `launch`: the launch, its idempotency, and the outcome on the claim (insufficient capacity included);
- `registration`: the running instance's Node, then Registered, Initialized and Ready;
- `termination`: deleted claims' instances and Nodes, orphan instances, spot interruption notices;
- `reconciler`: the walk through those per claim, Karpenter's time-outs (not launched 5 minutes after its
  creation, not registered after 15: deleted with an event), and the cloud's polled events.
"""

from sparkfleet.controllers.nodeclaim.context import (
    LAUNCH_TIMEOUT,
    REGISTRATION_TIMEOUT,
)
from sparkfleet.controllers.nodeclaim.reconciler import CLOUD_KEY, NodeClaimReconciler
from sparkfleet.controllers.support.fleet import COMPONENT
from sparkfleet.engine.provisioning import nodeclaim_manifest

__all__ = [
    "CLOUD_KEY",
    "COMPONENT",
    "LAUNCH_TIMEOUT",
    "REGISTRATION_TIMEOUT",
    "NodeClaimReconciler",
    "nodeclaim_manifest",
]
