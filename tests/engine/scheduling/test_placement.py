"""Placement rules in order, with create, parent, filter, the root.default fallback and the rejection."""

from __future__ import annotations

import numpy as np

from sparkfleet.engine.scheduling.placement import NO_RULE_MATCHED, PlacementRequest, Placer
from sparkfleet.engine.scheduling.queues import QueueTree
from sparkfleet.engine.scheduling.resources import ResourceIndex

from .builders import partition


def placer(rules: str, queues: str = "") -> Placer:
    text = f"""
partitions:
  - name: default
    placementrules:
{rules}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: prod
          - name: teams
            parent: true
{queues}
"""
    part = partition(text)
    t = QueueTree(part)
    t.bind(ResourceIndex(()), np.zeros(4, dtype=np.int64))
    return Placer(t, part.placementrules)


def place(p: Placer, queue: str | None = None, user: str = "nobody", ns: str = "default", groups=()) -> str:  # type: ignore[no-untyped-def]
    result = p.place(PlacementRequest("app", queue, user, tuple(groups), {"namespace": ns}))
    return result.queue or result.message


NO_RULES = "      []"


def test_without_rules_the_provided_queue_is_used_qualified_or_not() -> None:
    p = placer(NO_RULES)
    assert place(p, "root.prod") == "root.prod"
    assert place(p, "prod") == "root.prod"
    assert place(p, "PROD") == "root.prod"


def test_no_match_without_root_default_is_rejected_with_the_anchor_message() -> None:
    p = placer(NO_RULES)
    assert place(p, "root.missing") == NO_RULE_MATCHED + " (asked for queue root.missing)"
    assert place(p) == NO_RULE_MATCHED


def test_no_match_falls_back_to_root_default_when_it_exists() -> None:
    p = placer(NO_RULES, "          - name: default")
    assert place(p, "root.missing") == "root.default"


def test_tag_namespace_creates_a_queue_per_namespace_under_a_parent_rule() -> None:
    rules = """      - name: tag
        value: namespace
        create: true
        parent:
          name: fixed
          value: root.teams"""
    p = placer(rules)
    assert place(p, ns="spark-team-a") == "root.teams.spark-team-a"
    created = p.tree.get("root.teams.spark-team-a")
    assert created is not None and created.dynamic and created.leaf


def test_user_rule_replaces_dots_in_the_user_name() -> None:
    p = placer("      - {name: user, create: true}")
    assert place(p, user="first.last") == "root.first_dot_last"


def test_rules_are_tried_in_order_and_create_false_skips_missing_queues() -> None:
    rules = """      - name: provided
      - name: fixed
        value: prod"""
    p = placer(rules)
    assert place(p, "root.nope") == "root.prod"
    assert place(p, "root.teams") == "root.prod"  # a parent queue cannot take applications


def test_filters_allow_or_deny_users_and_groups() -> None:
    rules = """      - name: user
        create: true
        filter: {type: deny, users: [root, admin]}
      - name: fixed
        value: prod
        filter: {type: allow, groups: ["^eng.*"]}"""
    p = placer(rules)
    assert place(p, user="alice") == "root.alice"
    assert place(p, user="admin", groups=["engineering"]) == "root.prod"
    assert place(p, user="admin", groups=["sales"]) == NO_RULE_MATCHED


def test_a_denied_submit_acl_moves_to_the_next_rule_and_is_named_when_nothing_matches() -> None:
    text = """
partitions:
  - name: default
    queues:
      - name: root
        queues:
          - name: secret
            submitacl: alice
"""
    part = partition(text)
    t = QueueTree(part)
    t.bind(ResourceIndex(()), np.zeros(4, dtype=np.int64))
    p = Placer(t, part.placementrules)
    assert place(p, "root.secret", user="alice") == "root.secret"
    assert place(p, "root.secret", user="bob") == (
        "application rejected: no placement rule matched (user bob may not submit to root.secret: "
        "add the user or one of its groups to submitacl)"
    )
