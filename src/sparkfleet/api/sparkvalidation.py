"""Semantic checks of SparkApplication and ScheduledSparkApplication that field types cannot express.

The operator's validating webhook rules (DNS-1035 names, denied sparkConf keys, the namespace, node
selectors set twice) plus the mistakes that otherwise surface only minutes later as a failed pod: names too
long for the driver pod and UI service, limits below requests, mounts of undeclared volumes, dynamic
allocation bounds out of order, schedules that never fire. Every issue names the full field path and says
the fix. `*_hints` return advice that does not block (the object is valid as written).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Mapping
from datetime import datetime

from croniter import CroniterBadDateError, croniter

from sparkfleet.api.base import FieldIssue, did_you_mean
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.names import (
    DNS1035_LABEL,
    DNS1123_LABEL_RULE,
    DNS1123_SUBDOMAIN,
    DNS1123_SUBDOMAIN_RULE,
    invalid,
    name_issue,
    spark_spec_issues,
)
from sparkfleet.api.scheduledsparkapplication import (
    CRON_DESCRIPTORS,
    RUN_SUFFIX_LENGTH,
    ScheduledSparkApplication,
    every_interval,
    split_time_zone,
)
from sparkfleet.api.sparkapplication import ApplicationType, SparkApplication, SparkApplicationSpec
from sparkfleet.api.wire import SCHEDULER_NAME

LABEL_MAX = 63
NAME_SUFFIX_LENGTH = len("-ui-svc")
"""Longest suffix the operator adds to the name for a DNS-1035 object (`-driver` has the same length)."""
MAX_APP_NAME = LABEL_MAX - NAME_SUFFIX_LENGTH
GENERATE_NAME_RANDOM = 5
"""Characters the API server appends to generateName."""
MAX_SCHEDULED_NAME = MAX_APP_NAME - RUN_SUFFIX_LENGTH
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
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
# A fixed instant to look for a schedule's next firing: validation must not read the clock.
_CRON_PROBE = datetime(2001, 1, 1)


def _conf_path(prefix: str, key: str) -> str:
    return f'{prefix}.sparkConf["{key}"]'


def suggest_label(name: str) -> str | None:
    """A DNS-1035 label close to `name` (`Taxi_Trip` -> `taxi-trip`), or None when nothing is left."""
    text = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    text = re.sub(r"-{2,}", "-", text).lstrip("-0123456789")[:MAX_APP_NAME].rstrip("-")
    return text if text and DNS1035_LABEL.match(text) else None


def _name_issues(meta: ObjectMeta, max_len: int, what: str) -> list[FieldIssue]:
    """The object's name must be a DNS-1035 label short enough for the names derived from it."""
    if meta.name is None:
        if meta.generateName is None:
            return [FieldIssue("metadata.name", 'required field is missing; set a name such as "taxi-trip"')]
        prefix = meta.generateName
        if not re.match(r"^[a-z]([-a-z0-9]*)?$", prefix):
            return [
                FieldIssue(
                    "metadata.generateName",
                    "must start with a lower-case letter and hold only lower-case letters, digits and '-'",
                )
            ]
        limit = max_len - GENERATE_NAME_RANDOM
        if len(prefix) > limit:
            return [
                FieldIssue(
                    "metadata.generateName",
                    f"is {len(prefix)} characters; with the {GENERATE_NAME_RANDOM} random characters added, "
                    f"{what} would pass {LABEL_MAX}: shorten it to at most {limit} characters",
                )
            ]
        return []
    name = meta.name
    if len(name) > LABEL_MAX or not DNS1035_LABEL.match(name):
        fix = suggest_label(name)
        hint = f' such as "{fix}"' if fix else ""
        return [
            FieldIssue(
                "metadata.name",
                f"{name!r} is not a DNS-1035 label: use at most {LABEL_MAX} lower-case letters, digits and "
                f"'-', starting with a letter and ending with a letter or digit{hint}",
            )
        ]
    if len(name) > max_len:
        return [
            FieldIssue(
                "metadata.name",
                f"is {len(name)} characters, so {what} would pass the {LABEL_MAX}-character limit of "
                f"Kubernetes names: shorten it to at most {max_len} characters",
            )
        ]
    return []


def _label_issues(labels: Mapping[str, str], path: str) -> list[FieldIssue]:
    """Label keys and values in Kubernetes' syntax (they are copied onto the driver and executor pods)."""
    issues: list[FieldIssue] = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if (
            not name
            or len(name) > LABEL_MAX
            or not _LABEL_NAME.match(name)
            or (prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)))
        ):
            issues.append(
                FieldIssue(
                    f'{path}["{key}"]',
                    "invalid label key: use an optional DNS prefix and '/', then at most 63 letters, digits, "
                    "'-', '_' or '.', starting and ending with a letter or digit",
                )
            )
        if len(value) > LABEL_MAX or not _LABEL_VALUE.match(value):
            issues.append(
                FieldIssue(
                    f'{path}["{key}"]',
                    f"invalid label value {value!r}: use at most 63 letters, digits, '-', '_' or '.', "
                    "starting and ending with a letter or digit (or leave it empty)",
                )
            )
    return issues


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
        issues += _label_issues(pod.labels, f"{path}.labels")
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


