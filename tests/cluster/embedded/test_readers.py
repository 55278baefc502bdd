"""The store's read connections: one per thread, a capped pool for watches, and a close that waits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from sparkfleet.cluster.embedded.readers import CHANGE_READERS, Readers
from sparkfleet.cluster.embedded.schema import Durability, connect
from sparkfleet.cluster.errors import ClusterError


@pytest.fixture
def readers(tmp_path: Path) -> Iterator[Readers]:
    path = tmp_path / "store.db"
    connect(path).close()
    pool = Readers(path, Durability.PROCESS)
    yield pool
    pool.close()


def test_a_thread_reads_through_the_same_connection_each_time(readers: Readers) -> None:
    with readers.own() as first:
        pass
    with readers.own() as second:
        assert second is first


def test_each_thread_has_a_connection_of_its_own(readers: Readers) -> None:
    seen: list[object] = []

    def read() -> None:
        with readers.own() as conn:
            seen.append(conn)

    with readers.own() as mine:
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    assert seen and seen[0] is not mine


def test_watches_share_at_most_the_pool_and_wait_for_a_free_connection(readers: Readers) -> None:
    taken = threading.Event()
    with ExitStack() as held:
        conns = {id(held.enter_context(readers.shared())) for _ in range(CHANGE_READERS)}
        assert len(conns) == CHANGE_READERS

        def one_more() -> None:
            with readers.shared() as conn:
                assert id(conn) in conns  # a pooled one, not a new connection
                taken.set()

        waiter = threading.Thread(target=one_more)
        waiter.start()
        assert not taken.wait(0.2)  # all are in use: it waits
    assert taken.wait(5)  # released: it gets one
    waiter.join()


def test_after_close_a_read_is_refused_naming_the_store(readers: Readers, tmp_path: Path) -> None:
    readers.close()
    with (
        pytest.raises(ClusterError, match=f"the cluster store {tmp_path / 'store.db'} is closed"),
        readers.own(),
    ):
        pass
    with pytest.raises(ClusterError, match="is closed"), readers.shared():
        pass


def test_close_waits_for_a_read_in_flight(readers: Readers) -> None:
    reading = threading.Event()
    finish = threading.Event()
    closed = threading.Event()

    def read() -> None:
        with readers.own() as conn:
            reading.set()
            finish.wait(5)
            conn.execute("SELECT 1").fetchone()  # still open: close() has not closed it under us

    reader = threading.Thread(target=read)
    reader.start()
    assert reading.wait(5)
    closer = threading.Thread(target=lambda: (readers.close(), closed.set()))
    closer.start()
    assert not closed.wait(0.2)
    finish.set()
    reader.join()
    assert closed.wait(5)
    closer.join()
