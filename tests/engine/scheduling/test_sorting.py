"""How many pods a pick may take before the fair order is looked at again."""

from __future__ import annotations

from sparkfleet.engine.scheduling.sorting import NO_LIMIT, SHARE_STEP, batch_limit


def test_a_pick_stops_just_past_the_runner_up_share() -> None:
    assert batch_limit(0.0, 0.5, 0.1) == 6  # 0.6 > 0.5 after six pods


def test_a_pick_moves_at_least_one_share_step() -> None:
    assert batch_limit(0.3, 0.3, 0.001) == round(SHARE_STEP / 0.001)
    assert batch_limit(0.3, 0.3, 0.5) == 1


def test_pods_that_do_not_move_the_share_are_not_limited() -> None:
    assert batch_limit(0.1, 0.2, 0.0) == NO_LIMIT