def validate_spark_application_spec(
    spec: SparkApplicationSpec, prefix: str = "spec", namespace: str | None = None
) -> list[FieldIssue]:
    """The spec's rules, paths under `prefix` (`spec`, or `spec.template` in a scheduled application).

    `namespace` is the object's namespace; when None (not yet known) the namespace rule is skipped.
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


def validate_spark_application(app: SparkApplication) -> list[FieldIssue]:
    """Every semantic problem of a parsed SparkApplication; empty when it can be submitted."""
    issues = _name_issues(
        app.metadata, MAX_APP_NAME, 'its driver pod "<name>-driver" and UI service "<name>-ui-svc"'
    )
    issues += _label_issues(app.metadata.labels, "metadata.labels")
    conf_key = "spark.kubernetes.driver.pod.name"
    for path, pod_name in (
        ("spec.driver.podName", app.spec.driver.podName),
        (_conf_path("spec", conf_key), app.spec.sparkConf.get(conf_key)),
    ):
        bad = name_issue(path, pod_name, DNS1123_SUBDOMAIN_RULE) if pod_name is not None else None
        if bad is not None:
            issues.append(bad)
    issues += validate_spark_application_spec(app.spec, "spec", app.metadata.namespace)
    return issues


def spark_application_spec_hints(spec: SparkApplicationSpec, prefix: str = "spec") -> list[FieldIssue]:
    """Advice that does not block: fields that are ignored or deprecated as written."""
    hints: list[FieldIssue] = []
    if spec.pythonVersion is not None and spec.type != ApplicationType.PYTHON:
        hints.append(
            FieldIssue(
                f"{prefix}.pythonVersion",
                f'is ignored for type "{spec.type}": remove it, or set type to "Python"',
            )
        )
    if spec.type in (ApplicationType.JAVA, ApplicationType.SCALA) and not spec.mainClass:
        hints.append(
            FieldIssue(
                f"{prefix}.mainClass",
                "is not set: the jar's manifest must name its Main-Class, or set mainClass",
            )
        )
    policy = spec.restartPolicy
    if policy.type == "Never" and (policy.onFailureRetries or policy.onSubmissionFailureRetries):
        hints.append(
            FieldIssue(
                f"{prefix}.restartPolicy.type",
                'is "Never", so the retry counts are ignored: set type to "OnFailure" to retry',
            )
        )
    for legacy, replacement in (
        ("failureRetries", "onFailureRetries"),
        ("retryInterval", "onFailureRetryInterval"),
    ):
        if getattr(spec, legacy) is not None:
            hints.append(
                FieldIssue(
                    f"{prefix}.{legacy}",
                    f"is not used by v1beta2: set {prefix}.restartPolicy.{replacement} instead",
                )
            )
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        if pod.envVars:
            hints.append(FieldIssue(f"{prefix}.{role}.envVars", "is deprecated: use env instead"))
        if pod.envSecretKeyRefs:
            hints.append(
                FieldIssue(
                    f"{prefix}.{role}.envSecretKeyRefs",
                    "is deprecated: use env with valueFrom.secretKeyRef instead",
                )
            )
    return hints


def spark_application_hints(app: SparkApplication) -> list[FieldIssue]:
    return spark_application_spec_hints(app.spec)


@functools.cache
def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def time_zone_issue(zone: str, path: str) -> FieldIssue | None:
    """None when `zone` is "Local" (the controller's zone), empty, or an IANA zone name."""
    if zone in ("", "Local"):
        return None
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(zone, _time_zones())
        return FieldIssue(
            path,
            f'unknown time zone {zone!r}{hint}: use an IANA name such as "Europe/Paris" or "UTC", or "Local"',
        )
    return None


def schedule_issue(schedule: str, path: str) -> FieldIssue | None:
    """None when `schedule` is what the operator's cron parser accepts and it fires at least once."""
    zone, expression = split_time_zone(schedule)
    if zone is not None:
        bad_zone = time_zone_issue(zone, path)
        if bad_zone is not None:
            return bad_zone
    if expression.startswith("@every"):
        try:
            every_interval(expression)
        except ValueError as exc:
            return FieldIssue(path, str(exc))
        return None
    if expression.startswith("@"):
        if expression in CRON_DESCRIPTORS:
            return None
        hint = did_you_mean(expression, sorted(CRON_DESCRIPTORS))
        return FieldIssue(
            path,
            f"unknown descriptor {expression!r}{hint}: use one of "
            f"{', '.join(sorted(CRON_DESCRIPTORS))} or @every <duration>",
        )
    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        return FieldIssue(
            path,
            f"invalid cron schedule {expression!r}: use five fields (minute hour day-of-month month "
            'day-of-week), e.g. "*/15 * * * *", or @hourly, @daily, @every 10m',
        )
    try:
        croniter(expression, _CRON_PROBE).get_next(datetime)
    except CroniterBadDateError:
        return FieldIssue(path, f"cron schedule {expression!r} never fires: check the day and month fields")
    return None


def validate_scheduled_spark_application(app: ScheduledSparkApplication) -> list[FieldIssue]:
    """Every semantic problem of a parsed ScheduledSparkApplication, its template included."""
    issues = _name_issues(
        app.metadata,
        MAX_SCHEDULED_NAME,
        'its runs "<name>-<unix nanoseconds>" and their driver pods and UI services',
    )
    issues += _label_issues(app.metadata.labels, "metadata.labels")
    bad_schedule = schedule_issue(app.spec.schedule, "spec.schedule")
    if bad_schedule is not None:
        issues.append(bad_schedule)
    bad_zone = time_zone_issue(app.spec.timeZone, "spec.timeZone")
    if bad_zone is not None:
        issues.append(bad_zone)
    issues += validate_spark_application_spec(app.spec.template, "spec.template", app.metadata.namespace)
    return issues


def scheduled_spark_application_hints(app: ScheduledSparkApplication) -> list[FieldIssue]:
    return spark_application_spec_hints(app.spec.template, "spec.template")
