"""The embedded cluster: the `Cluster` port on a local SQLite file."""

from sparkfleet.cluster.embedded.store import EmbeddedCluster

__all__ = ["EmbeddedCluster"]
