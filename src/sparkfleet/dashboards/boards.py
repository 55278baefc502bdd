"""The five dashboards of deploy/grafana/: platform overview, queues, applications, nodes and cost.

Every query names the anchors' metrics (spark_application_*, spark_executor_*, yunikorn_*, karpenter_*)
and sparkfleet's own cost and phase metrics, so dashboards and alerts written for the Spark Operator,
YuniKorn and Karpenter read the same series. Regenerate the committed JSON with
`python -m sparkfleet.dashboards deploy/grafana` (the `dashboards` extra installs the SDK); a test
checks that the committed files are what this module makes, and that every metric a query names is on
/metrics.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sparkfleet.dashboards.builder import (
    NAMESPACE,
    QUEUE,
    RATE,
    Board,
    Tile,
    by,
    mean,
    over,
    q,
    quantile,
    render,
)
from sparkfleet.dashboards.fleetboards import COST, NODES

__all__ = ["DASHBOARDS", "main", "write"]


OVERVIEW = Board(
    uid="sparkfleet-overview",
    title="sparkfleet / Platform overview",
    description="Applications, queues and nodes at a glance: the Spark Operator, YuniKorn and Karpenter "
    "figures side by side.",
    rows=(
        (
            "Now",
            (
                Tile(
                    "Running applications", (q("sum(spark_application_running_count)"),), single=True, width=4
                ),
                Tile("Running executors", (q("sum(spark_executor_running_count)"),), single=True, width=4),
                Tile(
                    "Active nodes", (q('sum(yunikorn_scheduler_node{state="active"})'),), single=True, width=4
                ),
                Tile(
                    "Pending pods", (q('sum(karpenter_pods_state{phase="Pending"})'),), single=True, width=4
                ),
                Tile(
                    "CPU requested",
                    (q('karpenter_cluster_utilization_percent{resource_type="cpu"}'),),
                    unit="percent",
                    single=True,
                    width=4,
                ),
                Tile(
                    "Spend, last hour",
                    (q("sum(increase(sparkfleet_application_cost_dollars[1h]))"),),
                    unit="currencyUSD",
                    single=True,
                    width=4,
                ),
            ),
        ),
        (
            "Flow",
            (
                Tile(
                    "Applications submitted, succeeded, failed",
                    (
                        q(f"sum(increase(spark_application_submit_count[{RATE}]))", "submitted"),
                        q(f"sum(increase(spark_application_success_count[{RATE}]))", "succeeded"),
                        q(f"sum(increase(spark_application_failure_count[{RATE}]))", "failed"),
                    ),
                ),
                Tile(
                    "Start latency (p50, p90)",
                    (
                        q(quantile(0.5, "spark_application_start_latency_seconds_histogram"), "p50"),
                        q(quantile(0.9, "spark_application_start_latency_seconds_histogram"), "p90"),
                    ),
                    unit="s",
                ),
                Tile(
                    "Nodes launched and terminated",
                    (
                        q(f"sum(increase(karpenter_nodeclaims_created_total[{RATE}]))", "created"),
                        q(f"sum(increase(karpenter_nodeclaims_terminated_total[{RATE}]))", "terminated"),
                    ),
                ),
                Tile(
                    "Cluster utilization by resource",
                    (q("karpenter_cluster_utilization_percent", "{{resource_type}}"),),
                    unit="percent",
                ),
            ),
        ),
    ),
)

QUEUES = Board(
    uid="sparkfleet-queues",
    title="sparkfleet / Queues",
    description="YuniKorn's queues: applications by state, resources guaranteed, max, allocated and pending.",
    variables=(("queue", "label_values(yunikorn_queue_app, queue)"),),
    rows=(
        (
            "Applications",
            (
                Tile(
                    "Applications by state",
                    (q(f"sum by (queue, state) (yunikorn_queue_app{{{QUEUE}}})", "{{queue}} {{state}}"),),
                ),
                Tile(
                    "Submissions",
                    (
                        q(
                            by("result", over("increase", "yunikorn_scheduler_application_submission_total")),
                            "{{result}}",
                        ),
                    ),
                ),
            ),
        ),
        (
            "Resources",
            tuple(
                Tile(
                    f"{resource} by queue",
                    (
                        q(
                            by(
                                "queue, state",
                                f'yunikorn_queue_resource{{{QUEUE}, resource="{resource}", '
                                'state=~"guaranteed|max|allocated|pending"}',
                            ),
                            "{{queue}} {{state}}",
                        ),
                    ),
                    unit=unit,
                )
                for resource, unit in (("vcore", "short"), ("memory", "bytes"))
            ),
        ),
        (
            "Scheduling",
            (
                Tile(
                    "Allocation attempts by outcome",
                    (
                        q(
                            by(
                                "state",
                                over("rate", "yunikorn_scheduler_container_allocation_attempt_total"),
                            ),
                            "{{state}}",
                        ),
                    ),
                    unit="ops",
                ),
                Tile(
                    "Scheduling latency (p99)",
                    (q(quantile(0.99, "yunikorn_scheduler_scheduling_latency_milliseconds"), "p99"),),
                    unit="s",
                    description="YuniKorn's *_milliseconds histograms hold seconds, as its core observes.",
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
            ),
        ),
    ),
)

APPLICATIONS = Board(
    uid="sparkfleet-applications",
    title="sparkfleet / Applications",
    description="The Spark Operator's application and executor figures, and where applications spend "
    "their time before they run.",
    variables=(("namespace", "label_values(sparkfleet_application_cost_dollars, namespace)"),),
    rows=(
        (
            "Applications",
            (
                Tile(
                    "Running applications", (q("sum(spark_application_running_count)"),), single=True, width=6
                ),
                Tile("Submitted (total)", (q("sum(spark_application_submit_count)"),), single=True, width=6),
                Tile("Succeeded (total)", (q("sum(spark_application_success_count)"),), single=True, width=6),
                Tile("Failed (total)", (q("sum(spark_application_failure_count)"),), single=True, width=6),
                Tile(
                    "Failed submissions",
                    (
                        q(
                            f"sum(increase(spark_application_failed_submission_count[{RATE}]))",
                            "failed submissions",
                        ),
                    ),
                ),
                Tile(
                    "Mean execution time",
                    (
                        q(mean("spark_application_success_execution_time_seconds"), "succeeded"),
                        q(mean("spark_application_failure_execution_time_seconds"), "failed"),
                    ),
                    unit="s",
                ),
            ),
        ),
        (
            "Waiting",
            (
                Tile(
                    "Submit and start latency (p90)",
                    (
                        q(quantile(0.9, "spark_application_submit_latency_seconds_histogram"), "submit"),
                        q(quantile(0.9, "spark_application_start_latency_seconds_histogram"), "start"),
                    ),
                    unit="s",
                ),
                Tile(
                    "Time in each phase (p90)",
                    (q(quantile(0.9, "sparkfleet_application_phase_seconds", "phase"), "{{phase}}"),),
                    unit="s",
                ),
            ),
        ),
        (
            "Executors",
            (
                Tile("Running executors", (q("sum(spark_executor_running_count)"),)),
                Tile(
                    "Executors finished",
                    (
                        q(f"sum(increase(spark_executor_success_count[{RATE}]))", "succeeded"),
                        q(f"sum(increase(spark_executor_failure_count[{RATE}]))", "failed"),
                    ),
                ),
                Tile(
                    "Most expensive applications",
                    (
                        q(
                            "topk(10, "
                            + by(
                                "namespace, application",
                                f"sparkfleet_application_cost_dollars{{{NAMESPACE}}}",
                            )
                            + ")",
                            "{{namespace}}/{{application}}",
                        ),
                    ),
                    unit="currencyUSD",
                    width=24,
                ),
            ),
        ),
    ),
)


DASHBOARDS: dict[str, Board] = {
    "platform-overview.json": OVERVIEW,
    "queues.json": QUEUES,
    "applications.json": APPLICATIONS,
    "nodes.json": NODES,
    "cost.json": COST,
}
"""File name in deploy/grafana/ -> dashboard."""


def write(directory: Path) -> list[Path]:
    """Write every dashboard's JSON into `directory`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, board in DASHBOARDS.items():
        path = directory / name
        path.write_text(render(board))
        paths.append(path)
    return paths


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sparkfleet.dashboards DIRECTORY", file=sys.stderr)
        return 2
    for path in write(Path(argv[0])):
        print(path)
    return 0
