"""YuniKorn's pod labels and annotations (the shim's keys) and its scheduler name."""

from __future__ import annotations

from sparkfleet.api.wire.kubernetes import DEFAULT_SCHEDULER_NAME

SCHEDULER_NAME = "yunikorn"

SchedulerNames = frozenset[str | None]
EMBEDDED_SCHEDULER_NAMES: SchedulerNames = frozenset({None, "", SCHEDULER_NAME, DEFAULT_SCHEDULER_NAME})
"""The pods the embedded cluster's scheduler takes: YuniKorn's and the default scheduler's (an unset
`schedulerName` is the default's), as no other scheduler runs there."""
CLUSTER_SCHEDULER_NAMES: SchedulerNames = frozenset({SCHEDULER_NAME})
"""The pods `sparkfleet controller` takes by default: YuniKorn's only, beside the cluster's own
kube-scheduler (which YuniKorn, deployed as a second scheduler, leaves the others to)."""


def scheduler_names(names: str) -> SchedulerNames:
    """`yunikorn,default-scheduler` as `--scheduler-name` takes it; naming the default scheduler takes
    the pods that name none too."""
    chosen: set[str | None] = {n.strip() for n in names.split(",") if n.strip()}
    if DEFAULT_SCHEDULER_NAME in chosen:
        chosen |= {None, ""}
    return frozenset(chosen)


ANNOTATION_APP_ID = "yunikorn.apache.org/app-id"
LABEL_APP_ID = ANNOTATION_APP_ID
"""The shim reads the same key as a label first, then as an annotation."""
LABEL_APPLICATION_ID = "applicationId"
"""The shim's legacy application label."""

ANNOTATION_QUEUE = "yunikorn.apache.org/queue"
LABEL_QUEUE_PREFIXED = ANNOTATION_QUEUE
"""Read as a label before the annotation, as the shim does."""
LABEL_QUEUE = "queue"
"""The shim's legacy queue label, the one the Spark operator sets."""

ANNOTATION_USER_INFO = "yunikorn.apache.org/user.info"
ANNOTATION_ALLOW_PREEMPTION = "yunikorn.apache.org/allow-preemption"
ANNOTATION_TASK_GROUP_NAME = "yunikorn.apache.org/task-group-name"
ANNOTATION_TASK_GROUPS = "yunikorn.apache.org/task-groups"
ANNOTATION_SCHEDULING_POLICY_PARAMETERS = "yunikorn.apache.org/schedulingPolicyParameters"
ANNOTATION_PLACEHOLDER = "yunikorn.apache.org/placeholder"
LABEL_PLACEHOLDER = "placeholder"
