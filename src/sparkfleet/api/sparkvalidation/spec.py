"""Checks of a SparkApplication spec: denied sparkConf keys, the namespace, node selectors set twice, limits
below requests, mounts of undeclared volumes, dynamic allocation bounds out of order, unknown schedulers."""

from __future__ import annotations

import re

from sparkfleet.api.base import FieldIssue, did_you_mean
from sparkfleet.api.names import (
    DNS1123_LABEL_RULE,
    DNS1123_SUBDOMAIN_RULE,
    invalid,
    name_issue,
    spark_spec_issues,
)
from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.sparkapplication import ApplicationType, SparkApplication, SparkApplicationSpec
from sparkfleet.api.sparkvalidation.limits import executor_limit_issues
from sparkfleet.api.sparkvalidation.metadata import MAX_APP_NAME, label_issues, object_name_issues
from sparkfleet.api.wire import SCHEDULER_NAME

KNOWN_BATCH_SCHEDULERS = (SCHEDULER_NAME, "volcano", "kube-scheduler")

_FIXED_KEYS = {
    "spark.master": "the master URL is set by the platform; remove it",
    "spark.kubernetes.driver.master": "remove it; set spec.driver.kubernetesMaster instead",
    "spark.kubernetes.container.image": "remove it; set spec.image instead",
    "spark.kubernetes.driver.container.image": "remove it; set spec.driver.image instead",
    "spark.kubernetes.executor.container.image": "remove it; set spec.executor.image instead",
    "spark.kubernetes.authenticate.driver.serviceAccountName": (
        "remove it; set spec.driver.serviceAccount instead"
    ),
    "spark.kubernetes.authenticate.executor.serviceAccountName": (
        "remove it; set spec.executor.serviceAccount instead"
    ),
}
_SPARK_CONF_VOLUME = re.compile(r"^spark\.kubernetes\.(driver|executor)\.volumes\.[A-Za-z]+\.([^.]+)\.")


def _conf_path(prefix: str, key: str) -> str:
    return f'{prefix}.sparkConf["{key}"]'


def _spark_conf_issues(spec: SparkApplicationSpec, prefix: str, namespace: str | None) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for key, value in spec.sparkConf.items():
        path = _conf_path(prefix, key)
        if key in _FIXED_KEYS:
            issues.append(FieldIssue(path, f"is not allowed: {_FIXED_KEYS[key]}"))
        elif "oauthToken" in key:
            issues.append(
                FieldIssue(path, "is not allowed: pods authenticate with their service account; remove it")
            )
        elif (volume := _SPARK_CONF_VOLUME.match(key)) and DNS1123_LABEL_RULE.problems(volume.group(2)):
            # Spark names the pod's volume after the key: Kubernetes would refuse the pod.
            detail = ", ".join(DNS1123_LABEL_RULE.problems(volume.group(2)))
            issues.append(invalid(path, volume.group(2), f"the volume name in the key: {detail}"))
        elif key == "spark.kubernetes.namespace" and namespace is not None and value != namespace:
            issues.append(
                FieldIssue(
                    path,
                    f'is "{value}" but the application is in namespace "{namespace}": remove the key, or '
                    f'set metadata.namespace to "{value}"',
                )
            )
    return issues


def _declared_volumes(spec: SparkApplicationSpec, role: str) -> set[str]:
    names = {v.name for v in spec.volumes}
    pod = spec.driver if role == "driver" else spec.executor
    if pod.template is not None and pod.template.spec is not None:
        names |= {v.name for v in pod.template.spec.volumes}
    for key in spec.sparkConf:
        match = _SPARK_CONF_VOLUME.match(key)
        if match and match.group(1) == role:
            names.add(match.group(2))
    return names


