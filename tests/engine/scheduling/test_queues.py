"""The queue tree: max checked up the tree, inherited properties, child templates, ACLs, user limits."""

from __future__ import annotations

import numpy as np

from sparkfleet.engine.scheduling.queues import FAIR, FIFO, QueueTree
from sparkfleet.engine.scheduling.resources import ResourceIndex, Resources

from .builders import GI, partition

CONFIG = """
partitions:
  - name: default
    queues:
      - name: root
        submitacl: alice
        properties: {application.sort.policy: fair}
        queues:
          - name: analytics
            adminacl: " admins"
            resources: {max: {vcore: 20, memory: 64Gi}}
            limits:
              - limit: per user
                users: [bob]
                maxresources: {vcore: 4}
              - limit: everyone else
                users: ["*"]
                maxapplications: 2
              - limit: data team
                groups: [data]
                maxresources: {memory: 8Gi}
            childtemplate:
              maxapplications: 3
              properties: {application.sort.policy: fifo}
              resources: {max: {vcore: 2}}
            queues:
              - name: adhoc
                resources: {max: {vcore: 8}}
              - name: reports
                properties: {application.sort.policy: fifo}
          - name: Other
            submitacl: " ops"
"""


def tree() -> QueueTree:
    t = QueueTree(partition(CONFIG))
    t.bind(ResourceIndex(("cpu", "memory", "pods")), np.array([100_000, 1000 * GI, 1000], dtype=np.int64))
    return t


def test_paths_are_lower_case_and_leaves_know_their_lineage() -> None:
    t = tree()
    other = t.get("root.Other")
    assert other is not None and other.path == "root.other" and other.leaf
    adhoc = t.get("root.analytics.adhoc")
    assert adhoc is not None
    assert [q.path for q in adhoc.lineage] == ["root.analytics.adhoc", "root.analytics", "root"]


def test_properties_are_inherited_unless_a_child_sets_its_own() -> None:
    t = tree()
    assert t.get("root.analytics.adhoc").sort_policy == FAIR  # type: ignore[union-attr]
    assert t.get("root.analytics.reports").sort_policy == FIFO  # type: ignore[union-attr]


def test_headroom_is_the_tightest_max_up_the_tree() -> None:
    t = tree()
    adhoc, reports = t.get("root.analytics.adhoc"), t.get("root.analytics.reports")
    assert adhoc is not None and reports is not None
    index = t.index
    assert index is not None
    t.allocate(reports, index.vector(Resources({"cpu": 15_000, "memory": 10 * GI})))
    room = t.headroom(adhoc)
    assert room[index.col["cpu"]] == 5_000  # parent 20 - 15 used by the sibling, below adhoc's own 8
    assert room[index.col["memory"]] == 54 * GI


def test_a_dynamic_child_takes_the_nearest_child_template() -> None:
    t = tree()
    created = t.create("root.analytics.team-x", leaf=True)
    assert created is not None and created.dynamic
    assert created.max_apps == 3
    assert created.sort_policy == FIFO
    assert created.max.amounts == {"cpu": 2000}
    assert t.create("root.other.child", leaf=True) is None  # below a leaf


def test_submit_acl_is_checked_up_to_root_and_admin_implies_submit() -> None:
    t = tree()
    assert t.may_submit("root.other", "alice", ())  # root's submitacl
    assert t.may_submit("root.other", "carol", ("ops",))
    assert t.may_submit("root.analytics.adhoc", "dave", ("admins",))  # adminacl of the parent
    assert not t.may_submit("root.analytics.adhoc", "dave", ("guests",))


def test_user_limits_pick_the_named_user_then_the_wildcard_and_group_limits_by_group() -> None:
    t = tree()
    adhoc = t.get("root.analytics.adhoc")
    assert adhoc is not None
    bob = t.trackers_for(adhoc, "bob", ())
    assert [(x.kind, x.name, x.max.amounts, x.max_apps) for x in bob] == [("user", "bob", {"cpu": 4000}, 0)]
    eve = t.trackers_for(adhoc, "eve", ("data",))
    assert [(x.kind, x.name, x.max_apps) for x in eve] == [("user", "eve", 2), ("group", "data", 0)]
    assert t.trackers_for(adhoc, "eve", ("data",))[0] is eve[0]  # one tracker per user and queue


def test_maxapplications_counts_running_applications_up_the_tree() -> None:
    t = tree()
    dynamic = t.create("root.analytics.team-y", leaf=True)
    assert dynamic is not None
    for app in ("a", "b", "c"):
        assert t.apps_blocker(dynamic, app) is None
        t.start_app(dynamic, app)
    assert t.apps_blocker(dynamic, "d") is dynamic
    assert t.apps_blocker(dynamic, "a") is None  # already running
