"""YuniKorn's `queues.yaml`: partitions, the queue tree, placement rules, limits, with YuniKorn's own checks.

One module per part: `queues` (the queue tree, properties, ACLs), `partitions` (partitions, placement
rules and the effective root), `validation` (the checks YuniKorn applies when it loads a config, each issue
naming its path) and `loading` (a bare `queues.yaml` or the `yunikorn-configs` ConfigMap that holds it).

Each name is imported from its module when first used, so checking a pod's YuniKorn annotations (as
`validate` of a SparkApplication does) loads `annotations` without the queue models.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparkfleet.api.yunikorn.annotations import (
        POLICY_PARAMETERS,
        yunikorn_annotation_issues,
        yunikorn_annotation_warnings,
    )
    from sparkfleet.api.yunikorn.loading import (
        CONFIGMAP_NAMES,
        PLACEHOLDER_IMAGE_KEY,
        QUEUES_GZ_KEY,
        QUEUES_KEY,
        configmap_queues_text,
        dump_queues_yaml,
        parse_configmap,
        parse_queues,
        parse_queues_yaml,
        queues_text,
        service_setting,
        to_configmap,
    )
    from sparkfleet.api.yunikorn.partitions import (
        DEFAULT_PARTITION,
        NodeSortPolicy,
        NodeSortPolicyType,
        Partition,
        PartitionPreemption,
        PlacementFilter,
        PlacementRule,
        PlacementRuleName,
        SchedulerConfig,
        UserGroupResolver,
        iter_queues,
        root_queue,
    )
    from sparkfleet.api.yunikorn.queues import (
        APPLICATION_SORT_POLICY,
        APPLICATION_SORT_PRIORITY,
        DEFAULT_PREEMPTION_DELAY_SECONDS,
        PREEMPTION_DELAY,
        PREEMPTION_POLICY,
        PRIORITY_OFFSET,
        PRIORITY_POLICY,
        PROPERTY_DEFAULTS,
        ROOT,
        Acl,
        ChildTemplate,
        Limit,
        Properties,
        QueueConfig,
        QueueResources,
        ResourceMap,
        parse_acl,
    )
    from sparkfleet.api.yunikorn.validation import validate_partition, validate_queues

_MODULE_OF = {
    "APPLICATION_SORT_POLICY": "queues",
    "APPLICATION_SORT_PRIORITY": "queues",
    "Acl": "queues",
    "CONFIGMAP_NAMES": "loading",
    "PLACEHOLDER_IMAGE_KEY": "loading",
    "ChildTemplate": "queues",
    "DEFAULT_PARTITION": "partitions",
    "DEFAULT_PREEMPTION_DELAY_SECONDS": "queues",
    "Limit": "queues",
    "NodeSortPolicy": "partitions",
    "NodeSortPolicyType": "partitions",
    "POLICY_PARAMETERS": "annotations",
    "PREEMPTION_DELAY": "queues",
    "PREEMPTION_POLICY": "queues",
    "PRIORITY_OFFSET": "queues",
    "PRIORITY_POLICY": "queues",
    "PROPERTY_DEFAULTS": "queues",
    "Partition": "partitions",
    "PartitionPreemption": "partitions",
    "PlacementFilter": "partitions",
    "PlacementRule": "partitions",
    "PlacementRuleName": "partitions",
    "Properties": "queues",
    "QUEUES_GZ_KEY": "loading",
    "QUEUES_KEY": "loading",
    "QueueConfig": "queues",
    "QueueResources": "queues",
    "ROOT": "queues",
    "ResourceMap": "queues",
    "SchedulerConfig": "partitions",
    "UserGroupResolver": "partitions",
    "configmap_queues_text": "loading",
    "dump_queues_yaml": "loading",
    "iter_queues": "partitions",
    "parse_acl": "queues",
    "parse_configmap": "loading",
    "parse_queues": "loading",
    "parse_queues_yaml": "loading",
    "queues_text": "loading",
    "service_setting": "loading",
    "root_queue": "partitions",
    "to_configmap": "loading",
    "validate_partition": "validation",
    "validate_queues": "validation",
    "yunikorn_annotation_issues": "annotations",
    "yunikorn_annotation_warnings": "annotations",
}
"""Each exported name and the module of this package that defines it."""


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "APPLICATION_SORT_POLICY",
    "APPLICATION_SORT_PRIORITY",
    "CONFIGMAP_NAMES",
    "DEFAULT_PARTITION",
    "DEFAULT_PREEMPTION_DELAY_SECONDS",
    "PLACEHOLDER_IMAGE_KEY",
    "POLICY_PARAMETERS",
    "PREEMPTION_DELAY",
    "PREEMPTION_POLICY",
    "PRIORITY_OFFSET",
    "PRIORITY_POLICY",
    "PROPERTY_DEFAULTS",
    "QUEUES_GZ_KEY",
    "QUEUES_KEY",
    "ROOT",
    "Acl",
    "ChildTemplate",
    "Limit",
    "NodeSortPolicy",
    "NodeSortPolicyType",
    "Partition",
    "PartitionPreemption",
    "PlacementFilter",
    "PlacementRule",
    "PlacementRuleName",
    "Properties",
    "QueueConfig",
    "QueueResources",
    "ResourceMap",
    "SchedulerConfig",
    "UserGroupResolver",
    "configmap_queues_text",
    "dump_queues_yaml",
    "iter_queues",
    "parse_acl",
    "parse_configmap",
    "parse_queues",
    "parse_queues_yaml",
    "queues_text",
    "root_queue",
    "service_setting",
    "to_configmap",
    "validate_partition",
    "validate_queues",
    "yunikorn_annotation_issues",
    "yunikorn_annotation_warnings",
]
