"""YuniKorn's `queues.yaml`: partitions, the queue tree, placement rules, limits, with YuniKorn's own checks.

One module per part: `queues` (the queue tree, properties, ACLs), `partitions` (partitions, placement
rules and the effective root), `validation` (the checks YuniKorn applies when it loads a config, each issue
naming its path) and `loading` (a bare `queues.yaml` or the `yunikorn-configs` ConfigMap that holds it).
"""

from __future__ import annotations

from sparkfleet.api.yunikorn.loading import (
    CONFIGMAP_NAMES,
    QUEUES_KEY,
    dump_queues_yaml,
    parse_configmap,
    parse_queues,
    parse_queues_yaml,
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

__all__ = [
    "APPLICATION_SORT_POLICY",
    "APPLICATION_SORT_PRIORITY",
    "CONFIGMAP_NAMES",
    "DEFAULT_PARTITION",
    "DEFAULT_PREEMPTION_DELAY_SECONDS",
    "PREEMPTION_DELAY",
    "PREEMPTION_POLICY",
    "PRIORITY_OFFSET",
    "PRIORITY_POLICY",
    "PROPERTY_DEFAULTS",
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
    "dump_queues_yaml",
    "iter_queues",
    "parse_acl",
    "parse_configmap",
    "parse_queues",
    "parse_queues_yaml",
    "root_queue",
    "to_configmap",
    "validate_partition",
    "validate_queues",
]
