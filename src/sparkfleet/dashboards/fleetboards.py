"""The fleet's dashboards of deploy/grafana/: nodes (Karpenter's NodeClaims, NodePools and scheduling) and
cost (sparkfleet's cost metrics by application, queue and NodePool). boards.py gathers them with the rest."""

from __future__ import annotations

from sparkfleet.dashboards.builder import (
    NODEPOOL,
    QUEUE,
    Board,
    Tile,
    by,
    mean,
    over,
    q,
    quantile,
)

__all__ = ["COST", "NODES"]


NODES = Board(
    uid="sparkfleet-nodes",
    title="sparkfleet / Nodes",
    description="Karpenter's NodeClaims, NodePools, pods and scheduling simulations.",
    variables=(("nodepool", "label_values(karpenter_nodepools_limit, nodepool)"),),
    rows=(
        (
            "NodeClaims",
            (
                Tile(
                    "Created by reason",
                    (
                        q(
                            by(
                                "nodepool, reason",
                                over("increase", "karpenter_nodeclaims_created_total", NODEPOOL),
                            ),
                            "{{nodepool}} {{reason}}",
                        ),
                    ),
                    width=8,
                ),
                Tile(
                    "Disrupted by reason",
                    (
                        q(
                            by(
                                "nodepool, reason",
                                over("increase", "karpenter_nodeclaims_disrupted_total", NODEPOOL),
                            ),
                            "{{nodepool}} {{reason}}",
                        ),
                    ),
                    width=8,
                ),
                Tile(
                    "Terminated by capacity type",
                    (
                        q(
                            by(
                                "nodepool, capacity_type",
                                over("increase", "karpenter_nodeclaims_terminated_total", NODEPOOL),
                            ),
                            "{{nodepool}} {{capacity_type}}",
                        ),
                    ),
                    width=8,
                ),
            ),
        ),
        (
            "NodePools",
            (
                Tile(
                    "CPU usage and limit (cores)",
                    (
                        q(
                            f'karpenter_nodepools_usage{{{NODEPOOL}, resource_type="cpu"}}',
                            "{{nodepool}} usage",
                        ),
                        q(
                            f'karpenter_nodepools_limit{{{NODEPOOL}, resource_type="cpu"}}',
                            "{{nodepool}} limit",
                        ),
                    ),
                ),
                Tile(
                    "Allowed disruptions",
                    (q(f"karpenter_nodepools_allowed_disruptions{{{NODEPOOL}}}", "{{nodepool}} {{reason}}"),),
                ),
                Tile(
                    "Cluster utilization",
                    (q("karpenter_cluster_utilization_percent", "{{resource_type}}"),),
                    unit="percent",
                ),
                Tile(
                    "Pods by instance type and capacity type",
                    (
                        q(
                            by(
                                "instance_type, capacity_type",
                                f'karpenter_pods_state{{{NODEPOOL}, phase="Running"}}',
                            ),
                            "{{instance_type}} {{capacity_type}}",
                        ),
                    ),
                ),
            ),
        ),
        (
            "Pods and scheduling",
            (
                Tile("Pods by phase", (q("sum by (phase) (karpenter_pods_state)", "{{phase}}"),), width=8),
                Tile(
                    "Pod startup and bind time",
                    (
                        q(mean("karpenter_pods_startup_duration_seconds"), "startup (mean)"),
                        q(quantile(0.9, "karpenter_pods_bound_duration_seconds"), "bound (p90)"),
                    ),
                    unit="s",
                    width=8,
                ),
                Tile(
                    "Scheduling simulations (p99) and queue",
                    (
                        q(
                            quantile(0.99, "karpenter_scheduler_scheduling_duration_seconds", "controller"),
                            "{{controller}} p99",
                        ),
                        q(
                            "sum by (controller) (karpenter_scheduler_queue_depth)",
                            "{{controller}} queue depth",
                        ),
                        q("karpenter_scheduler_unschedulable_pods_count", "{{controller}} unschedulable"),
                    ),
                    width=8,
                ),
            ),
        ),
    ),
)

COST = Board(
    uid="sparkfleet-cost",
    title="sparkfleet / Cost",
    description="What applications and queues cost, spot and on-demand apart, and the waste: placeholder "
    "time and idle nodes.",
    variables=(("queue", "label_values(sparkfleet_queue_cost_dollars, queue)"),),
    rows=(
        (
            "Totals",
            (
                Tile(
                    "Total spend",
                    (q("sum(sparkfleet_application_cost_dollars)"),),
                    unit="currencyUSD",
                    single=True,
                    width=8,
                ),
                Tile(
                    "Waste",
                    (q("sum(sparkfleet_waste_cost_dollars)"),),
                    unit="currencyUSD",
                    single=True,
                    width=8,
                ),
                Tile(
                    "Spot share",
                    (
                        q(
                            'sum(sparkfleet_application_cost_dollars{capacity_type="spot"})'
                            " / sum(sparkfleet_application_cost_dollars)"
                        ),
                    ),
                    unit="percentunit",
                    single=True,
                    width=8,
                ),
            ),
        ),
        (
            "Over time",
            (
                Tile(
                    "Spend rate by capacity type ($/h)",
                    (
                        q(
                            "sum by (capacity_type) (rate(sparkfleet_application_cost_dollars[1h])) * 3600",
                            "{{capacity_type}}",
                        ),
                    ),
                    unit="currencyUSD",
                ),
                Tile(
                    "Waste rate by kind ($/h)",
                    (q("sum by (kind) (rate(sparkfleet_waste_cost_dollars[1h])) * 3600", "{{kind}}"),),
                    unit="currencyUSD",
                ),
                Tile(
                    "Cost by queue",
                    (
                        q(
                            f"sum by (queue, capacity_type) (sparkfleet_queue_cost_dollars{{{QUEUE}}})",
                            "{{queue}} {{capacity_type}}",
                        ),
                    ),
                    unit="currencyUSD",
                ),
                Tile(
                    "Most expensive applications",
                    (
                        q(
                            "topk(10, "
                            + by(
                                "namespace, application, queue",
                                f"sparkfleet_application_cost_dollars{{{QUEUE}}}",
                            )
                            + ")",
                            "{{namespace}}/{{application}}",
                        ),
                    ),
                    unit="currencyUSD",
                ),
            ),
        ),
    ),
)
