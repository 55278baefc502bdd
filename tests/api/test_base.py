"""Unknown fields are errors with a hint; every problem carries the field path."""

import pytest
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, did_you_mean, issues_from, loc_to_path
from sparkfleet.api.pod import Pod


def _issues(doc: dict[str, object]) -> list[FieldIssue]:
    with pytest.raises(ValidationError) as info:
        Pod.model_validate(doc)
    return issues_from(info.value, Pod)


def test_paths_read_like_manifests() -> None:
    assert loc_to_path(("spec", "volumes", 0, "name")) == "spec.volumes[0].name"
    assert loc_to_path(()) == ""


def test_unknown_nested_field_gets_did_you_mean() -> None:
    issues = _issues({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "imge": "x"}]}})
    assert [str(i) for i in issues] == ['spec.containers[0].imge: unknown field (did you mean "image"?)']


def test_unknown_field_without_a_close_match_says_remove_it() -> None:
    issues = _issues({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "zzzqqq": 1}})
    assert [str(i) for i in issues] == ["spec.zzzqqq: unknown field; remove it"]


def test_case_only_difference_is_hinted() -> None:
    assert did_you_mean("nodeselector", ["nodeSelector", "tolerations"]) == ' (did you mean "nodeSelector"?)'


def test_every_problem_is_reported_not_just_the_first() -> None:
    issues = _issues(
        {
            "metadata": {"name": "p"},
            "spec": {
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1x"}}}],
                "tolerations": [{"key": "a", "operatr": "Exists"}],
            },
        }
    )
    paths = sorted(i.path for i in issues)
    assert paths == ["spec.containers[0].resources.requests.cpu", "spec.tolerations[0].operatr"]


def test_missing_required_field_is_named() -> None:
    issues = _issues({"metadata": {"name": "p"}, "spec": {"containers": [{"image": "x"}]}})
    assert [str(i) for i in issues] == ["spec.containers[0].name: required field is missing"]
