"""`connect`: a RemoteCluster found and authenticated as kubectl would, against the embedded API over TLS:
the kubeconfig sparkfleet writes, $KUBECONFIG and ~/.kube/config, an exec credential plugin (as
`aws eks get-token`), the in-cluster service account, and clear errors for what cannot be used."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from sparkfleet.api.yamlio import dump_yaml
from sparkfleet.server import KubeconfigError, ServerHandle, connect, kubeconnect, start_server
from sparkfleet.server.errors import Unauthorized
from sparkfleet.server.tls import ensure_pki
from support.objects import configmap

from .builders import TOKEN

CONTEXT = "sparkfleet-test"


@pytest.fixture
def tls_server(app: Starlette, tmp_path: Path) -> Iterator[ServerHandle]:
    """The embedded API over HTTPS with the cluster's own CA, as `sparkfleet up` serves it."""
    with start_server(app, TOKEN, tls=ensure_pki(tmp_path / "pki", datetime.now(UTC))) as handle:
        yield handle


@pytest.fixture
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No $KUBECONFIG, an empty home and no service account: only what a test sets up is found."""
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    monkeypatch.setattr(kubeconnect, "SERVICE_ACCOUNT_DIR", tmp_path / "no-service-account")
    return home


def write_kubeconfig(path: Path, config: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(config))
    return path


def sparkfleet_kubeconfig(server: ServerHandle, tmp_path: Path, namespace: str = "default") -> Path:
    """home/kubeconfig as `sparkfleet up` writes it (same function, same YAML dump)."""
    return write_kubeconfig(tmp_path / "home" / "kubeconfig", server.kubeconfig(CONTEXT, namespace))


def test_the_kubeconfig_sparkfleet_writes_reaches_the_api_over_tls(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    path = sparkfleet_kubeconfig(tls_server, tmp_path)
    assert tls_server.url.startswith("https://")
    with connect(path) as remote:
        created = remote.create(configmap("settings", mode="fast"))
        assert remote.get("ConfigMap", "default", "settings") == created
        assert [c["metadata"]["name"] for c in remote.list("ConfigMap").items] == ["settings"]


def test_objects_without_a_namespace_go_to_the_contexts_namespace(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    path = sparkfleet_kubeconfig(tls_server, tmp_path, namespace="spark-team-a")
    obj = configmap("settings")
    del obj["metadata"]["namespace"]
    with connect(path) as remote:
        assert remote.namespace == "spark-team-a"
        assert remote.create(obj)["metadata"]["namespace"] == "spark-team-a"
        assert remote.get("ConfigMap", None, "settings")["metadata"]["namespace"] == "spark-team-a"


def test_kubeconfig_env_lists_files_merged_first_wins(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = sparkfleet_kubeconfig(tls_server, tmp_path)
    other = tls_server.kubeconfig("elsewhere")
    other["clusters"][0]["cluster"] = {"server": "https://127.0.0.1:9"}  # not reached: not current
    second = write_kubeconfig(tmp_path / "second.yaml", other)
    missing = tmp_path / "missing.yaml"  # kubectl skips files that do not exist
    monkeypatch.setenv("KUBECONFIG", ":".join(map(str, [missing, good, second])))
    config = kubeconnect.load_kubeconfig()
    assert sorted(config.contexts) == ["elsewhere", CONTEXT]
    assert config.current_context == CONTEXT
    with connect() as remote:
        assert remote.list("ConfigMap").items == []


def test_the_default_kubeconfig_is_read_from_home(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    write_kubeconfig(no_ambient_config / ".kube" / "config", tls_server.kubeconfig(CONTEXT))
    with connect() as remote:
        remote.create(configmap("from-home"))
        assert remote.get("ConfigMap", "default", "from-home")["metadata"]["name"] == "from-home"


def exec_user(
    tmp_path: Path, token: str, api_version: str = "client.authentication.k8s.io/v1"
) -> dict[str, Any]:
    """A kubeconfig user whose token comes from a plugin that prints an ExecCredential, as
    `aws eks get-token` does; the plugin records the KUBERNETES_EXEC_INFO it was given."""
    plugin = tmp_path / "get-token.py"
    plugin.write_text(
        "import json, os, pathlib, sys\n"
        "pathlib.Path(sys.argv[1]).write_text(os.environ.get('KUBERNETES_EXEC_INFO', ''))\n"
        "print(json.dumps({'kind': 'ExecCredential', 'apiVersion': os.environ['CREDENTIAL_VERSION'],\n"
        "    'spec': {}, 'status': {'expirationTimestamp': '2030-01-01T00:00:00Z', 'token': sys.argv[2]}}))\n"
    )
    return {
        "exec": {
            "apiVersion": api_version,
            "command": sys.executable,
            "args": [str(plugin), str(tmp_path / "exec-info.json"), token],
            "env": [{"name": "CREDENTIAL_VERSION", "value": api_version}],
            "interactiveMode": "Never",
            "provideClusterInfo": False,
        }
    }


@pytest.mark.parametrize(
    "api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
)
def test_an_exec_plugin_supplies_the_token(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path, api_version: str
) -> None:
    config = tls_server.kubeconfig(CONTEXT)
    config["users"][0]["user"] = exec_user(tmp_path, TOKEN, api_version)
    path = write_kubeconfig(tmp_path / "eks.yaml", config)
    with connect(path) as remote:
        remote.create(configmap("via-exec"))
        assert [c["metadata"]["name"] for c in remote.list("ConfigMap").items] == ["via-exec"]
    info = json.loads((tmp_path / "exec-info.json").read_text())
    assert info == {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": False}}


def test_an_exec_plugins_wrong_token_is_unauthorized(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    config = tls_server.kubeconfig(CONTEXT)
    config["users"][0]["user"] = exec_user(tmp_path, "not-the-token")
    with connect(write_kubeconfig(tmp_path / "eks.yaml", config)) as remote, pytest.raises(Unauthorized):
        remote.list("ConfigMap")


def test_a_failing_exec_plugin_is_a_kubeconfig_error_naming_the_context(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    config = tls_server.kubeconfig(CONTEXT)
    config["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": ["-c", "import sys; sys.exit('Unable to locate credentials')"],
        }
    }
    failure = rf'context "{CONTEXT}".*Unable to locate credentials'
    with (
        connect(write_kubeconfig(tmp_path / "eks.yaml", config)) as remote,
        pytest.raises(KubeconfigError, match=failure),
    ):
        remote.list("ConfigMap")


def fake_service_account(directory: Path, server: ServerHandle, namespace: str = "spark-jobs") -> Path:
    directory.mkdir(parents=True)
    assert server.tls is not None and server.token is not None
    (directory / "token").write_text(server.token)
    (directory / "ca.crt").write_bytes(server.tls.trusted.read_bytes())
    (directory / "namespace").write_text(namespace)
    return directory


def test_in_a_pod_the_service_account_is_used(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = fake_service_account(tmp_path / "serviceaccount", tls_server)
    monkeypatch.setattr(kubeconnect, "SERVICE_ACCOUNT_DIR", account)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", tls_server.host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(tls_server.port))
    obj = configmap("in-cluster")
    del obj["metadata"]["namespace"]
    with connect() as remote:
        assert remote.create(obj)["metadata"]["namespace"] == "spark-jobs"


def test_a_kubeconfig_file_comes_before_the_service_account(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "9")  # nothing listens there
    monkeypatch.setenv("KUBECONFIG", str(sparkfleet_kubeconfig(tls_server, tmp_path)))
    with connect() as remote:
        assert remote.list("ConfigMap").items == []


def test_an_incomplete_service_account_says_what_is_missing(
    tmp_path: Path, no_ambient_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    monkeypatch.setattr(kubeconnect, "SERVICE_ACCOUNT_DIR", account)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    with pytest.raises(KubeconfigError, match=r"service account under .*serviceaccount is incomplete.*token"):
        connect()


def test_an_unknown_context_names_the_ones_there_are(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    path = sparkfleet_kubeconfig(tls_server, tmp_path)
    with pytest.raises(KubeconfigError) as caught:
        connect(path, context="prod-eks")
    assert str(caught.value) == f'context "prod-eks" is not in kubeconfig {path}; its contexts: {CONTEXT}'


def test_a_named_context_is_used_over_the_current_one(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    config = tls_server.kubeconfig(CONTEXT)
    config["current-context"] = "broken"
    config["contexts"].append({"name": "broken", "context": {"cluster": "gone", "user": CONTEXT}})
    path = write_kubeconfig(tmp_path / "two.yaml", config)
    with pytest.raises(KubeconfigError, match=r'context "broken" names cluster "gone"'):
        connect(path)
    with connect(path, context=CONTEXT) as remote:
        assert remote.list("ConfigMap").items == []


def test_no_configuration_anywhere_says_where_it_looked(no_ambient_config: Path) -> None:
    with pytest.raises(KubeconfigError, match=r"no kubeconfig found: looked at .*\.kube/config"):
        connect()


def test_a_missing_or_malformed_kubeconfig_is_named(tmp_path: Path, no_ambient_config: Path) -> None:
    with pytest.raises(KubeconfigError, match=r"kubeconfig .*absent\.yaml does not exist"):
        connect(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("clusters: [\n")
    with pytest.raises(KubeconfigError, match=r"broken\.yaml is not valid YAML"):
        connect(broken)


def test_an_auth_provider_user_is_refused_naming_the_context(
    tls_server: ServerHandle, tmp_path: Path, no_ambient_config: Path
) -> None:
    config = tls_server.kubeconfig(CONTEXT)
    config["users"][0]["user"] = {"auth-provider": {"name": "oidc", "config": {"idp-issuer-url": "x"}}}
    with pytest.raises(
        KubeconfigError, match=rf'context "{CONTEXT}" cannot be used: auth-provider not supported'
    ):
        connect(write_kubeconfig(tmp_path / "oidc.yaml", config))
