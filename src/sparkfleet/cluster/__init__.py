"""The cluster port: Kubernetes API semantics over plain dicts (adapters live in subpackages)."""

from sparkfleet.cluster.errors import (
    AlreadyExists,
    BadRequest,
    ClusterError,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    UnknownKind,
)
from sparkfleet.cluster.events import EventType, events_for, record_event
from sparkfleet.cluster.kinds import KindInfo, lookup
from sparkfleet.cluster.port import (
    Cluster,
    Obj,
    ObjectList,
    PropagationPolicy,
    Watch,
    WatchEvent,
    WatchEventType,
)
from sparkfleet.cluster.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "Cluster",
    "ClusterError",
    "Conflict",
    "EventType",
    "FieldSelector",
    "Gone",
    "Invalid",
    "KindInfo",
    "LabelSelector",
    "NotFound",
    "Obj",
    "ObjectList",
    "PropagationPolicy",
    "UnknownKind",
    "Watch",
    "WatchEvent",
    "WatchEventType",
    "events_for",
    "lookup",
    "parse_field_selector",
    "parse_label_selector",
    "record_event",
]
