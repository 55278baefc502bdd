"""The cluster port: Kubernetes API semantics over plain dicts (adapters live in subpackages)."""

from sparkfleet.cluster.closing import Closing
from sparkfleet.cluster.defaults import initial_status, stored_form
from sparkfleet.cluster.errors import (
    AlreadyExists,
    BadRequest,
    ClusterError,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    StorageError,
    UnknownKind,
)
from sparkfleet.cluster.events import EventType, event_order, events_for, record_event
from sparkfleet.cluster.kinds import KindInfo, lookup
from sparkfleet.cluster.mergepatch import merge_patch
from sparkfleet.cluster.port import (
    Cluster,
    FieldSelectorArg,
    LabelSelectorArg,
    Obj,
    ObjectList,
    Page,
    PagedLists,
    PropagationPolicy,
    StorageHealth,
    Watch,
    WatchEvent,
    WatchEventType,
)
from sparkfleet.cluster.printcolumns import Cell, Column, age, cells, columns_for
from sparkfleet.cluster.selectors import (
    FieldSelector,
    LabelSelector,
    as_field_selector,
    as_label_selector,
    parse_field_selector,
    parse_label_selector,
)

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "Cell",
    "Closing",
    "Cluster",
    "ClusterError",
    "Column",
    "Conflict",
    "EventType",
    "FieldSelector",
    "FieldSelectorArg",
    "Gone",
    "Invalid",
    "KindInfo",
    "LabelSelector",
    "LabelSelectorArg",
    "NotFound",
    "Obj",
    "ObjectList",
    "Page",
    "PagedLists",
    "PropagationPolicy",
    "StorageError",
    "StorageHealth",
    "UnknownKind",
    "Watch",
    "WatchEvent",
    "WatchEventType",
    "age",
    "as_field_selector",
    "as_label_selector",
    "cells",
    "columns_for",
    "event_order",
    "events_for",
    "initial_status",
    "lookup",
    "merge_patch",
    "parse_field_selector",
    "parse_label_selector",
    "record_event",
    "stored_form",
]
