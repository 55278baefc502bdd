"""The scheduler's state ConfigMap: its format, read back as written, through the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.support.schedulerstate import (
    NAMESPACE,
    STATE_APPS,
    STATE_CONFIG,
    STATE_CONFIGMAP,
    STATE_QUEUES,
    SchedulerState,
    decode_state,
    encode_state,
    read_state,
    write_state,
)
from sparkfleet.engine.scheduling import AppState, AppStatus, AppTransition, QueueReport, Resources

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AT = START.timestamp()
QUEUES_YAML = "partitions:\n  - name: default\n    queues:\n      - name: root\n"

RUNNING = AppStatus(
    app_id="pyspark-pi-karpenter",
    state=AppState.RUNNING,
    submitted_at=AT,
    state_since=AT + 12.5,
    queue="root.test",
    user="spark",
    first_placeholder_at=AT + 1.0,
    placeholders_created=True,
    originator="driver-uid-1",
    message="",
    history=(
        AppTransition(
            "pyspark-pi-karpenter", AppState.NEW, AppState.ACCEPTED, AT, "Accepted", "into root.test"
        ),
        AppTransition(
            "pyspark-pi-karpenter",
            AppState.RESERVING,
            AppState.RUNNING,
            AT + 12.5,
            "GangReservationComplete",
            "",
        ),
    ),
)
TEST_QUEUE = QueueReport(
    path="root.test",
    leaf=True,
    dynamic=False,
    guaranteed=Resources({"cpu": 4000, "memory": 16 * 2**30}),
    max=Resources({"cpu": 8000}),
    allocated=Resources({"cpu": 3000, "memory": 3 * 2**30, "pods": 3}),
    pending=Resources(),
    running_apps=1,
    max_apps=0,
    apps=("pyspark-pi-karpenter",),
)
STATE = SchedulerState({"pyspark-pi-karpenter": RUNNING}, (TEST_QUEUE,), QUEUES_YAML)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedCluster]:
    embedded = EmbeddedCluster(tmp_path / "store.db", VirtualClock(START))
    yield embedded
    embedded.close()


def test_a_state_decodes_to_what_was_encoded() -> None:
    assert decode_state(encode_state(STATE)) == STATE


def test_the_data_holds_the_documented_keys_and_json_shapes() -> None:
    data = encode_state(STATE)
    assert (
        set(data) == {STATE_APPS, STATE_QUEUES, STATE_CONFIG} == {"apps.json", "queues.json", "queues.yaml"}
    )
    apps = json.loads(data[STATE_APPS])
    assert apps["pyspark-pi-karpenter"] == {
        "state": "Running",
        "submittedAt": AT,
        "stateSince": AT + 12.5,
        "queue": "root.test",
        "user": "spark",
        "firstPlaceholderAt": AT + 1.0,
        "placeholdersCreated": True,
        "originator": "driver-uid-1",
        "message": "",
        "history": [
            {"from": "New", "to": "Accepted", "at": AT, "reason": "Accepted", "message": "into root.test"},
            {
                "from": "Reserving",
                "to": "Running",
                "at": AT + 12.5,
                "reason": "GangReservationComplete",
                "message": "",
            },
        ],
    }
    (queue,) = json.loads(data[STATE_QUEUES])
    assert queue == {
        "path": "root.test",
        "leaf": True,
        "dynamic": False,
        "guaranteed": {"cpu": 4000, "memory": 16 * 2**30},
        "max": {"cpu": 8000},
        "allocated": {"cpu": 3000, "memory": 3 * 2**30, "pods": 3},
        "pending": {},
        "runningApps": 1,
        "maxApps": 0,
        "apps": ["pyspark-pi-karpenter"],
    }
    assert data[STATE_CONFIG] == QUEUES_YAML


def test_equal_states_give_equal_data_whatever_the_order_of_their_applications() -> None:
    other = AppStatus("another", AppState.NEW, AT, AT)
    forward = SchedulerState({"pyspark-pi-karpenter": RUNNING, "another": other})
    backward = SchedulerState({"another": other, "pyspark-pi-karpenter": RUNNING})
    assert encode_state(forward) == encode_state(backward)


def test_a_reader_fills_optional_fields_and_ignores_keys_it_does_not_know() -> None:
    apps = {"a": {"state": "New", "submittedAt": AT, "stateSince": AT, "later": 1}}
    state = decode_state({STATE_APPS: json.dumps(apps), "later.json": "{}"})
    assert state == SchedulerState({"a": AppStatus("a", AppState.NEW, AT, AT)}, (), None)


def test_data_that_is_not_ours_is_refused() -> None:
    with pytest.raises(ValueError, match=r"apps\.json must hold an object"):
        decode_state({STATE_APPS: "[]"})


def test_the_state_written_to_the_store_is_read_back_and_rewritten_in_place(store: EmbeddedCluster) -> None:
    assert read_state(store) is None  # the scheduler has not run yet
    write_state(store, encode_state(STATE), NAMESPACE, "yunikorn")
    assert read_state(store) == STATE
    created = store.get("ConfigMap", NAMESPACE, STATE_CONFIGMAP)
    assert created["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "yunikorn"}

    without_config = SchedulerState(STATE.apps, STATE.queues)
    write_state(store, encode_state(without_config), NAMESPACE, "yunikorn")
    assert read_state(store) == without_config  # the queues.yaml key is gone with it
    assert store.get("ConfigMap", NAMESPACE, STATE_CONFIGMAP)["metadata"]["uid"] == created["metadata"]["uid"]


def test_an_unreadable_state_configmap_reads_as_no_state(store: EmbeddedCluster) -> None:
    store.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": STATE_CONFIGMAP, "namespace": NAMESPACE},
            "data": {STATE_APPS: "not json"},
        }
    )
    assert read_state(store) is None
