"""YuniKorn's pod labels and annotations (the shim's keys) and its scheduler name."""

from __future__ import annotations

SCHEDULER_NAME = "yunikorn"

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
