"""The embedded cluster: the `Cluster` port on a local SQLite file."""

from sparkfleet.cluster.embedded.disk import os_storage_error
from sparkfleet.cluster.embedded.housekeeping import Housekeeping
from sparkfleet.cluster.embedded.schema import Durability
from sparkfleet.cluster.embedded.store import EmbeddedCluster

__all__ = ["Durability", "EmbeddedCluster", "Housekeeping", "os_storage_error"]
