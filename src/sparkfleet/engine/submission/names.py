"""Names and ids of a submission's objects, derived from the submission id instead of drawn at random.

spark-submit draws the application id (`spark-<uuid>`) and the hex parts of object names
(KubernetesUtils.uniqueID: 6 random hex digits + 10 of the clock) at random. Here they come from a hash of
the submission id, so building a submission twice gives the same objects: a retried create finds the
first driver instead of making a second, and any component can rebuild the objects from the application
and its `status.submissionID`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_DNS_LABEL = 63
"""Kubernetes' limit for label values, service names and hostnames (KUBERNETES_DNS_LABEL_NAME_MAX_LENGTH)."""

_NOT_NAME_CHAR = re.compile(r"[^a-z0-9\-]")
_DASHES = re.compile(r"-+")
_LEADING_NON_WORD = re.compile(r"^[^\w]+")
_NOT_HOSTNAME_CHAR = re.compile(r"[^\w-]+")


@dataclass(frozen=True, slots=True)
class SubmissionIds:
    """Every id and random-looking name part of one submission."""

    app_id: str
    """`spark-` + 32 hex digits: the spark-app-selector label and spark.app.id."""
    driver_unique: str
    """16 hex digits: the resource name prefix of the driver's objects (`<app>-<hex>`)."""
    driver_config_map: str
    """`spark-drv-<hex>-conf-map`: the ConfigMap holding spark.properties."""
    executor_config_map: str
    """`spark-exec-<hex>-conf-map`: the ConfigMap the driver creates for its executors."""
    executor_unique: str
    """16 hex digits: the executor pod name prefix, unless spark.kubernetes.executor.podNamePrefix is set."""
    local_dir: str
    """The default local directory, `/var/data/spark-<uuid>` (LocalDirsFeatureStep)."""


def submission_ids(submission_id: str) -> SubmissionIds:
    """All ids of a submission, from one SHA-512 of its id (128 hex digits, cut in disjoint pieces)."""
    h = hashlib.sha512(submission_id.encode()).hexdigest()
    u = h[96:128]
    return SubmissionIds(
        app_id=f"spark-{h[0:32]}",
        driver_unique=h[32:48],
        driver_config_map=f"spark-drv-{h[48:64]}-conf-map",
        executor_config_map=f"spark-exec-{h[64:80]}-conf-map",
        executor_unique=h[80:96],
        local_dir=f"/var/data/spark-{u[0:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}",
    )


def resource_name_prefix(app_name: str, unique: str) -> str:
    """`<app-name>-<unique>` made safe for object names, as KubernetesConf.getResourceNamePrefix does."""
    text = _DASHES.sub("-", _NOT_NAME_CHAR.sub("-", f"{app_name}-{unique}".strip().lower()))
    if text.startswith("-"):
        text = text[1:]
    if text[:1].isdigit():
        text = "x" + text[1:]
    return text


def app_name_label(app_name: str) -> str:
    """The spark-app-name label value (KubernetesConf.getAppNameLabel): lower-cased, dashed, 63 characters.

    Spark stops there; a value cut to end in "-" would be refused by the API server, so the ends are
    trimmed as well.
    """
    text = _DASHES.sub("-", _NOT_NAME_CHAR.sub("-", app_name.strip().lower()))[:MAX_DNS_LABEL]
    return text.strip("-")


def driver_service_name(prefix: str, unique: str) -> str:
    """`<prefix>-driver-svc`, or `spark-<unique>-driver-svc` when that is longer than 63 characters."""
    preferred = f"{prefix}-driver-svc"
    return preferred if len(preferred) <= MAX_DNS_LABEL else f"spark-{unique}-driver-svc"


def executor_hostname(pod_name: str) -> str:
    """The last 63 characters of the pod name, made a valid hostname (BasicExecutorFeatureStep)."""
    tail = pod_name[max(0, len(pod_name) - MAX_DNS_LABEL) :]
    return _NOT_HOSTNAME_CHAR.sub("_", _LEADING_NON_WORD.sub("", tail))


def ui_service_name(app_name: str) -> str:
    """`<app>-ui-svc` like the operator; a name that would pass 63 characters keeps a hash suffix instead,
    so the Service can be created (the operator fails there, leaving the app without a UI service)."""
    name = f"{app_name}-ui-svc"
    if len(name) <= MAX_DNS_LABEL:
        return name
    digest = hashlib.sha256(app_name.encode()).hexdigest()[:8]
    keep = MAX_DNS_LABEL - len("-ui-svc") - len(digest) - 1
    return f"{app_name[:keep].rstrip('-')}-{digest}-ui-svc"
