"""`up` starts a background cluster the other verbs talk to; `down` stops it and keeps its state."""

import base64
import ipaddress
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from sparkfleet.cli.daemon import (
    DEFAULT_API_PORT,
    PORT_FILE,
    ServerInfo,
    check_address,
    choose_port,
    local_url,
    read_server,
)
from support.cli import PI
from support.cli import sf_output as sf
from support.diskfaults import read_only, subject_to_file_modes, with_file_size_limit
from support.kubectl import Kubectl, kubectl_binary


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cluster_up(home: Path) -> Iterator[str]:
    """A running background cluster; the output of its `up`."""
    code, out = sf("up")
    try:
        assert code == 0, out
        yield out
    finally:
        sf("down", "--drain")  # nothing of the test left running


def test_up_serves_the_api_and_down_keeps_the_state(home: Path) -> None:
    code, out = sf("up")
    try:
        assert code == 0, out
        assert "is up at https://127.0.0.1:" in out
        server = read_server(home)
        assert server is not None
        assert sf("up")[1].startswith("cluster default is up"), "a second up finds the running one"
        code, out = sf("apply", "-f", str(PI))
        assert code == 0, out
        assert "created" in out
    finally:
        assert sf("down")[0] == 0
    assert read_server(home) is None
    code, out = sf("get", "sparkapp", "-n", "spark-team-a")
    assert code == 0
    assert "pyspark-pi-karpenter" in out, "the store outlives the server"
    code, out = sf("up")
    try:
        assert code == 0, out
        assert "pyspark-pi-karpenter" in sf("get", "sparkapp", "-n", "spark-team-a")[1]
        again = read_server(home)
        assert again is not None
        assert (again.url, again.token) == (server.url, server.token), "same port and token as before"
    finally:
        sf("down", "--drain")


def test_the_home_and_what_holds_secrets_are_private_to_their_owner(home: Path, cluster_up: str) -> None:
    assert mode(home) == 0o700
    private = ["kubeconfig", "server.json", "store.db", "server.log", "token", "pki/ca.key", "pki/server.key"]
    assert {name: mode(home / name) for name in private} == dict.fromkeys(private, 0o600)
    assert mode(home / "pki") == 0o700


def test_the_kubeconfig_trusts_the_cluster_ca_and_carries_the_token(home: Path, cluster_up: str) -> None:
    server = read_server(home)
    assert server is not None
    config = yaml.safe_load((home / "kubeconfig").read_text())
    assert config["current-context"] == "sparkfleet-default"
    [cluster] = config["clusters"]
    assert cluster["name"] == "sparkfleet-default"
    assert cluster["cluster"]["server"] == server.url
    assert (
        base64.b64decode(cluster["cluster"]["certificate-authority-data"])
        == (home / "pki" / "ca.crt").read_bytes()
    )
    assert config["users"] == [{"name": "sparkfleet-default", "user": {"token": server.token}}]
    assert sf("kubeconfig") == (0, (home / "kubeconfig").read_text())


def test_an_existing_home_with_a_loose_mode_is_tightened(home: Path) -> None:
    home.mkdir()
    home.chmod(0o755)
    code, out = sf("get", "namespaces")
    assert code == 0, out
    assert mode(home) == 0o700
    assert mode(home / "store.db") == 0o600


