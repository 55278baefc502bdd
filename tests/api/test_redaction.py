"""Spark's redaction rule, written once: which settings hold secrets and how every human view shows them."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path
from typing import Any

import pyspark

from sparkfleet.api.redaction import (
    REDACTED,
    SPARK_REDACTION_REGEX,
    RedactionRule,
    redact_conf,
    redact_env,
    redact_message,
    redact_properties,
    redacted_object,
    shown_setting,
)

SECRET = "s3cr3t-value"


def test_the_default_is_the_one_of_the_spark_the_runtime_runs() -> None:
    jars = Path(pyspark.__file__).parent / "jars"
    (core,) = jars.glob("spark-core_*.jar")
    with zipfile.ZipFile(core) as jar:
        compiled = jar.read("org/apache/spark/internal/config/package$.class")
    assert SPARK_REDACTION_REGEX.encode() in compiled


def test_keys_or_values_that_match_are_redacted_as_spark_redacts_them() -> None:
    conf = {
        "spark.hadoop.fs.s3a.secret.key": SECRET,
        "spark.hadoop.fs.s3a.access.key": "AKIA",
        "spark.hadoop.fs.s3a.accesskey": "AKIA",
        "spark.ssl.keyStorePassword": SECRET,
        "spark.kubernetes.authenticate.oauthToken": SECRET,
        "spark.custom.header": "Bearer token-abc",
        "spark.executor.memory": "4g",
        "spark.app.name": "pi",
    }
    assert redact_conf(conf) == {
        **{k: REDACTED for k in conf if k not in ("spark.executor.memory", "spark.app.name")},
        "spark.executor.memory": "4g",
        "spark.app.name": "pi",
    }


def test_the_applications_own_rule_adds_to_the_default_and_never_replaces_it() -> None:
    rule = RedactionRule({"spark.redaction.regex": "(?i)internal"})
    assert rule.sensitive("spark.internal.endpoint", "x")
    assert rule.sensitive("spark.hadoop.fs.s3a.secret.key", SECRET)
    assert RedactionRule({"spark.redaction.regex": "(unclosed"}).sensitive("x.password", "")


def test_env_properties_messages_and_settings_are_redacted() -> None:
    env = [{"name": "DB_PASSWORD", "value": SECRET}, {"name": "MODE", "value": "fast"}]
    ref = {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}
    assert redact_env([*env, ref]) == [{"name": "DB_PASSWORD", "value": REDACTED}, env[1], ref]
    text = (
        f"#conf\nspark.app.name=pi\nspark.hadoop.fs.s3a.secret.key={SECRET}\nspark.ssl.password : {SECRET}\n"
    )
    assert redact_properties(text).splitlines() == [
        "#conf",
        "spark.app.name=pi",
        f"spark.hadoop.fs.s3a.secret.key={REDACTED}",
        f"spark.ssl.password : {REDACTED}",
    ]
    message = f"spark.ssl.password='{SECRET}' is not allowed, spark.executor.cores=2 is"
    assert (
        redact_message(message) == f"spark.ssl.password={REDACTED} is not allowed, spark.executor.cores=2 is"
    )
    assert shown_setting("spark.ssl.password", SECRET) == f"spark.ssl.password={REDACTED}"
    assert shown_setting("spark.executor.cores", "x") == "spark.executor.cores='x'"


def test_objects_are_shown_with_their_secrets_redacted_and_left_as_stored() -> None:
    app: dict[str, Any] = {
        "kind": "SparkApplication",
        "spec": {
            "sparkConf": {"spark.hadoop.fs.s3a.secret.key": SECRET, "spark.app.name": "pi"},
            "hadoopConf": {"fs.s3a.secret.key": SECRET},
            "driver": {"env": [{"name": "API_TOKEN", "value": SECRET}], "envVars": {"PASSWORD": SECRET}},
        },
    }
    shown = redacted_object(app)
    assert SECRET not in str(shown) and shown["spec"]["sparkConf"]["spark.app.name"] == "pi"
    assert app["spec"]["sparkConf"]["spark.hadoop.fs.s3a.secret.key"] == SECRET, (
        "the stored object is untouched"
    )
    scheduled = {"kind": "ScheduledSparkApplication", "spec": {"schedule": "@daily", "template": app["spec"]}}
    assert SECRET not in str(redacted_object(scheduled))
    config_map = {"kind": "ConfigMap", "data": {"spark.properties": f"spark.ssl.password={SECRET}\n"}}
    assert SECRET not in str(redacted_object(config_map))
    pod = {
        "kind": "Pod",
        "spec": {"containers": [{"name": "c", "env": [{"name": "PASSWORD", "value": SECRET}]}]},
    }
    assert SECRET not in str(redacted_object(pod))
    secret = {
        "kind": "Secret",
        "type": "Opaque",
        "data": {"password": base64.b64encode(SECRET.encode()).decode()},
    }
    assert redacted_object(secret)["data"] == {"password": f"{len(SECRET)} bytes"}
