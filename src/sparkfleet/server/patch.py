"""The PATCH flavours of the Kubernetes API, as pure functions from (live object, patch) to the result.

- `application/merge-patch+json`: RFC 7386 (null deletes, objects merge, everything else replaces).
- `application/json-patch+json`: RFC 6902 with the ops add, remove, replace, move, copy and test.
- `application/strategic-merge-patch+json`: for the core kinds, a merge patch whose lists of objects merge
  by the key Kubernetes declares for them (containers and volumes by name, container ports by
  containerPort, ...), with the `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList`
  directives. Custom kinds (SparkApplication, NodePool, ...) have no declared merge keys, so there it is a
  plain merge patch (a real API server refuses strategic patches of custom resources instead).
- `application/apply-patch+yaml` (server-side apply), simplified: the applied configuration creates the
  object if absent, else it is merged in like a strategic merge patch. Field ownership is not tracked, so
  there are no apply conflicts (`force` changes nothing) and a field left out of a later apply is kept.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from sparkfleet.cluster import BadRequest, Invalid, merge_patch

__all__ = [
    "PatchType",
    "apply_json_patch",
    "apply_patch",
    "strategic_merge_patch",
]


class PatchType(StrEnum):
    MERGE = "application/merge-patch+json"
    STRATEGIC = "application/strategic-merge-patch+json"
    JSON = "application/json-patch+json"
    APPLY = "application/apply-patch+yaml"


# --- RFC 6902 -------------------------------------------------------------------------------------


def _pointer(text: object) -> list[str]:
    """RFC 6901: "" is the whole document; "/a/b~1c" is ["a", "b/c"]."""
    if not isinstance(text, str):
        raise BadRequest(f"a JSON pointer must be a string, got {text!r}")
    if text == "":
        return []
    if not text.startswith("/"):
        raise BadRequest(f'JSON pointer "{text}" must start with "/"')
    return [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]


_INDEX = re.compile(r"0|[1-9][0-9]*")


def _index(token: str, size: int, path: str, *, appending: bool) -> int:
    if appending and token == "-":
        return size
    if not _INDEX.fullmatch(token):
        raise Invalid(f'JSON patch path "{path}": "{token}" is not an array index')
    index = int(token)
    if index > size or (index == size and not appending):
        raise Invalid(f'JSON patch path "{path}": index {index} is out of range (array size {size})')
    return index


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise Invalid(f'JSON patch path "{path}": "{token}" does not exist')
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), path, appending=False)]
        else:
            raise Invalid(f'JSON patch path "{path}": "{token}" is inside a value that is not a container')
    return node


def _get(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Invalid(f'JSON patch path "{path}": "{last}" does not exist')
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(last, len(parent), path, appending=False)]
    raise Invalid(f'JSON patch path "{path}": the parent is not a container')


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), path, appending=True), value)
    else:
        raise Invalid(f'JSON patch path "{path}": the parent is not a container')
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    """The document without the value at `path`, and that value."""
    tokens = _pointer(path)
    if not tokens:
        raise Invalid("JSON patch: the whole document cannot be removed")
    parent, last = _parent(doc, tokens, path), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Invalid(f'JSON patch: unable to remove nonexistent key "{last}" (path "{path}")')
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), path, appending=False))
    raise Invalid(f'JSON patch path "{path}": the parent is not a container')


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: unlike Python's, true is not 1 and 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _field(op: Mapping[str, Any], name: str, index: int) -> Any:
    if name not in op:
        raise BadRequest(f'JSON patch operation {index} ("{op.get("op")}") needs "{name}"')
    return op[name]


def apply_json_patch(doc: Any, patch: Any) -> Any:
    """RFC 6902. A malformed patch is BadRequest; an operation that cannot apply is Invalid."""
    if not isinstance(patch, list):
        raise BadRequest("a JSON patch must be a JSON array of operations")
    result = copy.deepcopy(doc)
    for i, op in enumerate(patch):
        if not isinstance(op, dict):
            raise BadRequest(f"JSON patch operation {i} must be an object")
        name = op.get("op")
        path = _field(op, "path", i)
        match name:
            case "add":
                result = _add(result, path, copy.deepcopy(_field(op, "value", i)))
            case "remove":
                result, _ = _remove(result, path)
            case "replace":
                _get(result, path)  # must exist
                result, _ = _remove(result, path) if _pointer(path) else (result, None)
                result = _add(result, path, copy.deepcopy(_field(op, "value", i)))
            case "move":
                source = _field(op, "from", i)
                if path != source and path.startswith(f"{source}/"):
                    raise Invalid(f'JSON patch: cannot move "{source}" into its own child "{path}"')
                result, value = _remove(result, source)
                result = _add(result, path, value)
            case "copy":
                value = copy.deepcopy(_get(result, _field(op, "from", i)))
                result = _add(result, path, value)
            case "test":
                expected = _field(op, "value", i)
                if not _json_equal(_get(result, path), expected):
                    raise Invalid(f'JSON patch test failed: the value at "{path}" is not {expected!r}')
            case _:
                raise BadRequest(
                    f'JSON patch operation {i}: unknown op "{name}" '
                    "(add, remove, replace, move, copy or test)"
                )
    return result


# --- strategic merge ------------------------------------------------------------------------------

# patchMergeKey of the core API's merged lists, by field name (the same name means the same key in every
# core type; container and service ports differ, see _ports_key).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "resourceClaims": "name",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
    "conditions": "type",
    "addresses": "type",
}
# Lists of scalars merged as sets.
_MERGED_SCALAR_LISTS = frozenset({"finalizers"})
_PATCH = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


def _ports_key(*lists: list[Any]) -> str:
    for items in lists:
        for item in items:
            if isinstance(item, dict) and "containerPort" in item:
                return "containerPort"
    return "port"


def _merge_key(field: str, live: list[Any], patch: list[Any]) -> str | None:
    if field == "ports":
        return _ports_key(patch, live)
    return _MERGE_KEYS.get(field)


def _merge_keyed_list(live: list[Any], patch: list[Any], key: str) -> list[Any]:
    if any(isinstance(item, dict) and item.get(_PATCH) == "replace" for item in patch):
        return [_strip(item) for item in patch if not (isinstance(item, dict) and _PATCH in item)]
    result = [copy.deepcopy(item) for item in live]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            result.append(copy.deepcopy(item))
            continue
        at = next(
            (i for i, cur in enumerate(result) if isinstance(cur, dict) and cur.get(key) == item[key]), None
        )
        if item.get(_PATCH) == "delete":
            if at is not None:
                result.pop(at)
        elif at is None:
            result.append(_strip(item))
        else:
            result[at] = _strategic(result[at], item)
    return result


def _merge_scalar_list(live: list[Any], patch: list[Any]) -> list[Any]:
    return list(live) + [v for v in patch if v not in live]


def _strip(value: Any) -> Any:
    """A patch value with its directives removed, as it is stored when there is nothing to merge with."""
    if isinstance(value, dict):
        return {
            k: _strip(v)
            for k, v in value.items()
            if k not in (_PATCH, _RETAIN_KEYS)
            and not k.startswith((_SET_ORDER, _DELETE_FROM))
            and v is not None
        }
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _strategic(live: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get(_PATCH) == "replace":
        return _strip(patch)
    result: dict[str, Any] = dict(live) if isinstance(live, dict) else {}
    for key, value in patch.items():
        if key in (_PATCH, _RETAIN_KEYS) or key.startswith(_SET_ORDER):
            continue
        if key.startswith(_DELETE_FROM):
            field = key[len(_DELETE_FROM) :]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
            continue
        current = result.get(key)
        if value is None or (isinstance(value, dict) and value.get(_PATCH) == "delete"):
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(current, list):
            merge_key = _merge_key(key, current, value)
            if merge_key is not None:
                result[key] = _merge_keyed_list(current, value, merge_key)
            elif key in _MERGED_SCALAR_LISTS:
                result[key] = _merge_scalar_list(current, value)
            else:
                result[key] = _strip(value)
        elif isinstance(value, list):
            result[key] = _strip(value)
        else:
            result[key] = _strategic(current, value)
    retain = patch.get(_RETAIN_KEYS)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def strategic_merge_patch(live: Any, patch: Any) -> Any:
    """A strategic merge patch over the core API's merge keys (see the module docstring)."""
    if not isinstance(patch, dict):
        raise BadRequest("a strategic merge patch must be a JSON object")
    return _strategic(live, patch)


def apply_patch(live: Any, patch: Any, patch_type: PatchType, *, core: bool) -> Any:
    """The patched object. `core`: the kind is a core Kubernetes kind (strategic merge keys apply)."""
    merge: Callable[[Any, Any], Any] = strategic_merge_patch if core else merge_patch
    match patch_type:
        case PatchType.MERGE:
            if not isinstance(patch, dict):
                raise BadRequest("a merge patch must be a JSON object")
            return merge_patch(live, patch)
        case PatchType.STRATEGIC | PatchType.APPLY:
            if not isinstance(patch, dict):
                raise BadRequest(f"a {patch_type.value} patch must be an object")
            return merge(live, patch)
        case PatchType.JSON:
            return apply_json_patch(live, patch)
    raise AssertionError(patch_type)  # pragma: no cover - the match is exhaustive