def _pod_issues(spec: SparkApplicationSpec, prefix: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    factor = spec.memory_overhead_factor()
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        path = f"{prefix}.{role}"
        if spec.nodeSelector and pod.nodeSelector:
            issues.append(
                FieldIssue(
                    f"{path}.nodeSelector",
                    f"cannot be set together with {prefix}.nodeSelector: keep one of the two",
                )
            )
        request = pod.core_request_millis()
        limit = pod.core_limit_millis()
        if limit is not None and limit < request:
            issues.append(
                FieldIssue(
                    f"{path}.coreLimit",
                    f"{pod.coreLimit} is below the CPU request of {request}m (coreRequest, else cores): "
                    "raise coreLimit or lower the request",
                )
            )
        memory_limit = pod.memory_limit_bytes()
        pod_memory = pod.pod_memory_bytes(factor)
        if memory_limit is not None and memory_limit < pod_memory:
            issues.append(
                FieldIssue(
                    f"{path}.memoryLimit",
                    f"{pod.memoryLimit} is below the pod's memory request of {pod_memory // 2**20}Mi "
                    "(memory + overhead): raise memoryLimit or lower memory",
                )
            )
        declared = _declared_volumes(spec, role)
        for i, mount in enumerate(pod.volumeMounts):
            if mount.name not in declared:
                hint = did_you_mean(mount.name, sorted(declared))
                issues.append(
                    FieldIssue(
                        f"{path}.volumeMounts[{i}].name",
                        f'mounts volume "{mount.name}" that is not declared{hint}: '
                        f"add it to {prefix}.volumes",
                    )
                )
        issues += label_issues(pod.labels, f"{path}.labels")
    return issues


def _dynamic_allocation_issues(spec: SparkApplicationSpec, prefix: str) -> list[FieldIssue]:
    da = spec.dynamicAllocation
    if da is None:
        return []
    path = f"{prefix}.dynamicAllocation"
    issues: list[FieldIssue] = []
    low, initial, high = da.minExecutors, da.initialExecutors, da.maxExecutors
    if low is not None and high is not None and low > high:
        issues.append(
            FieldIssue(f"{path}.minExecutors", f"{low} is above maxExecutors ({high}): make min <= max")
        )
    if initial is not None and low is not None and initial < low:
        issues.append(
            FieldIssue(
                f"{path}.initialExecutors", f"{initial} is below minExecutors ({low}): make min <= initial"
            )
        )
    if initial is not None and high is not None and initial > high:
        issues.append(
            FieldIssue(
                f"{path}.initialExecutors", f"{initial} is above maxExecutors ({high}): make initial <= max"
            )
        )
    external_shuffle = spec.sparkConf.get("spark.shuffle.service.enabled", "false").strip().lower() == "true"
    if da.enabled and not da.effective_shuffle_tracking() and not external_shuffle:
        issues.append(
            FieldIssue(
                f"{path}.shuffleTrackingEnabled",
                "dynamic allocation needs shuffle tracking or an external shuffle service: set it to true, "
                'or set sparkConf "spark.shuffle.service.enabled" to "true"',
            )
        )
    return issues


def _yunikorn_annotation_issues(spec: SparkApplicationSpec, prefix: str) -> list[FieldIssue]:
    """The YuniKorn annotations a driver or executor pod will carry, checked as the scheduler parses them."""
    from sparkfleet.api.yunikorn import yunikorn_annotation_issues  # an import cycle at module level

    issues: list[FieldIssue] = []
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        issues += yunikorn_annotation_issues(pod.annotations, f"{prefix}.{role}.annotations")
        meta = pod.template.metadata if pod.template is not None else None
        if meta is not None:
            issues += yunikorn_annotation_issues(
                meta.annotations, f"{prefix}.{role}.template.metadata.annotations"
            )
    return issues


def validate_spark_application_spec(
    spec: SparkApplicationSpec,
    prefix: str = "spec",
    namespace: str | None = None,
    max_executors: int = DEFAULT_MAX_EXECUTORS,
) -> list[FieldIssue]:
    """The spec's rules, paths under `prefix` (`spec`, or `spec.template` in a scheduled application).

    `namespace` is the object's namespace; when None (not yet known) the namespace rule is skipped.
    `max_executors`: the cluster's limit on executors (limits.maxExecutors).
    """
    issues: list[FieldIssue] = []
    if not spec.mainApplicationFile.strip():
        issues.append(
            FieldIssue(
                f"{prefix}.mainApplicationFile",
                "must not be empty: give the jar, Python or R file to run, e.g. local:///opt/app/job.py",
            )
        )
    if not spec.sparkVersion.strip():
        issues.append(FieldIssue(f"{prefix}.sparkVersion", 'must not be empty: give it, e.g. "3.5.3"'))
    issues += _spark_conf_issues(spec, prefix, namespace)
    issues += _pod_issues(spec, prefix)
    issues += _dynamic_allocation_issues(spec, prefix)
    issues += executor_limit_issues(spec, prefix, max_executors)
    issues += _yunikorn_annotation_issues(spec, prefix)
    if spec.deps is not None and spec.deps.pyFiles and spec.type != ApplicationType.PYTHON:
        issues.append(
            FieldIssue(
                f"{prefix}.deps.pyFiles",
                f'only Python applications take pyFiles, and type is "{spec.type}": set type to "Python" '
                "or move the files to deps.files",
            )
        )
    if spec.batchScheduler is not None and spec.batchScheduler not in KNOWN_BATCH_SCHEDULERS:
        hint = did_you_mean(spec.batchScheduler, list(KNOWN_BATCH_SCHEDULERS))
        issues.append(
            FieldIssue(
                f"{prefix}.batchScheduler",
                f"unknown batch scheduler {spec.batchScheduler!r}{hint}: use one of "
                f"{', '.join(KNOWN_BATCH_SCHEDULERS)}, or remove it for the default scheduler",
            )
        )
    issues += spark_spec_issues(spec.to_dict(), prefix)
    return issues


def validate_spark_application(
    app: SparkApplication, max_executors: int = DEFAULT_MAX_EXECUTORS
) -> list[FieldIssue]:
    """Every semantic problem of a parsed SparkApplication; empty when it can be submitted."""
    issues = object_name_issues(
        app.metadata, MAX_APP_NAME, 'its driver pod "<name>-driver" and UI service "<name>-ui-svc"'
    )
    issues += label_issues(app.metadata.labels, "metadata.labels")
    conf_key = "spark.kubernetes.driver.pod.name"
    for path, pod_name in (
        ("spec.driver.podName", app.spec.driver.podName),
        (_conf_path("spec", conf_key), app.spec.sparkConf.get(conf_key)),
    ):
        bad = name_issue(path, pod_name, DNS1123_SUBDOMAIN_RULE) if pod_name is not None else None
        if bad is not None:
            issues.append(bad)
    issues += validate_spark_application_spec(app.spec, "spec", app.metadata.namespace, max_executors)
    return issues
