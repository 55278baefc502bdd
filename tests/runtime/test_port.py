"""The runtime port's values."""

from __future__ import annotations

from sparkfleet.runtime import ContainerResult, ContainerState, PodRef

from .builders import START


def test_a_container_result_says_whether_it_runs() -> None:
    pod = PodRef("spark-team-a", "pyspark-pi-driver", "u1")
    assert str(pod) == "spark-team-a/pyspark-pi-driver"
    assert ContainerResult(pod, ContainerState.RUNNING, START, pid=7).running
    ended = ContainerResult(
        pod, ContainerState.EXITED, START, exit_code=0, reason="Completed", finished_at=START
    )
    assert not ended.running
