"""Cost per application, queue and NodePool as a pure engine: nodes' prices shared out by their pods'
dominant resource share, over snapshots stepped on an injected clock (`accrue(ledger, snapshot, now)`).

Spot and on-demand are split by the node's capacity type; placeholder time is the application's but
shown apart as waste; a node's room no pod holds is idle waste of its NodePool.
"""

from sparkfleet.engine.cost.accrual import HOURLY_RETENTION, accrue, dominant_share, forget_apps, rates
from sparkfleet.engine.cost.ledgerformat import (
    LEDGER_KEY,
    account_of,
    cost_annotation,
    decode_ledger,
    encode_ledger,
)
from sparkfleet.engine.cost.model import (
    CURRENCY,
    AppAccount,
    AppKey,
    CostKind,
    CostNode,
    CostPod,
    CostSnapshot,
    FleetKey,
    Ledger,
    RateKey,
)
from sparkfleet.engine.cost.objects import cost_node, snapshot_from_objects
from sparkfleet.engine.cost.report import (
    AppCostView,
    CostGrouping,
    CostRow,
    app_rows,
    fleet_lines,
    nodepool_rows,
    queue_rows,
)

__all__ = [
    "CURRENCY",
    "HOURLY_RETENTION",
    "LEDGER_KEY",
    "AppAccount",
    "AppCostView",
    "AppKey",
    "CostGrouping",
    "CostKind",
    "CostNode",
    "CostPod",
    "CostRow",
    "CostSnapshot",
    "FleetKey",
    "Ledger",
    "RateKey",
    "account_of",
    "accrue",
    "app_rows",
    "cost_annotation",
    "cost_node",
    "decode_ledger",
    "dominant_share",
    "encode_ledger",
    "fleet_lines",
    "forget_apps",
    "nodepool_rows",
    "queue_rows",
    "rates",
    "snapshot_from_objects",
]
