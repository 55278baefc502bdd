"""The embedded store: what create, get, list, update, update_status, patch and bind do to objects."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import AlreadyExists, Conflict, Invalid, NotFound, UnknownKind
from support.objects import configmap, node, pod, spark_app

# --- create -------------------------------------------------------------------------------------


def test_create_assigns_uid_timestamp_resource_version_and_generation(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("driver"))
    metadata = created["metadata"]
    assert uuid.UUID(metadata["uid"]).version == 4
    assert metadata["creationTimestamp"] == "2026-01-02T03:04:05Z"
    assert metadata["resourceVersion"] == "1"
    assert metadata["generation"] == 1
    assert metadata["namespace"] == "default"
    assert cluster.get("Pod", "default", "driver") == created


def test_creation_timestamp_comes_from_the_injected_clock(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    clock.advance(3600 * 24 + 1.7)
    assert cluster.create(pod("later"))["metadata"]["creationTimestamp"] == "2026-01-03T03:04:06Z"


def test_resource_versions_are_one_global_increasing_counter(cluster: EmbeddedCluster) -> None:
    versions = [
        cluster.create(pod("a"))["metadata"]["resourceVersion"],
        cluster.create(node("n1"))["metadata"]["resourceVersion"],
        cluster.create(configmap("c"))["metadata"]["resourceVersion"],
    ]
    assert versions == ["1", "2", "3"]
    assert cluster.resource_version == "3"


def test_every_object_gets_its_own_uid(cluster: EmbeddedCluster) -> None:
    uids = {cluster.create(pod(f"p{i}"))["metadata"]["uid"] for i in range(5)}
    assert len(uids) == 5


def test_a_namespaced_kind_without_a_namespace_goes_to_default(cluster: EmbeddedCluster) -> None:
    app = spark_app("pi")
    del app["metadata"]["namespace"]
    assert cluster.create(app)["metadata"]["namespace"] == "default"


def test_cluster_scoped_kinds_have_no_namespace(cluster: EmbeddedCluster) -> None:
    obj = node("ip-10-0-0-1.ec2.internal")
    obj["metadata"]["namespace"] = "spark"
    created = cluster.create(obj)
    assert "namespace" not in created["metadata"]
    assert cluster.get("Node", None, "ip-10-0-0-1.ec2.internal") == created
    assert cluster.get("nodes", "ignored", "ip-10-0-0-1.ec2.internal") == created


def test_create_fills_in_a_missing_api_version(cluster: EmbeddedCluster) -> None:
    obj = node("n1")
    del obj["apiVersion"]
    assert cluster.create(obj)["apiVersion"] == "v1"


def test_create_keeps_the_status_it_is_given(cluster: EmbeddedCluster) -> None:
    obj = node("n1")
    obj["status"] = {"capacity": {"cpu": "4"}}
    assert cluster.create(obj)["status"] == {"capacity": {"cpu": "4"}}


def test_generate_name_appends_five_random_lowercase_alphanumerics(cluster: EmbeddedCluster) -> None:
    obj = pod("ignored")
    obj["metadata"] = {"generateName": "spark-pi-exec-", "namespace": "default"}
    first = cluster.create(obj)["metadata"]["name"]
    second = cluster.create(obj)["metadata"]["name"]
    assert re.fullmatch(r"spark-pi-exec-[a-z0-9]{5}", first)
    assert first != second


def test_the_same_name_is_taken_only_within_one_kind_and_namespace(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("x"))
    cluster.create(pod("x", namespace="spark"))
    cluster.create(configmap("x"))
    with pytest.raises(AlreadyExists, match='pods "x" already exists'):
        cluster.create(pod("x"))


def test_create_does_not_alias_the_callers_dict(cluster: EmbeddedCluster) -> None:
    request = pod("driver", labels={"app": "a"})
    created = cluster.create(request)
    request["metadata"]["labels"]["app"] = "changed"
    created["spec"]["containers"].clear()
    stored = cluster.get("Pod", "default", "driver")
    assert stored["metadata"]["labels"] == {"app": "a"}
    assert stored["spec"]["containers"] != []


@pytest.mark.parametrize(
    "bad_name",
    ["Driver", "spark_pi", "-pi", "pi-", "a" * 254, "pi..x", ""],
)
def test_names_must_be_dns_1123_subdomains(cluster: EmbeddedCluster, bad_name: str) -> None:
    with pytest.raises(Invalid) as caught:
        cluster.create(pod(bad_name))
    assert caught.value.code == 422
    assert "metadata.name" in str(caught.value)


def test_service_names_must_be_dns_1035_labels(cluster: EmbeddedCluster) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1-ui-svc"}, "spec": {}}
    with pytest.raises(Invalid, match="DNS-1035"):
        cluster.create(service)
    service["metadata"]["name"] = "pi-ui-svc"
    assert cluster.create(service)["metadata"]["name"] == "pi-ui-svc"


def test_namespace_names_must_be_labels_without_dots(cluster: EmbeddedCluster) -> None:
    with pytest.raises(Invalid, match="RFC 1123 label"):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.a"}})
    with pytest.raises(Invalid, match=r"metadata\.namespace"):
        cluster.create(pod("p", namespace="Team_A"))


def test_resource_version_must_not_be_set_on_create(cluster: EmbeddedCluster) -> None:
    obj = pod("p")
    obj["metadata"]["resourceVersion"] = "7"
    with pytest.raises(Invalid, match="should not be set on objects to be created"):
        cluster.create(obj)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "pod"}, 'must be written "Pod"'),
        ({"apiVersion": "v2"}, 'apiVersion "v2" is not served'),
        ({"metadata": {"namespace": "default"}}, "name or generateName is required"),
        ({"metadata": "x"}, "metadata must be an object"),
        ({"metadata": {"name": "p", "labels": {"app": "not valid"}}}, r"metadata.labels\[app\]"),
        ({"metadata": {"name": "p", "labels": {"bad key": "x"}}}, "label key"),
        ({"metadata": {"name": "p", "annotations": {"a": 1}}}, r"metadata.annotations\[a\]"),
        ({"metadata": {"name": "p", "ownerReferences": [{"kind": "X"}]}}, "needs a uid"),
        ({"spec": {"x": float("nan")}}, "not representable as JSON"),
    ],
)
def test_invalid_objects_are_refused_with_the_reason(
    cluster: EmbeddedCluster, change: dict[str, object], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        cluster.create({**pod("p"), **change})
    assert cluster.list("Pod").items == []


def test_unknown_kinds_are_refused(cluster: EmbeddedCluster) -> None:
    with pytest.raises(UnknownKind, match="Deployment"):
        cluster.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}})
    with pytest.raises(Invalid, match="Kind"):
        cluster.create({"metadata": {"name": "d"}})


def test_create_many_stores_all_in_one_transaction(cluster: EmbeddedCluster) -> None:
    created = cluster.create_many([pod("a"), configmap("a-conf"), node("n1")])
    assert [o["metadata"]["resourceVersion"] for o in created] == ["1", "2", "3"]
    assert cluster.get("ConfigMap", "default", "a-conf") == created[1]


def test_create_many_stores_nothing_when_one_object_fails(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("taken"))
    with pytest.raises(AlreadyExists):
        cluster.create_many([pod("new"), pod("taken")])
    assert [p["metadata"]["name"] for p in cluster.list("Pod").items] == ["taken"]
    assert cluster.create(pod("next"))["metadata"]["resourceVersion"] == "2"


def test_concurrent_writers_get_distinct_resource_versions(cluster: EmbeddedCluster) -> None:
    def work(prefix: str) -> None:
        for i in range(25):
            cluster.create(pod(f"{prefix}-{i}"))

    threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = [p["metadata"]["resourceVersion"] for p in cluster.list("Pod").items]
    assert sorted(versions, key=int) == [str(v) for v in range(1, 101)]


# --- get and list -------------------------------------------------------------------------------


def test_get_of_a_missing_object_is_not_found(cluster: EmbeddedCluster) -> None:
    with pytest.raises(NotFound, match=r'sparkapplications\.sparkoperator\.k8s\.io "pi" not found'):
        cluster.get("sparkapp", "default", "pi")


def test_get_without_a_namespace_reads_default(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    assert cluster.get("po", None, "p") == created


def test_list_spans_all_namespaces_unless_one_is_given(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("b", namespace="spark"))
    cluster.create(pod("a", namespace="spark"))
    cluster.create(pod("c"))
    everything = cluster.list("pods")
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in everything.items] == [
        ("default", "c"),
        ("spark", "a"),
        ("spark", "b"),
    ]
    assert [p["metadata"]["name"] for p in cluster.list("pods", "spark").items] == ["a", "b"]
    assert cluster.list("pods", "nowhere").items == []


def test_list_reports_the_current_resource_version(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("a"))
    cluster.create(node("n"))
    assert cluster.list("Pod").resourceVersion == "2"


# --- update -------------------------------------------------------------------------------------


def test_update_bumps_generation_only_when_spec_changes(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    app["metadata"]["labels"] = {"team": "a"}
    relabelled = cluster.update(app)
    assert relabelled["metadata"]["generation"] == 1
    assert relabelled["metadata"]["resourceVersion"] == "2"
    relabelled["spec"]["mainApplicationFile"] = "local:///opt/other.py"
    respecced = cluster.update(relabelled)
    assert respecced["metadata"]["generation"] == 2
    assert respecced["metadata"]["labels"] == {"team": "a"}


def test_other_top_level_fields_count_as_spec_for_generation(cluster: EmbeddedCluster) -> None:
    cm = cluster.create(configmap("conf", key="1"))
    cm["data"] = {"key": "2"}
    assert cluster.update(cm)["metadata"]["generation"] == 2


def test_update_ignores_status_and_keeps_the_stored_one(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    cluster.update_status({**app, "status": {"applicationState": {"state": "RUNNING"}}})
    stale_copy = cluster.get("SparkApplication", "default", "pi")
    stale_copy["status"] = {"applicationState": {"state": "FAILED"}}
    stale_copy["spec"]["arguments"] = ["10"]
    updated = cluster.update(stale_copy)
    assert updated["status"] == {"applicationState": {"state": "RUNNING"}}
    assert updated["spec"]["arguments"] == ["10"]


def test_update_cannot_add_a_status_to_an_object_without_one(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    assert "status" not in cluster.update({**app, "status": {"x": 1}})


def test_update_with_a_stale_resource_version_is_a_conflict(cluster: EmbeddedCluster) -> None:
    first = cluster.create(spark_app("pi"))
    second = cluster.update({**first, "spec": {**first["spec"], "arguments": ["1"]}})
    with pytest.raises(Conflict) as caught:
        cluster.update({**first, "spec": {**first["spec"], "arguments": ["2"]}})
    assert str(caught.value) == (
        'Operation cannot be fulfilled on sparkapplications.sparkoperator.k8s.io "pi": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    assert caught.value.code == 409
    assert cluster.get("SparkApplication", "default", "pi") == second


def test_update_without_a_resource_version_overwrites(cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    blind = spark_app("pi")
    blind["spec"]["arguments"] = ["5"]
    assert cluster.update(blind)["spec"]["arguments"] == ["5"]


def test_update_keeps_server_owned_metadata(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    request = pod("p", labels={"a": "b"})
    request["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z"
    request["metadata"]["generation"] = 42
    updated = cluster.update(request)
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert updated["metadata"]["generation"] == 1


def test_update_with_another_uid_is_a_precondition_conflict(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    created["metadata"]["uid"] = str(uuid.uuid4())
    with pytest.raises(Conflict, match="Precondition failed: UID"):
        cluster.update(created)


def test_an_update_that_changes_nothing_keeps_the_resource_version(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    assert cluster.update(created) == created
    assert cluster.resource_version == "1"


def test_update_of_a_missing_object_is_not_found(cluster: EmbeddedCluster) -> None:
    with pytest.raises(NotFound):
        cluster.update(pod("ghost"))


# --- update_status ------------------------------------------------------------------------------


def test_update_status_changes_only_status(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    request = {**app, "spec": {"type": "Scala"}, "metadata": {**app["metadata"], "labels": {"x": "y"}}}
    request["status"] = {"applicationState": {"state": "SUBMITTED"}}
    updated = cluster.update_status(request)
    assert updated["status"] == {"applicationState": {"state": "SUBMITTED"}}
    assert updated["spec"] == app["spec"]
    assert "labels" not in updated["metadata"]
    assert updated["metadata"]["generation"] == 1
    assert updated["metadata"]["resourceVersion"] == "2"


def test_update_status_with_a_stale_resource_version_is_a_conflict(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    cluster.update_status({**app, "status": {"applicationState": {"state": "SUBMITTED"}}})
    with pytest.raises(Conflict, match="the object has been modified"):
        cluster.update_status({**app, "status": {"applicationState": {"state": "RUNNING"}}})


# --- patch --------------------------------------------------------------------------------------


def test_merge_patch_merges_nested_objects_and_null_deletes(cluster: EmbeddedCluster) -> None:
    app = spark_app("pi", mainApplicationFile="local:///opt/app.py")
    app["metadata"]["labels"] = {"keep": "1", "drop": "2"}
    app["spec"]["sparkConf"] = {"spark.a": "1", "spark.b": "2"}
    cluster.create(app)
    patched = cluster.patch(
        "SparkApplication",
        "default",
        "pi",
        {
            "metadata": {"labels": {"drop": None, "new": "3"}},
            "spec": {"sparkConf": {"spark.b": None, "spark.c": "3"}, "arguments": ["1", "2"]},
        },
    )
    assert patched["metadata"]["labels"] == {"keep": "1", "new": "3"}
    assert patched["spec"]["sparkConf"] == {"spark.a": "1", "spark.c": "3"}
    assert patched["spec"]["arguments"] == ["1", "2"]
    assert patched["spec"]["mainApplicationFile"] == "local:///opt/app.py"
    assert patched["metadata"]["generation"] == 2


def test_merge_patch_replaces_lists_whole(cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    cluster.patch("sparkapp", "default", "pi", {"spec": {"arguments": ["a", "b"]}})
    assert cluster.patch("sparkapp", "default", "pi", {"spec": {"arguments": ["c"]}})["spec"][
        "arguments"
    ] == ["c"]


def test_a_metadata_only_patch_keeps_the_generation(cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    patched = cluster.patch("sparkapp", "default", "pi", {"metadata": {"annotations": {"a": "b"}}})
    assert patched["metadata"]["generation"] == 1


def test_a_main_resource_patch_ignores_status(cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    patched = cluster.patch("sparkapp", "default", "pi", {"status": {"x": 1}, "spec": {"arguments": ["1"]}})
    assert "status" not in patched
    assert patched["spec"]["arguments"] == ["1"]


def test_a_status_subresource_patch_changes_only_status(cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    cluster.patch("sparkapp", "default", "pi", {"status": {"a": 1, "b": {"c": 2}}}, subresource="status")
    patched = cluster.patch(
        "sparkapp",
        "default",
        "pi",
        {"status": {"a": None, "b": {"d": 3}}, "spec": {"arguments": ["x"]}},
        subresource="status",
    )
    assert patched["status"] == {"b": {"c": 2, "d": 3}}
    assert "arguments" not in patched["spec"]
    assert patched["metadata"]["generation"] == 1


def test_a_patch_carrying_a_stale_resource_version_is_a_conflict(cluster: EmbeddedCluster) -> None:
    created = cluster.create(spark_app("pi"))
    rv = created["metadata"]["resourceVersion"]
    cluster.patch(
        "sparkapp", "default", "pi", {"metadata": {"resourceVersion": rv}, "spec": {"arguments": ["1"]}}
    )
    with pytest.raises(Conflict):
        cluster.patch(
            "sparkapp", "default", "pi", {"metadata": {"resourceVersion": rv}, "spec": {"arguments": ["2"]}}
        )


def test_a_patch_cannot_rename_or_re_identify_an_object(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    patched = cluster.patch("Pod", "default", "p", {"metadata": {"name": "q", "creationTimestamp": None}})
    assert patched["metadata"]["name"] == "p"
    assert patched["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


def test_patch_of_an_unknown_subresource_or_missing_object_is_not_found(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    with pytest.raises(NotFound, match="subresource"):
        cluster.patch("Pod", "default", "p", {}, subresource="scale")
    with pytest.raises(NotFound):
        cluster.patch("Pod", "default", "ghost", {"metadata": {"labels": {"a": "b"}}})


def test_a_patch_is_validated_like_any_write(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    with pytest.raises(Invalid):
        cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"a": "not ok"}}})
    with pytest.raises(Invalid, match="JSON object"):
        cluster.patch("Pod", "default", "p", ["not", "a", "dict"])  # type: ignore[arg-type]


# --- bind ---------------------------------------------------------------------------------------


def test_bind_sets_the_node_and_the_pod_scheduled_condition(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster.create(pod("driver"))
    clock.advance(2)
    bound = cluster.bind("default", "driver", "ip-10-0-0-1")
    assert bound["spec"]["nodeName"] == "ip-10-0-0-1"
    assert {
        "type": "PodScheduled",
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": "2026-01-02T03:04:07Z",
    } in (bound["status"]["conditions"])


def test_binding_again_to_the_same_node_changes_nothing(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("driver"))
    bound = cluster.bind("default", "driver", "n1")
    assert cluster.bind("default", "driver", "n1") == bound


def test_binding_a_pod_bound_to_another_node_is_a_conflict(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("driver"))
    cluster.bind("default", "driver", "n1")
    with pytest.raises(Conflict, match='already assigned to node "n1"'):
        cluster.bind("default", "driver", "n2")
    assert cluster.get("Pod", "default", "driver")["spec"]["nodeName"] == "n1"


def test_binding_a_missing_pod_is_not_found(cluster: EmbeddedCluster) -> None:
    with pytest.raises(NotFound):
        cluster.bind("default", "ghost", "n1")


# --- lifecycle ----------------------------------------------------------------------------------


def test_objects_survive_closing_and_reopening(db_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(db_path, clock) as first:
        created = first.create(pod("p"))
    with EmbeddedCluster(db_path, clock) as second:
        assert second.get("Pod", "default", "p") == created
        assert second.create(pod("q"))["metadata"]["resourceVersion"] == "2"


def test_a_closed_store_refuses_work(cluster: EmbeddedCluster) -> None:
    cluster.close()
    cluster.close()
    with pytest.raises(Exception, match="closed"):
        cluster.create(pod("p"))


def test_clock_time_moves_only_when_advanced(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    first = cluster.create(pod("a"))["metadata"]["creationTimestamp"]
    clock.advance(timedelta(minutes=1).total_seconds())
    assert cluster.create(pod("b"))["metadata"]["creationTimestamp"] != first


def test_count_reads_how_many_objects_of_a_kind_a_namespace_holds(cluster: EmbeddedCluster) -> None:
    cluster.create_many([pod("a"), pod("b"), pod("c", namespace="other"), configmap("cm")])
    assert cluster.count("Pod", "default") == 2
    assert cluster.count("pods", "other") == 1
    assert cluster.count("Pod", None) == 3
    assert cluster.count("ConfigMap", "other") == 0


def test_a_page_is_read_from_the_index_after_a_position_and_stops_after_the_page(
    cluster: EmbeddedCluster,
) -> None:
    cluster.create_many([pod(f"p{i}", namespace=ns) for ns in ("a", "b") for i in range(3)])
    page = cluster.list_page("Pod", None, None, None, limit=2, after=("a", "p1"))
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in page.items] == [
        ("a", "p2"),
        ("b", "p0"),
    ]
    assert (page.more, page.remaining, page.resourceVersion) == (True, 2, cluster.resource_version)
    last = cluster.list_page("Pod", "b", None, None, limit=5, after=("b", "p0"))
    assert ([p["metadata"]["name"] for p in last.items], last.more, last.remaining) == (
        ["p1", "p2"],
        False,
        None,
    )
