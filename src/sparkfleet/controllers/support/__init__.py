"""What several controllers share (metrics, the unavailable-offering cache, the scheduler's persisted
state); every controller may import it, and it imports no controller."""

from sparkfleet.controllers.support.fleet import FleetSource
from sparkfleet.controllers.support.insightmetrics import InsightMetrics
from sparkfleet.controllers.support.karpentermetrics import KarpenterMetrics
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.controllers.support.schedulerstate import NAMESPACE, read_state
from sparkfleet.controllers.support.yunikornmetrics import YuniKornMetrics

__all__ = [
    "NAMESPACE",
    "FleetSource",
    "InsightMetrics",
    "KarpenterMetrics",
    "OfferingCache",
    "SparkApplicationMetrics",
    "YuniKornMetrics",
    "read_state",
]
