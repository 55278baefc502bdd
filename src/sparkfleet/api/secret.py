"""Secrets and ServiceAccounts (core/v1), with the rules the API server applies to a Secret it stores.

- `data` holds base64 values; `stringData` is write-only: the API server merges it into `data` (its keys
  winning) and never stores or returns it (`merged_string_data`). A Secret without `type` is `Opaque`.
- Keys are Kubernetes' config keys (letters, digits, '-', '_' and '.'), the decoded total at most 1 MiB,
  and the well-known types need their keys (`kubernetes.io/tls`: tls.crt and tls.key, ...).
- No message here, nor anywhere a Secret is used, contains a value: only names and keys.
A ServiceAccount is stored as written: the local runtime mounts no token (pods do not talk to the API
with it), and clients that apply one with their applications find it as Kubernetes would keep it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.meta import LocalObjectReference, ObjectMeta, ObjectReference

__all__ = [
    "MAX_SECRET_BYTES",
    "Secret",
    "SecretValueError",
    "ServiceAccount",
    "WellKnownSecretType",
    "decoded_data",
    "merged_string_data",
    "validate_secret",
]

Obj = dict[str, Any]

MAX_SECRET_BYTES = 1024 * 1024
"""The API server's limit on a Secret's decoded data (MaxSecretSize)."""
_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_KEY_MAX = 253


class WellKnownSecretType(StrEnum):
    """The types Kubernetes defines (any other non-empty string is a valid custom type)."""

    OPAQUE = "Opaque"
    SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
    DOCKERCFG = "kubernetes.io/dockercfg"
    DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
    BASIC_AUTH = "kubernetes.io/basic-auth"
    SSH_AUTH = "kubernetes.io/ssh-auth"
    TLS = "kubernetes.io/tls"


# The keys each type requires: all of them, or (basic-auth) at least one.
_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    WellKnownSecretType.DOCKERCFG: (".dockercfg",),
    WellKnownSecretType.DOCKER_CONFIG_JSON: (".dockerconfigjson",),
    WellKnownSecretType.SSH_AUTH: ("ssh-privatekey",),
    WellKnownSecretType.TLS: ("tls.crt", "tls.key"),
}
_ANY_OF_KEYS: dict[str, tuple[str, ...]] = {WellKnownSecretType.BASIC_AUTH: ("username", "password")}


class Secret(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Secret"] = "Secret"
    metadata: ObjectMeta
    data: dict[str, str] = Field(default_factory=dict)
    """Values base64-encoded, as on the wire."""
    stringData: dict[str, str] = Field(default_factory=dict)
    """Plain values, merged into `data` on write and never stored."""
    type: str | None = None
    immutable: bool | None = None


class ServiceAccount(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["ServiceAccount"] = "ServiceAccount"
    metadata: ObjectMeta
    secrets: list[ObjectReference] = Field(default_factory=list)
    imagePullSecrets: list[LocalObjectReference] = Field(default_factory=list)
    automountServiceAccountToken: bool | None = None


class SecretValueError(ValueError):
    """A stored value that is not base64; the message names the key, never the value."""


def _decode(key: str, value: object) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise SecretValueError(
            f'data["{key}"] is not base64: encode the value (base64 -w0), or give it in stringData'
        ) from None


def _key_issue(path: str, key: str) -> FieldIssue | None:
    if len(key) > _KEY_MAX:
        return FieldIssue(path, f"must be no more than {_KEY_MAX} characters")
    if key in (".", "..") or key.startswith(".."):
        return FieldIssue(path, "must not be '.' or '..', nor start with '..'")
    if not _KEY.fullmatch(key):
        return FieldIssue(
            path,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name', or 'KEY_NAME', or 'key-name')",
        )
    return None


def validate_secret(secret: Secret) -> list[FieldIssue]:
    """The API server's checks of a Secret as it will be stored (stringData merged into data)."""
    issues: list[FieldIssue] = []
    sizes: dict[str, int] = {}
    for key, value in secret.data.items():
        path = f'data["{key}"]'
        bad_key = _key_issue(path, key)
        if bad_key is not None:
            issues.append(bad_key)
        try:
            sizes[key] = len(_decode(key, value))
        except SecretValueError:
            issues.append(FieldIssue(path, "is not base64: encode the value, or give it in stringData"))
    for key, value in secret.stringData.items():
        bad_key = _key_issue(f'stringData["{key}"]', key)
        if bad_key is not None:
            issues.append(bad_key)
        sizes[key] = len(value.encode())
    total = sum(sizes.values())
    if total > MAX_SECRET_BYTES:
        issues.append(FieldIssue("data", f"Too long: must have at most {MAX_SECRET_BYTES} bytes"))
    if secret.type == "":
        issues.append(FieldIssue("type", "must not be empty: leave it out for Opaque, or name a type"))
    kind = secret.type or WellKnownSecretType.OPAQUE
    keys = secret.data.keys() | secret.stringData.keys()
    for required in _REQUIRED_KEYS.get(kind, ()):
        if required not in keys:
            issues.append(FieldIssue(f'data["{required}"]', f"required for a Secret of type {kind}"))
    either = _ANY_OF_KEYS.get(kind)
    if either and not keys & set(either):
        listed = " or ".join(f'data["{key}"]' for key in either)
        issues.append(FieldIssue("data", f"a Secret of type {kind} needs {listed}"))
    return issues


def merged_string_data(obj: Obj) -> Obj:
    """A written Secret as the API server stores it: stringData merged into data, type Opaque when
    unset. Anything malformed is left for validation to report (this only moves what is well formed)."""
    string_data = obj.get("stringData")
    if "stringData" not in obj and obj.get("type"):
        return obj
    out = {key: value for key, value in obj.items() if key != "stringData"}
    if isinstance(string_data, Mapping) and string_data:
        data = dict(out.get("data") or {})
        for key, value in string_data.items():
            data[str(key)] = base64.b64encode(str(value).encode()).decode()
        out["data"] = data
    elif string_data not in (None, {}):
        out["stringData"] = string_data
    if not out.get("type"):
        out["type"] = WellKnownSecretType.OPAQUE.value
    return out


def decoded_data(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """A stored Secret's values as bytes; SecretValueError (naming the key) for one that is not base64."""
    data = secret.get("data") or {}
    return {str(key): _decode(str(key), value) for key, value in data.items()}
