"""Name rules per kind, as the API server applies them."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.embedded.validation import check_name
from sparkfleet.cluster.errors import Invalid
from sparkfleet.cluster.kinds import lookup


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Pod", "spark-pi-driver"),
        ("Node", "ip-10-0-1-23.ec2.internal"),
        ("Event", "spark-pi-driver.17a3b4c5d6e7f809"),
        ("Namespace", "spark-team-a"),
        ("Service", "spark-pi-ui-svc"),
        ("NodePool", "spark-compute-optimized"),
        ("Pod", "0-starts-with-digit"),
        ("Pod", "a" * 253),
    ],
)
def test_valid_names(kind: str, name: str) -> None:
    assert check_name(lookup(kind), name) == name


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("Pod", "Spark", "RFC 1123 subdomain"),
        ("Pod", "a" * 254, "no more than 253"),
        ("Namespace", "a.b", "RFC 1123 label"),
        ("Namespace", "a" * 64, "no more than 63"),
        ("Service", "9lives", "DNS-1035"),
        ("Pod", "", "required"),
        ("Pod", None, "required"),
    ],
)
def test_invalid_names_say_which_rule_they_break(kind: str, name: object, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        check_name(lookup(kind), name)
