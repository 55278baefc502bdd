"""A cluster's home: its store is private to its owner, seeded with the configuration once, and a seeded
object a user changed is left as the user left it. (Where the home is: tests/cli/test_context.py.)"""

from __future__ import annotations

import stat
from pathlib import Path

from sparkfleet.clock import SystemClock
from sparkfleet.config import PlatformConfig
from sparkfleet.home import STORE_FILE, YUNIKORN_NAMESPACE, open_embedded_store


def test_a_new_home_is_private_and_holds_the_configuration(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = PlatformConfig()
    store = open_embedded_store(home, SystemClock(), config)
    try:
        namespaces = {n["metadata"]["name"] for n in store.list("Namespace").items}
        assert {*config.namespaces, YUNIKORN_NAMESPACE} <= namespaces
        pools = {p["metadata"]["name"] for p in store.list("NodePool").items}
        assert pools == {p.name for p in config.nodepools}
        assert store.get("ConfigMap", YUNIKORN_NAMESPACE, "yunikorn-configs")["data"]
    finally:
        store.close()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / STORE_FILE).stat().st_mode) == 0o600


def test_opening_again_keeps_what_the_user_changed_and_restores_what_is_missing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = open_embedded_store(home, SystemClock())
    pool = store.list("NodePool").items[0]
    name = pool["metadata"]["name"]
    pool["spec"]["weight"] = 7
    store.update(pool)
    store.delete("Namespace", None, "spark-team-c")
    store.close()

    again = open_embedded_store(home, SystemClock())
    try:
        assert again.get("NodePool", None, name)["spec"]["weight"] == 7
        assert again.get("Namespace", None, "spark-team-c")["metadata"]["name"] == "spark-team-c"
    finally:
        again.close()