def listening() -> socket.socket:
    """A socket holding a free loopback port, as another program would."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def free_port() -> int:
    with listening() as sock:
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("remembered", [None, "", "not a port", "70000"])
def test_without_a_usable_remembered_port_the_default_port_is_the_one_wanted(
    tmp_path: Path, remembered: str | None
) -> None:
    if remembered is not None:
        (tmp_path / PORT_FILE).write_text(remembered)
    port, passed_over = choose_port(tmp_path, None)
    assert (port or passed_over) == DEFAULT_API_PORT, "taken when free, else passed over for any free port"


def test_the_remembered_port_is_taken_while_free_and_passed_over_when_busy(tmp_path: Path) -> None:
    remembered = free_port()
    (tmp_path / PORT_FILE).write_text(f"{remembered}\n")
    assert choose_port(tmp_path, None) == (remembered, None)
    with listening() as other:
        (tmp_path / PORT_FILE).write_text(f"{other.getsockname()[1]}\n")
        assert choose_port(tmp_path, None) == (0, other.getsockname()[1])


def test_an_explicit_port_is_taken_as_given(tmp_path: Path) -> None:
    wanted = free_port()
    assert choose_port(tmp_path, wanted) == (wanted, None)
    assert choose_port(tmp_path, 0) == (0, None), "0 asks for any free port"


def test_up_passes_over_a_busy_port_with_a_note_and_keeps_the_one_it_took(home: Path) -> None:
    with listening() as other:
        busy = other.getsockname()[1]
        home.mkdir()
        (home / PORT_FILE).write_text(f"{busy}\n")
        code, out = sf("up")
        try:
            assert code == 0, out
            assert f"note: port {busy} was busy, so the API took a free one" in out
            first = read_server(home)
            assert first is not None
            assert not first.url.endswith(f":{busy}")
        finally:
            sf("down")
        code, out = sf("up")
        try:
            assert code == 0, out
            assert "note:" not in out
            again = read_server(home)
            assert again is not None
            assert again.url == first.url
        finally:
            sf("down")


def test_up_refuses_an_explicit_port_that_is_busy(home: Path) -> None:
    with listening() as other:
        busy = other.getsockname()[1]
        code, out = sf("up", "--port", str(busy))
    assert code == 1
    assert (
        out == f"error: port {busy} on 127.0.0.1 is in use; choose another with --port (0: any free port)\n"
    )
    assert read_server(home) is None


def test_up_with_insecure_http_serves_plain_http_and_warns_about_kubectl(home: Path) -> None:
    code, out = sf("up", "--insecure-http", "--port", "0")
    try:
        assert code == 0, out
        assert "is up at http://127.0.0.1:" in out
        assert "warning: plain HTTP: kubectl sends no token over it" in out
        [cluster] = yaml.safe_load((home / "kubeconfig").read_text())["clusters"]
        assert "certificate-authority-data" not in cluster["cluster"]
        assert "spark-team-a" in sf("get", "namespaces")[1]
    finally:
        sf("down")


@pytest.fixture
def kubectl(tmp_path: Path) -> Kubectl:
    """kubectl with the home's kubeconfig and nothing else (no flags, no proxy); asked for before the
    cluster, so a machine without kubectl fails (or skips) at once."""
    return Kubectl(kubectl_binary(), tmp_path / "home" / "kubeconfig", tmp_path / "kube-cache")


def test_kubectl_talks_to_up_with_its_kubeconfig_alone(home: Path, kubectl: Kubectl, cluster_up: str) -> None:
    assert kubectl.kubeconfig == home / "kubeconfig"
    assert "spark-team-a" in kubectl.ok("get", "namespaces")
    assert "spark-compute-optimized" in kubectl.ok("get", "nodepools")


def test_a_merged_kubeconfig_takes_kubectl_to_the_cluster_after_use_context(
    tmp_path: Path, kubectl: Kubectl, cluster_up: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "kube" / "config"
    mine.parent.mkdir()
    mine.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: eks\n"
        "clusters: [{name: eks, cluster: {server: 'https://eks.example.com'}}]\n"
        "users: [{name: eks, user: {token: x}}]\n"
        "contexts: [{name: eks, context: {cluster: eks, user: eks}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(mine))
    code, out = sf("kubeconfig", "--merge")
    assert code == 0, out
    assert f'context "sparkfleet-default" is in {mine}' in out
    assert "kubectl config use-context sparkfleet-default" in out
    merged = kubectl.at(mine)
    assert merged.ok("config", "get-contexts", "-o", "name").split() == ["eks", "sparkfleet-default"]
    merged.ok("config", "use-context", "sparkfleet-default")
    assert "spark-compute-optimized" in merged.ok("get", "nodepools")


def test_down_without_a_cluster_says_so(home: Path) -> None:
    assert sf("down") == (0, "cluster default was not running\n")


def test_up_with_a_bad_config_directory_fails_before_starting(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "config"
    bad.mkdir()
    (bad / "queues.yaml").write_text("partitions:\n  - name: default\n    queus: []\n")
    code, out = sf("up", "--config", str(bad))
    assert code == 1
    assert "queus" in out
    assert read_server(home) is None


# --- exposure: loopback unless --address says otherwise ------------------------------------------------


def listening_on(port: int) -> set[str]:
    """The IPv4 addresses a socket of this machine listens on at `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(str(ipaddress.IPv4Address(bytes.fromhex(address)[::-1])))
    return found


def port_of(server: ServerInfo) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_up_listens_on_loopback_only(home: Path, cluster_up: str) -> None:
    server = read_server(home)
    assert server is not None
    assert listening_on(port_of(server)) == {"127.0.0.1"}
    assert "warning" not in cluster_up


def test_up_with_address_listens_there_warns_and_keeps_local_clients_on_loopback(home: Path) -> None:
    code, out = sf("up", "--address", "0.0.0.0", "--port", "0")
    try:
        assert code == 0, out
        assert "warning: the API listens on every interface: other machines can reach it" in out
        server = read_server(home)
        assert server is not None
        assert listening_on(port_of(server)) == {"0.0.0.0"}
        assert server.url.startswith("https://127.0.0.1:"), "the certificate's name, for local clients"
        assert "spark-team-a" in sf("get", "namespaces")[1]
    finally:
        sf("down")


def test_a_bad_address_is_refused_before_anything_starts(home: Path) -> None:
    code, out = sf("up", "--address", "example.com")
    assert code == 2
    assert '"example.com" is not an IPv4 address' in out
    assert read_server(home) is None


@pytest.mark.parametrize(
    ("address", "insecure_http", "refusal"),
    [
        ("127.0.0.1", False, None),
        ("0.0.0.0", False, None),
        ("10.0.0.5", False, "the API certificate names 127.0.0.1 and localhost only"),
        ("127.0.0.2", False, "the API certificate names 127.0.0.1 and localhost only"),
        ("127.0.0.2", True, None),
        ("0.0.0.0", True, "--insecure-http serves loopback only"),
    ],
)
def test_addresses_clients_could_not_use_safely_are_refused(
    address: str, insecure_http: bool, refusal: str | None
) -> None:
    if refusal is None:
        check_address(address, insecure_http=insecure_http)
    else:
        with pytest.raises(RuntimeError, match=refusal):
            check_address(address, insecure_http=insecure_http)


def test_local_clients_reach_a_server_on_every_interface_through_loopback() -> None:
    assert local_url("https://0.0.0.0:16443", "0.0.0.0") == "https://127.0.0.1:16443"
    assert local_url("https://127.0.0.1:16443", "127.0.0.1") == "https://127.0.0.1:16443"


# --- named tokens on a running cluster ------------------------------------------------------------------


def test_named_tokens_work_and_stop_working_without_a_restart(home: Path, cluster_up: str) -> None:
    server = read_server(home)
    assert server is not None
    code, out = sf("token", "create", "--read-only", "--name", "dashboard")
    assert code == 0, out
    token = out.splitlines()[0]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, verify=server.verify(), headers=headers) as http:
        assert http.get("/api/v1/namespaces").status_code == 200
        created = http.post("/api/v1/namespaces", json={"metadata": {"name": "x"}})
        assert (created.status_code, created.json()["reason"]) == (403, "Forbidden")
        assert sf("token", "delete", "dashboard")[0] == 0
        assert http.get("/api/v1/namespaces").status_code == 401


# --- a full or read-only cluster home ---------------------------------------------------------------------


def sparkfleet_process(
    home: Path, *args: str, preexec: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    """`sparkfleet ARGS...` as its own process, started under a disk fault (tests/support/diskfaults.py)."""
    command = [str(Path(sys.executable).with_name("sparkfleet")), *args]
    env = {**os.environ, "SPARKFLEET_HOME": str(home)}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, preexec_fn=preexec)


def test_up_on_a_full_disk_says_why_the_cluster_did_not_start(home: Path) -> None:
    """The processes may grow no file beyond 64 KiB (RLIMIT_FSIZE): the store's first writes fail."""
    done = sparkfleet_process(home, "up", "--port", "0", preexec=with_file_size_limit(64 * 1024))
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: the cluster did not start: the cluster store {home / 'store.db'} ")
    assert "full" in done.stderr or "disk I/O error" in done.stderr
    assert "Traceback" not in done.stderr
    assert read_server(home) is None
    code, out = sf("up", "--port", "0")
    assert code == 0, f"with the space back, up starts the same home: {out}"
    assert sf("down")[0] == 0


def test_up_and_get_in_a_read_only_home_say_so_in_one_line(home: Path) -> None:
    assert sf("get", "namespaces")[0] == 0  # makes the home and its store
    with read_only(home):
        up = sparkfleet_process(home, "up", "--port", "0", preexec=subject_to_file_modes)
        get = sparkfleet_process(home, "get", "pods", preexec=subject_to_file_modes)
    for done in (up, get):
        assert done.returncode == 1
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        assert f"the cluster home {home} must be writable" in lines[0]
    assert up.stderr.startswith(f"error: the cluster did not start: the file {home / 'server.log'} ")
    assert get.stderr.startswith(f"error: the cluster store {home / 'store.db'} cannot be opened: ")
    assert sf("get", "namespaces")[0] == 0, "writable again, the home works as before"


def test_down_says_whether_the_pods_were_left_running_or_drained(home: Path) -> None:
    for flags, said in (
        ((), "running pods go on and the next up takes them over"),
        (("--drain",), "stopped"),
    ):
        code, out = sf("up", "--port", "0")
        assert code == 0, out
        code, out = sf("down", *flags)
        assert code == 0 and said in out, out
        assert read_server(home) is None
