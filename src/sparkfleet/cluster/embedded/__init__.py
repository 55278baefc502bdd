"""The embedded cluster: the `Cluster` port on a local SQLite file."""

from sparkfleet.cluster.embedded.disk import os_storage_error
from sparkfleet.cluster.embedded.schema import Durability
from sparkfleet.cluster.embedded.store import EmbeddedCluster

__all__ = ["Durability", "EmbeddedCluster", "os_storage_error"]
