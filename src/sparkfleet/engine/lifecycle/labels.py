"""Names the operator and Spark put on the objects of an application, and the ones sparkfleet adds."""

from __future__ import annotations

LABEL_APP_NAME = "sparkoperator.k8s.io/app-name"
LABEL_SUBMISSION_ID = "sparkoperator.k8s.io/submission-id"
LABEL_LAUNCHED_BY_OPERATOR = "sparkoperator.k8s.io/launched-by-spark-operator"
LABEL_SCHEDULED_APP_NAME = "sparkoperator.k8s.io/scheduled-app-name"
LABEL_SPARK_ROLE = "spark-role"
LABEL_SPARK_APP_SELECTOR = "spark-app-selector"
LABEL_SPARK_EXECUTOR_ID = "spark-exec-id"
LABEL_SPARK_VERSION = "spark-version"

ROLE_DRIVER = "driver"
ROLE_EXECUTOR = "executor"

DRIVER_CONTAINER = "spark-kubernetes-driver"
EXECUTOR_CONTAINERS = ("spark-kubernetes-executor", "executor")
"""Spark 3+ names the executor container spark-kubernetes-executor; older images used executor."""

ANNOTATION_SPEC_FINGERPRINT = "sparkfleet.io/spec-fingerprint"
"""Fingerprint of the spec last submitted, so a later spec change is seen after a restart too."""

YUNIKORN_QUEUE_LABEL = "queue"
YUNIKORN_QUEUE_ANNOTATION = "yunikorn.apache.org/queue"
YUNIKORN_TASK_GROUP_NAME = "yunikorn.apache.org/task-group-name"
YUNIKORN_TASK_GROUPS = "yunikorn.apache.org/task-groups"
YUNIKORN_APP_ID_LABEL = "applicationId"
