"""The driver's Spark conf (its ConfigMap's spark.properties) for Spark on Kubernetes on this machine.

The driver runs as the Spark image's entrypoint runs it in its pod, `spark-submit --deploy-mode client`
with the submitted conf, and Spark's Kubernetes backend asks the cluster's API for its executors. The conf
changes only where this machine differs from a pod on EKS:
- the API: spark.master and spark.kubernetes.driver.master are the cluster's loopback URL (not
  kubernetes.default.svc), the token file and CA are those the kubelet gave the pod (apiaccess.py);
- the driver's address: its pod's own loopback address (podaddress.py) as spark.driver.host and
  bindAddress, since the driver service's DNS name does not resolve here; its ports stay the pod's
  (7078, 7079), which its address alone holds;
- the executors' pod template: the executor pod submission built, as the operator's webhook would patch
  it (podtemplate.py), so Spark's executors carry the application's node selector, tolerations, volumes;
- the image: Spark needs one to create executors; when the application names none, the local one;
- as in local mode (localconf.py): event logs on object storage go to the cluster's event-log directory,
  the Python is this machine's, the UI listens on the loopback port the kubelet gave it behind the
  service-proxy path, application resources are resolved to this machine's paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sparkfleet.api.wire import EXECUTOR_CONTAINER
from sparkfleet.engine.submission import LOCAL_IMAGE
from sparkfleet.runtime.local.apiaccess import ApiAccess, PodCredentials
from sparkfleet.runtime.local.localconf import place_on_machine

__all__ = ["ClusterConfInputs", "cluster_conf"]

_IMAGE_KEYS = ("spark.kubernetes.container.image", "spark.kubernetes.executor.container.image")
_MOUNTED_AUTH = "spark.kubernetes.authenticate.driver.mounted"


@dataclass(frozen=True, slots=True)
class ClusterConfInputs:
    api: ApiAccess
    credentials: PodCredentials
    pod_ip: str
    python: str
    event_log_dir: Path
    resolve_resource: Callable[[str, str], str]
    executor_template: Path | None
    """The executor pod template file, or None to let Spark build executors from the conf alone."""
    local_dirs: str | None = None
    ui_port: int | None = None
    ui_proxy_base: str | None = None


def cluster_conf(conf: Mapping[str, str], inputs: ClusterConfInputs) -> dict[str, str]:
    """The conf for a driver whose submitted conf is `conf`, run on Kubernetes here."""
    out = dict(conf)
    out["spark.master"] = f"k8s://{inputs.api.url}"
    out["spark.kubernetes.driver.master"] = inputs.api.url
    out["spark.submit.deployMode"] = "client"
    out["spark.kubernetes.submitInDriver"] = "true"
    out[f"{_MOUNTED_AUTH}.oauthTokenFile"] = str(inputs.credentials.token_file)
    if inputs.credentials.ca_file is not None:
        out[f"{_MOUNTED_AUTH}.caCertFile"] = str(inputs.credentials.ca_file)
    out["spark.driver.host"] = inputs.pod_ip
    out["spark.driver.bindAddress"] = inputs.pod_ip
    out["spark.pyspark.python"] = inputs.python
    out["spark.pyspark.driver.python"] = inputs.python
    if not any(conf.get(key) for key in _IMAGE_KEYS):
        out["spark.kubernetes.container.image"] = LOCAL_IMAGE
    if inputs.executor_template is not None:
        out["spark.kubernetes.executor.podTemplateFile"] = str(inputs.executor_template)
        out["spark.kubernetes.executor.podTemplateContainerName"] = EXECUTOR_CONTAINER
    place_on_machine(out, conf, inputs)
    return out
