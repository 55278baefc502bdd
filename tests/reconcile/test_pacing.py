"""A fleet-wide pass runs at most once per interval of the monotonic clock, however often it is asked,
and says how long until the next one may."""

from __future__ import annotations

from sparkfleet.clock import VirtualClock
from sparkfleet.reconcile import Pacing


def test_the_first_pass_runs_at_once_and_the_next_waits_out_the_interval(clock: VirtualClock) -> None:
    pacing = Pacing(clock)
    with pacing.turn(10.0) as wait:
        assert wait is None
    clock.advance(4)
    with pacing.turn(10.0) as wait:
        assert wait == 6.0
    clock.advance(6)
    with pacing.turn(10.0) as wait:
        assert wait is None


def test_an_asked_but_refused_pass_does_not_move_the_next_one(clock: VirtualClock) -> None:
    pacing = Pacing(clock)
    with pacing.turn(10.0):
        pass
    for _ in range(3):
        clock.advance(3)
        with pacing.turn(10.0) as wait:
            assert wait is not None
    clock.advance(1)
    with pacing.turn(10.0) as wait:
        assert wait is None  # 12 s after the pass that ran, not after the refusals
