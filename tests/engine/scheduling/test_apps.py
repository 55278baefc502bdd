"""Pods to applications: the shim's keys, in the shim's order."""

from __future__ import annotations

from sparkfleet.engine.scheduling.apps import app_id_of, collect, queue_of, user_of

from .builders import pod


def test_app_id_comes_from_the_first_key_present_in_the_shim_order() -> None:
    everything = {"yunikorn.apache.org/app-id": "a", "applicationId": "c", "spark-app-selector": "d"}
    assert app_id_of(everything, {"yunikorn.apache.org/app-id": "b"}, "ns") == "a"
    assert app_id_of({"applicationId": "c"}, {"yunikorn.apache.org/app-id": "b"}, "ns") == "b"
    assert app_id_of({"applicationId": "c", "spark-app-selector": "d"}, {}, "ns") == "c"
    assert app_id_of({"spark-app-selector": "spark-123"}, {}, "ns") == "spark-123"


def test_pods_without_an_app_id_share_their_namespace_application() -> None:
    assert app_id_of({}, {}, "spark-team-a") == "yunikorn-spark-team-a-autogen"


def test_queue_comes_from_the_label_then_the_annotation_then_the_short_label() -> None:
    assert queue_of({"yunikorn.apache.org/queue": "root.a", "queue": "root.c"}, {}) == "root.a"
    assert queue_of({"queue": "root.c"}, {"yunikorn.apache.org/queue": "root.b"}) == "root.b"
    assert queue_of({"queue": "root.c"}, {}) == "root.c"
    assert queue_of({}, {}) is None


def test_user_info_annotation_gives_user_and_groups_else_nobody() -> None:
    raw = '{"user": "alice", "groups": ["data", "eng"]}'
    assert user_of({"yunikorn.apache.org/user.info": raw}) == ("alice", ("data", "eng"))
    assert user_of({}) == ("nobody", ())
    assert user_of({"yunikorn.apache.org/user.info": "not json"}) == ("nobody", ())


def test_collect_classifies_pods_and_finds_the_originator() -> None:
    driver = pod("driver", "app", created=10, task_groups="[]")
    early = pod("early", "app", created=5)
    ph = pod("ph", "app", placeholder=True, node_name="n1")
    apps = collect(
        [early, driver, ph, pod("done", "app", phase="Succeeded"), pod("run", "app", node_name="n1")]
    )
    app = apps["app"]
    assert app.originator is driver
    assert [p.name for p in app.pending] == ["early", "driver"]
    assert [p.name for p in app.bound] == ["run"]
    assert [p.name for p in app.finished] == ["done"]
    assert app.placeholders == [ph]
