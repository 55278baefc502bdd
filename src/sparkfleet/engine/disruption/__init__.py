"""Node disruption: spot interruptions, expiration, emptiness and consolidation, within budgets, never
evicting a running Spark driver or executor to consolidate. Pure: the clock and ids come in as inputs."""
