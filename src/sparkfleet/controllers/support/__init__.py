"""What several controllers share (metrics, the unavailable-offering cache, the scheduler's persisted
state); every controller may import it, and it imports no controller."""
