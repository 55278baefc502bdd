"""sparkfleet: one control plane for Apache Spark batch jobs on a fleet that grows and shrinks."""

__version__ = "0.1.0"
