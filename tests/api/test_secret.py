"""Secrets as the API server stores them: stringData merged into data, Opaque by default, keys and sizes
and the well-known types checked, and no value in any message."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from sparkfleet.api.manifests import check_text
from sparkfleet.api.secret import (
    MAX_SECRET_BYTES,
    Secret,
    SecretValueError,
    ServiceAccount,
    decoded_data,
    merged_string_data,
    validate_secret,
)

VALUE = "hunter2-value"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(**body: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "ns"}, **body}


def issues(**body: Any) -> list[str]:
    return [str(i) for i in validate_secret(Secret.model_validate(secret(**body)))]


def test_string_data_is_merged_into_data_and_wins_and_is_never_stored() -> None:
    stored = merged_string_data(
        secret(data={"user": b64("old"), "keep": b64("k")}, stringData={"user": "new"})
    )
    assert "stringData" not in stored
    assert decoded_data(stored) == {"user": b"new", "keep": b"k"}
    assert stored["type"] == "Opaque"


def test_a_typed_secret_without_string_data_is_stored_as_written() -> None:
    written = secret(type="kubernetes.io/tls", data={"tls.crt": b64("c"), "tls.key": b64("k")})
    assert merged_string_data(written) is written


def test_a_valid_secret_has_no_issues() -> None:
    assert issues(data={"password": b64(VALUE)}, stringData={"user.name": "spark"}) == []


def test_values_that_are_not_base64_are_refused_without_showing_them() -> None:
    found = issues(data={"password": VALUE + "!"})
    assert found == ['data["password"]: is not base64: encode the value, or give it in stringData']
    with pytest.raises(SecretValueError) as refused:
        decoded_data(secret(data={"password": VALUE + "!"}))
    assert VALUE not in str(refused.value) and '"password"' in str(refused.value)


def test_keys_follow_the_config_key_rule() -> None:
    assert issues(data={"a/b": b64("x")}) == [
        "data[\"a/b\"]: a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
        "(e.g. 'key.name', or 'KEY_NAME', or 'key-name')"
    ]
    assert issues(stringData={"..": "x"}) == [
        "stringData[\"..\"]: must not be '.' or '..', nor start with '..'"
    ]


def test_the_total_size_is_at_most_one_mebibyte() -> None:
    assert issues(stringData={"big": "x" * MAX_SECRET_BYTES}) == []
    assert issues(stringData={"big": "x" * MAX_SECRET_BYTES, "one": "y"}) == [
        f"data: Too long: must have at most {MAX_SECRET_BYTES} bytes"
    ]


def test_well_known_types_need_their_keys() -> None:
    assert issues(type="kubernetes.io/tls", data={"tls.crt": b64("c")}) == [
        'data["tls.key"]: required for a Secret of type kubernetes.io/tls'
    ]
    assert issues(type="kubernetes.io/tls", stringData={"tls.crt": "c", "tls.key": "k"}) == []
    assert issues(type="kubernetes.io/basic-auth") == [
        'data: a Secret of type kubernetes.io/basic-auth needs data["username"] or data["password"]'
    ]
    assert issues(type="example.com/custom") == []


def test_manifests_of_secrets_and_service_accounts_are_checked_like_any_kind() -> None:
    text = f"""
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: ns}}
stringData: {{password: {VALUE}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: spark, namespace: ns}}
imagePullSecrets: [{{name: registry}}]
---
apiVersion: v1
kind: Secret
metadata: {{name: bad, namespace: ns}}
data: {{password: "{VALUE}!"}}
"""
    checked = check_text(text).objects
    assert [c.kind for c in checked] == ["Secret", "ServiceAccount", "Secret"]
    assert [c.ok for c in checked] == [True, True, False]
    assert isinstance(checked[1].obj, ServiceAccount)
    assert VALUE not in " ".join(str(i) for i in checked[2].issues)
