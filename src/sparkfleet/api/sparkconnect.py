"""SparkConnect (`sparkoperator.k8s.io/v1alpha1`): a long-running Spark Connect server and its executors.

The operator runs the server as a driver pod (`<name>-server`) started by the image's
`start-connect-server.sh` against the cluster, with its executors made by Spark from the executor template;
a Service (`<name>-server`, unless `server.service` names its own) exposes its gRPC port 15002 and UI.
The status says whether the server pod is Ready, where it is (pod name, IP, service) and how many
executors are in each phase. The pod templates are schemaless in the upstream CRD: any field is kept.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from sparkfleet.api.base import ManifestError, Model, hinted_issues
from sparkfleet.api.kubeschema import SCHEMALESS, schemaless
from sparkfleet.api.meta import Condition, ObjectMeta
from sparkfleet.api.pod import PodTemplateSpec
from sparkfleet.api.sparkapplication import DynamicAllocation
from sparkfleet.api.sparktypes import Int32, SparkHeap

__all__ = [
    "API_VERSION",
    "ConnectExecutorSpec",
    "ConnectServerSpec",
    "SparkConnect",
    "SparkConnectServerStatus",
    "SparkConnectSpec",
    "SparkConnectState",
    "SparkConnectStatus",
    "load_spark_connect",
]

API_VERSION = "sparkoperator.k8s.io/v1alpha1"


class ConnectPodSpec(Model):
    cores: Int32 | None = Field(default=None, ge=1)
    memory: SparkHeap | None = None
    template: PodTemplateSpec | None = Field(default=None, json_schema_extra=SCHEMALESS)

    @field_validator("template", mode="wrap")
    @classmethod
    def _schemaless(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        with schemaless():
            return handler(value)


class ConnectServerSpec(ConnectPodSpec):
    service: dict[str, Any] | None = Field(default=None, json_schema_extra=SCHEMALESS)
    """A Service to expose the server with instead of `<name>-server` (its name and metadata are used)."""


class ConnectExecutorSpec(ConnectPodSpec):
    instances: Int32 | None = Field(default=None, ge=0)


class SparkConnectSpec(Model):
    sparkVersion: str
    image: str | None = None
    hadoopConf: dict[str, str] = Field(default_factory=dict)
    sparkConf: dict[str, str] = Field(default_factory=dict)
    server: ConnectServerSpec
    executor: ConnectExecutorSpec
    dynamicAllocation: DynamicAllocation | None = None


class SparkConnectState(StrEnum):
    NEW = ""
    PROVISIONING = "Provisioning"
    READY = "Ready"
    NOT_READY = "NotReady"
    FAILED = "Failed"


class SparkConnectServerStatus(Model):
    podName: str | None = None
    podIp: str | None = None
    serviceName: str | None = None


class SparkConnectStatus(Model):
    conditions: list[Condition] = Field(default_factory=list)
    state: SparkConnectState = SparkConnectState.NEW
    server: SparkConnectServerStatus = Field(default_factory=SparkConnectServerStatus)
    executors: dict[str, int] = Field(default_factory=dict)
    """Executor pods by phase, lower-cased (`running`, `pending`, ...)."""
    startTime: str | None = None
    lastUpdateTime: str | None = None


class SparkConnect(Model):
    apiVersion: Literal["sparkoperator.k8s.io/v1alpha1"] = "sparkoperator.k8s.io/v1alpha1"
    kind: Literal["SparkConnect"] = "SparkConnect"
    metadata: ObjectMeta
    spec: SparkConnectSpec
    status: SparkConnectStatus | None = None


def load_spark_connect(data: Any) -> SparkConnect:
    """Parse a manifest (a mapping from YAML or JSON); every problem is raised in one ManifestError."""
    try:
        return SparkConnect.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(hinted_issues(exc, SparkConnect)) from None
