"""What several controllers share (metrics, the unavailable-offering cache, the scheduler's persisted
state); every controller may import it, and it imports no controller."""

from sparkfleet.controllers.support.fleet import FleetSource
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.controllers.support.schedulerstate import NAMESPACE, read_state

__all__ = ["NAMESPACE", "FleetSource", "OfferingCache", "SparkApplicationMetrics", "read_state"]
