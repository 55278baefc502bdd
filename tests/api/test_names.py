"""Kubernetes' name rules, with Kubernetes' messages, and where in a pod and a SparkApplication they apply."""

from __future__ import annotations

import pytest

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.names import (
    DNS1123_LABEL_RULE,
    SHOWN_MAX,
    object_name_rule,
    object_spec_issues,
    pod_spec_issues,
    port_name_problems,
    shown_value,
)

LABEL_RULE_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def test_a_volume_named_to_climb_is_reported_as_kubernetes_reports_it() -> None:
    issues = pod_spec_issues({"volumes": [{"name": "../x", "emptyDir": {}}], "containers": [{"name": "c"}]})
    assert issues == [FieldIssue("spec.volumes[0].name", f'Invalid value: "../x": {LABEL_RULE_TEXT}')]


@pytest.mark.parametrize(
    "name,problems",
    [
        ("spark-local-dir-1", []),
        ("a" * 63, []),
        ("a" * 64, ["must be no more than 63 characters"]),
        ("My_Volume", [LABEL_RULE_TEXT]),
        ("-x", [LABEL_RULE_TEXT]),
    ],
)
def test_a_dns_label_is_lower_case_alphanumerics_and_inner_dashes(name: str, problems: list[str]) -> None:
    assert DNS1123_LABEL_RULE.problems(name) == problems


@pytest.mark.parametrize(
    "name,problems",
    [
        ("driver-rpc-port", []),
        ("http", []),
        ("blockmanager-port", ["must be no more than 15 characters"]),
        ("8080", ["must contain at least one letter (a-z)"]),
        ("a--b", ["must not contain consecutive hyphens"]),
        ("-ui", ["must not begin or end with a hyphen"]),
        (
            "UI",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
        ),
    ],
)
def test_a_port_name_is_an_iana_service_name(name: str, problems: list[str]) -> None:
    assert port_name_problems(name) == problems


@pytest.mark.parametrize(
    "kind,name,ok",
    [
        ("ConfigMap", "spark.conf-1", True),
        ("Namespace", "spark.team", False),
        ("Service", "1-svc", False),
        ("Service", "pi-ui-svc", True),
        ("Pod", "a" * 254, False),
    ],
)
def test_object_names_follow_the_rule_of_their_kind(kind: str, name: str, ok: bool) -> None:
    assert object_name_rule(kind).matches(name) is ok


def test_every_part_of_a_pod_spec_is_checked_with_its_field_path() -> None:
    spec = {
        "volumes": [
            {"name": "conf", "configMap": {"name": "conf", "items": [{"key": "k", "path": "../k"}]}},
            {"name": "conf", "emptyDir": {}},
            {"name": "host", "hostPath": {"path": "/mnt/../../etc"}},
            {"name": "token", "secret": {"secretName": "s", "items": [{"key": "k", "path": "/abs"}]}},
        ],
        "initContainers": [{"name": "main"}],
        "containers": [
            {
                "name": "main",
                "ports": [{"name": "Web", "containerPort": 80}],
                "volumeMounts": [{"name": "ghost", "mountPath": "/g", "subPath": "../../x"}],
            }
        ],
    }
    assert [(i.path, i.message.split(": ")[0]) for i in pod_spec_issues(spec)] == [
        ("spec.volumes[0].configMap.items[0].path", "Invalid value"),
        ("spec.volumes[1].name", "Duplicate value"),
        ("spec.volumes[2].hostPath.path", "Invalid value"),
        ("spec.volumes[3].secret.items[0].path", "Invalid value"),
        ("spec.containers[0].name", "Duplicate value"),
        ("spec.containers[0].ports[0].name", "Invalid value"),
        ("spec.containers[0].volumeMounts[0].name", "Not found"),
        ("spec.containers[0].volumeMounts[0].subPath", "Invalid value"),
    ]


def test_a_spark_application_is_checked_where_its_parts_reach_the_pods() -> None:
    app = {
        "spec": {
            "volumes": [{"name": "../x", "emptyDir": {}}],
            "driver": {
                "sidecars": [{"name": "Log_Shipper"}],
                "ports": [{"name": "jmx-exporter-port", "containerPort": 8090, "protocol": "TCP"}],
                "volumeMounts": [{"name": "x", "mountPath": "/x", "subPath": "/abs"}],
                "template": {"spec": {"volumes": [{"name": "UPPER", "emptyDir": {}}]}},
            },
            "executor": {"initContainers": [{"name": "../init"}]},
        }
    }
    assert [i.path for i in object_spec_issues("SparkApplication", app)] == [
        "spec.volumes[0].name",
        "spec.driver.sidecars[0].name",
        "spec.driver.ports[0].name",
        "spec.driver.volumeMounts[0].subPath",
        "spec.driver.template.spec.volumes[0].name",
        "spec.executor.initContainers[0].name",
    ]
    scheduled = object_spec_issues("ScheduledSparkApplication", {"spec": {"template": app["spec"]}})
    assert scheduled[0].path == "spec.template.volumes[0].name"


def test_a_long_value_is_quoted_cut_with_its_length_said() -> None:
    assert shown_value("abc") == '"abc"'
    assert shown_value(7) == "7"
    assert shown_value("x" * 10_000) == f'"{"x" * SHOWN_MAX}..." (10000 characters)'
