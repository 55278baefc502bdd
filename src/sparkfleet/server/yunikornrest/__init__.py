"""YuniKorn's REST API (`/ws/v1/...`), the parts tools read, with the JSON shapes of yunikorn-core's DAOs.

`yunikorn_routes(cluster)` gives the Starlette routes; `gather` reads the scheduler's world once, which
the web console shares.
"""

from sparkfleet.server.yunikornrest.endpoints import BASE, DEFAULT_CLUSTER_ID, yunikorn_routes
from sparkfleet.server.yunikornrest.source import PodView, SchedulerView, gather, pod_view

__all__ = ["BASE", "DEFAULT_CLUSTER_ID", "PodView", "SchedulerView", "gather", "pod_view", "yunikorn_routes"]
