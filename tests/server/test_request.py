"""Request helpers: bodies read by media type, checked against the path they were sent to."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import BadRequest
from sparkfleet.cluster.kinds import lookup
from sparkfleet.server.errors import UnsupportedMediaType
from sparkfleet.server.request import ApiRequest, decode, flag, number, object_for, resource_version
from sparkfleet.server.routes import ResourcePath

PODS = ResourcePath(lookup("Pod"), "spark-team-a")
NODES = ResourcePath(lookup("Node"), None)


def request(body: bytes, content_type: str = "application/json", **query: str) -> ApiRequest:
    return ApiRequest("POST", "/", query, content_type, body)


def test_bodies_are_read_as_json_or_yaml() -> None:
    assert decode(request(b'{"a": 1}')) == {"a": 1}
    assert decode(request(b'{"a": 1}', "application/merge-patch+json; charset=utf-8")) == {"a": 1}
    assert decode(request(b"a: 1\n", "application/yaml")) == {"a": 1}
    assert decode(request(b"a: 1\n", "application/apply-patch+yaml")) == {"a": 1}


def test_yaml_can_be_refused_and_other_media_types_are_unsupported() -> None:
    with pytest.raises(UnsupportedMediaType):
        decode(request(b"a: 1", "application/yaml"), yaml_allowed=False)
    with pytest.raises(UnsupportedMediaType):
        decode(request(b"\x00", "application/cbor"))
    with pytest.raises(BadRequest, match="needs a body"):
        decode(request(b"  "))


def test_an_object_gets_its_kind_and_namespace_from_the_path() -> None:
    obj = object_for(PODS, {"metadata": {"name": "p"}})
    assert (obj["kind"], obj["apiVersion"], obj["metadata"]["namespace"]) == ("Pod", "v1", "spark-team-a")


def test_a_cluster_scoped_object_loses_a_stray_namespace() -> None:
    assert object_for(NODES, {"metadata": {"name": "n", "namespace": "x"}})["metadata"] == {"name": "n"}


def test_the_name_of_the_path_fills_in_or_must_match() -> None:
    assert object_for(PODS, {}, "p")["metadata"]["name"] == "p"
    with pytest.raises(
        BadRequest, match=r"name of the object \(q\) does not match the name on the URL \(p\)"
    ):
        object_for(PODS, {"metadata": {"name": "q"}}, "p")


def test_a_body_that_is_not_an_object_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        object_for(PODS, ["pod"])
    with pytest.raises(BadRequest):
        object_for(PODS, {"metadata": "p"})


def test_query_flags_and_numbers() -> None:
    assert flag({"watch": "1"}, "watch") and flag({"watch": "True"}, "watch")
    assert not flag({"watch": "false"}, "watch") and not flag({}, "watch")
    assert number({"timeoutSeconds": "30"}, "timeoutSeconds") == 30.0
    assert number({}, "timeoutSeconds") is None
    with pytest.raises(BadRequest):
        number({"timeoutSeconds": "-1"}, "timeoutSeconds")
    with pytest.raises(BadRequest):
        number({"timeoutSeconds": "soon"}, "timeoutSeconds")


def test_a_resource_version_must_be_an_int64() -> None:
    assert resource_version({}) == ""
    assert resource_version({"resourceVersion": "0"}) == "0"
    assert resource_version({"resourceVersion": str(2**63 - 1)}) == str(2**63 - 1)
    for bad in (str(2**63), "-1", "12abc", "1e3"):
        with pytest.raises(BadRequest, match=f'invalid resourceVersion "{bad}"'):
            resource_version({"resourceVersion": bad})


def test_yaml_and_json_bodies_are_decoded_within_the_limits() -> None:
    with pytest.raises(BadRequest, match=r"the object provided is refused: .*nested more than 100 levels"):
        decode(request(b"[" * 5000 + b"]" * 5000))
    with pytest.raises(BadRequest, match=r"the object provided is refused: .*aliases"):
        decode(
            request(
                b"a: &a [1,1,1,1,1,1,1,1,1,1]\n"
                + b"".join(
                    b"%s: &%s [" % (n, n) + b",".join([b"*" + p] * 10) + b"]\n"
                    for p, n in zip(
                        [b"a", b"b", b"c", b"d", b"e"], [b"b", b"c", b"d", b"e", b"f"], strict=True
                    )
                ),
                "application/yaml",
            )
        )
    with pytest.raises(BadRequest, match="the object provided is unrecognized: expected a single document"):
        decode(request(b"a: 1\n---\nb: 2\n", "application/yaml"))
