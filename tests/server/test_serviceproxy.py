"""The services/proxy subresource: how `{id}` is split, which pod and port a Service resolves to, and the
request forwarded to a real server on loopback and its answer streamed back, refusals as Status."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.wire import ANNOTATION_LOOPBACK_PORTS
from sparkfleet.cluster import BadRequest, NotFound, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app
from sparkfleet.server.console import COOKIE
from sparkfleet.server.errors import ServiceUnavailable
from sparkfleet.server.limits import RequestLimits
from sparkfleet.server.serviceproxy import (
    Endpoint,
    ServiceId,
    forwarded_path,
    parse_service_id,
    resolve_endpoint,
)
from sparkfleet.server.tokens import add_token
from support.objects import pod

from .builders import AUTH, TOKEN, TestClient

PROXY = "/api/v1/namespaces/default/services/ui-svc:4040/proxy"


def service(name: str = "ui-svc", *, selector: dict[str, str] | None = None, **port: Any) -> Obj:
    ports = {"name": "spark-driver-ui-port", "port": 4040, "targetPort": 4040, **port}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": "pi"} if selector is None else selector, "ports": [ports]},
    }


def running_pod(
    cluster: EmbeddedCluster,
    name: str = "pi-driver",
    *,
    ip: str = "127.0.0.1",
    ready: str = "True",
    loopback_ports: dict[str, int] | None = None,
) -> Obj:
    made = pod(name, labels={"app": "pi"})
    made["spec"]["containers"][0]["ports"] = [{"name": "spark-ui", "containerPort": 4040}]
    if loopback_ports is not None:
        made["metadata"]["annotations"] = {ANNOTATION_LOOPBACK_PORTS: json.dumps(loopback_ports)}
    stored = cluster.create(made)
    status = {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": ready}]}
    return cluster.update_status({**stored, "status": status})


class Recorder(http.server.BaseHTTPRequestHandler):
    """A pod's server: answers every request with what it received, as JSON; /redirect redirects."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path.startswith("/redirect"):
            under = PROXY if "proxied" in self.path else ""  # as Spark's UI with its proxyBase redirects
            self.send_response(302)
            self.send_header(
                "Location", f"http://127.0.0.1:{self.server.server_address[1]}{under}/jobs/?id=1"
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        seen = {
            "method": self.command,
            "path": self.path,
            "body": body,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }
        payload = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def pod_server() -> Iterator[int]:
    """A server on a loopback port of its own, as a driver's UI is; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the id and the path -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ui-svc", ServiceId("", "ui-svc", "")),
        ("ui-svc:4040", ServiceId("", "ui-svc", "4040")),
        ("ui-svc:spark-driver-ui-port", ServiceId("", "ui-svc", "spark-driver-ui-port")),
        ("https:ui-svc:4040", ServiceId("https", "ui-svc", "4040")),
        ("http:ui-svc:", ServiceId("http", "ui-svc", "")),
    ],
)
def test_a_service_id_splits_into_scheme_name_and_port(text: str, expected: ServiceId) -> None:
    assert parse_service_id(text) == expected


@pytest.mark.parametrize("text", [":4040", "ftp:ui-svc:21", "a:b:c:d", ""])
def test_an_id_kube_apiserver_cannot_split_is_a_bad_request_naming_it(text: str) -> None:
    with pytest.raises(BadRequest, match=f'invalid service request "{text}"'):
        parse_service_id(text)


def test_the_path_after_proxy_is_the_pods_path_with_its_encoding_kept() -> None:
    assert forwarded_path(PROXY + "/api/v1/applications") == (PROXY, "/api/v1/applications")
    assert forwarded_path(PROXY + "/") == (PROXY, "/")
    assert forwarded_path(PROXY) == (PROXY, "")
    assert forwarded_path(PROXY + "/a%2Fb/c") == (PROXY, "/a%2Fb/c")


# --- resolution ----------------------------------------------------------------------------------------


def test_a_numbered_port_resolves_to_the_running_pods_target_port(cluster: EmbeddedCluster) -> None:
    cluster.create(service())
    running_pod(cluster)
    found = resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040"))
    assert found == Endpoint("http", "127.0.0.1", 4040, "pi-driver")


def test_a_named_target_port_is_the_pods_container_port_of_that_name(cluster: EmbeddedCluster) -> None:
    cluster.create(service(port=8080, targetPort="spark-ui"))
    running_pod(cluster)
    assert resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "8080")).port == 4040
    by_name = resolve_endpoint(cluster, "default", ServiceId("https", "ui-svc", "spark-driver-ui-port"))
    assert (by_name.scheme, by_name.port) == ("https", 4040)


def test_the_loopback_port_recorded_on_the_pod_is_where_the_request_goes(cluster: EmbeddedCluster) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": 4043})
    assert resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040")).port == 4043


def test_a_missing_service_is_not_found(cluster: EmbeddedCluster) -> None:
    with pytest.raises(NotFound, match='"ui-svc" not found'):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040"))


def test_a_port_number_the_service_lacks_is_unavailable_as_kube_apiserver_says(
    cluster: EmbeddedCluster,
) -> None:
    cluster.create(service())
    running_pod(cluster)
    with pytest.raises(ServiceUnavailable, match='no service port 8080 found for service "ui-svc"'):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "8080"))
    with pytest.raises(ServiceUnavailable, match='no endpoints available for service "ui-svc:other"'):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "other"))


def test_pending_and_unready_pods_are_no_endpoints(cluster: EmbeddedCluster) -> None:
    cluster.create(service())
    cluster.create(pod("pi-pending", labels={"app": "pi"}))
    running_pod(cluster, ready="False")
    with pytest.raises(ServiceUnavailable, match='no endpoints available for service "ui-svc"'):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040"))


def test_a_service_without_a_selector_has_no_endpoints(cluster: EmbeddedCluster) -> None:
    cluster.create(service(selector={}))
    running_pod(cluster)
    with pytest.raises(ServiceUnavailable, match='no endpoints available for service "ui-svc"'):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040"))


def test_a_pod_off_this_machines_loopback_is_not_reached(cluster: EmbeddedCluster) -> None:
    cluster.create(service())
    running_pod(cluster, ip="10.0.1.7")
    with pytest.raises(ServiceUnavailable, match=re.escape('pod "pi-driver" has IP "10.0.1.7"')):
        resolve_endpoint(cluster, "default", ServiceId("", "ui-svc", "4040"))


# --- through the API -----------------------------------------------------------------------------------


def test_a_request_reaches_the_pod_with_its_method_path_query_and_body(
    cluster: EmbeddedCluster, client: TestClient, pod_server: int
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": pod_server})
    answer = client.post(
        PROXY + "/api/v1/applications?status=running",
        content=b'{"kill": false}',
    )
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["method"], seen["path"], seen["body"]) == (
        "POST",
        "/api/v1/applications?status=running",
        '{"kill": false}',
    )
    assert "authorization" not in seen["headers"], "the client's token stays with the API server"
    assert seen["headers"]["x-forwarded-uri"] == PROXY + "/api/v1/applications"


def test_the_console_cookie_is_not_forwarded_but_other_cookies_are(
    cluster: EmbeddedCluster, client: TestClient, pod_server: int
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": pod_server})
    seen = client.get(PROXY + "/", headers={"Cookie": f"{COOKIE}=the-token; theme=dark"}).json()
    assert seen["headers"]["cookie"] == "theme=dark"


def test_a_redirect_to_the_pod_is_put_under_the_proxy_path(
    cluster: EmbeddedCluster, client: TestClient, pod_server: int
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": pod_server})
    answer = client.get(PROXY + "/redirect", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == PROXY + "/jobs/?id=1"
    already = client.get(PROXY + "/redirect?proxied", follow_redirects=False)
    assert already.headers["location"] == PROXY + "/jobs/?id=1", "the pod's address goes, the path stays"


def test_the_bare_proxy_path_redirects_to_its_slash_form(
    cluster: EmbeddedCluster, client: TestClient
) -> None:
    answer = client.get(PROXY + "?x=1", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (301, PROXY + "/?x=1")


def test_without_a_token_the_proxy_answers_401(anonymous: TestClient) -> None:
    answer = anonymous.get(PROXY + "/api/v1/applications")
    assert answer.status_code == 401
    assert answer.json()["kind"] == "Status"


def test_a_read_only_token_is_refused_as_rbac_refuses_a_role_without_services_proxy(
    cluster: EmbeddedCluster, tmp_path: Path, pod_server: int
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": pod_server})
    token_file = tmp_path / "tokens.json"
    _, reader = add_token(token_file, "ci", read_only=True, now=datetime(2026, 1, 2, tzinfo=UTC))
    with TestClient(create_app(cluster, TOKEN, token_file=token_file)) as http:
        answer = http.get(PROXY + "/jobs/", headers={"Authorization": f"Bearer {reader}"})
    assert answer.status_code == 403
    assert answer.json()["message"] == (
        'services "ui-svc" is forbidden: User "readonly:ci" cannot get resource "services/proxy" in API '
        'group "" in the namespace "default"'
    )


def test_a_missing_service_answers_a_404_status(client: TestClient) -> None:
    answer = client.get(PROXY + "/api/v1/applications")
    assert answer.status_code == 404
    body = answer.json()
    assert (body["kind"], body["reason"], body["details"]) == (
        "Status",
        "NotFound",
        {"name": "ui-svc", "kind": "services"},
    )


def test_no_running_pod_answers_503_no_endpoints(cluster: EmbeddedCluster, client: TestClient) -> None:
    cluster.create(service())
    answer = client.get(PROXY + "/")
    assert answer.status_code == 503
    assert answer.json()["message"] == 'no endpoints available for service "ui-svc"'


def test_a_pod_that_does_not_listen_answers_503_error_trying_to_reach_service(
    cluster: EmbeddedCluster, client: TestClient
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": closed_port()})
    answer = client.get(PROXY + "/")
    assert answer.status_code == 503
    assert answer.json()["message"].startswith("error trying to reach service: http://127.0.0.1:")


def test_an_id_that_cannot_be_split_answers_400(client: TestClient) -> None:
    answer = client.get("/api/v1/namespaces/default/services/a:b:c:d/proxy/")
    assert (answer.status_code, answer.json()["reason"]) == (400, "BadRequest")


def test_a_body_over_the_limit_is_refused_before_the_pod_is_asked(
    cluster: EmbeddedCluster, pod_server: int
) -> None:
    cluster.create(service())
    running_pod(cluster, loopback_ports={"4040": pod_server})
    app = create_app(cluster, TOKEN, limits=RequestLimits(max_body_bytes=16))
    with TestClient(app, headers=AUTH) as limited:
        answer = limited.post(PROXY + "/", content=b"x" * 17)
    assert (answer.status_code, answer.json()["reason"]) == (413, "RequestEntityTooLarge")
