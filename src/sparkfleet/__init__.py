"""sparkfleet: one control plane for Apache Spark batch jobs on a fleet that grows and shrinks.

Other layers reach a package only through its face, the `__init__.py` whose `__all__` lists what they
may use; the modules inside a package are its implementation (`tests/test_faces.py` holds the rule).
The faces, lowest layer first:

- `sparkfleet.api.<module>` (`sparkfleet.api.sparkapplication`, `sparkfleet.api.quantity`, ...): the
  models per kind and the rules every layer shares, each module a face of its own; and the packages
  `sparkfleet.api.wire`, `sparkfleet.api.yunikorn`, `sparkfleet.api.karpenter`,
  `sparkfleet.api.ec2nodeclass`, `sparkfleet.api.sparkvalidation`;
- `sparkfleet.clock`, `sparkfleet.privatefiles`, `sparkfleet.config`: single modules; `sparkfleet.home`
  (a cluster's home and its store, opened and seeded), a single module above the adapters;
- `sparkfleet.engine.lifecycle`, `sparkfleet.engine.submission`, `sparkfleet.engine.scheduling`,
  `sparkfleet.engine.provisioning`, `sparkfleet.engine.disruption`: the pure engines;
- `sparkfleet.cluster` (the Cluster port) and `sparkfleet.cluster.embedded` (the SQLite store);
  `sparkfleet.cloud` (the Cloud port) and `sparkfleet.cloud.sim` (the simulated EC2);
- `sparkfleet.reconcile`: the runner, work queue and Result;
- `sparkfleet.runtime` (the Runtime port) and `sparkfleet.runtime.local` (the local kubelet);
  `sparkfleet.controllers`, `sparkfleet.controllers.disruption`, `sparkfleet.controllers.nodeclaim`,
  `sparkfleet.controllers.scheduler` and `sparkfleet.controllers.support`;
- `sparkfleet.sim` (dry runs), `sparkfleet.platform` (the composition root), `sparkfleet.server` (the
  Kubernetes REST API) and `sparkfleet.cli` (the command line).

Importing this package loads nothing else: `__version__` is read from the installed distribution's
metadata when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str

__all__ = ["__version__"]

_FALLBACK_VERSION = "0.1.0"


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("sparkfleet")
    except PackageNotFoundError:
        found = _FALLBACK_VERSION
    globals()["__version__"] = found
    return found
