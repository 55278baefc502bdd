"""Failing with a reason: a problem in the input or the environment ends a command with one line naming
the object and the fix (exit 1), never a Python traceback; `--debug` shows the traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer

from sparkfleet.cli.options import show_tracebacks, user_errors
from support.cli import PI, sf

pytestmark = pytest.mark.usefixtures("home")

RESERVED_LABEL = "spark-role"


def with_reserved_label(tmp_path: Path) -> Path:
    """The pi job with a driver label that Spark reserves: the submission would fail."""
    text = PI.read_text().replace(
        "    labels:\n      version: 3.5.3\n", "    labels:\n      spark-role: x\n", 1
    )
    assert RESERVED_LABEL in text
    path = tmp_path / "reserved.yaml"
    path.write_text(text)
    return path


def test_a_submission_error_in_plan_is_one_line_naming_the_application(tmp_path: Path) -> None:
    code, out, err = sf("plan", "-f", str(with_reserved_label(tmp_path)))
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "error: SparkApplication spark-team-a/pyspark-pi-karpenter: the submission would fail: Label with "
        "key spark-role is not allowed as it is reserved for Spark bookkeeping operations."
    ]


def test_an_application_without_an_image_is_planned_with_the_local_image(tmp_path: Path) -> None:
    path = tmp_path / "no-image.yaml"
    path.write_text(
        "".join(line for line in PI.read_text().splitlines(True) if not line.startswith("  image:"))
    )
    code, out, err = sf("plan", "-f", str(path))
    assert (code, err) == (0, "")
    assert "c5d.4xlarge" in out


@pytest.mark.parametrize(
    ("verb", "text", "expected"),
    [
        pytest.param("plan", None, "cannot read", id="plan-missing-file"),
        pytest.param("apply", None, "cannot read", id="apply-missing-file"),
        pytest.param("plan", "kind: [unclosed", "not valid YAML", id="plan-bad-yaml"),
        pytest.param("apply", "apiVersion: v1\nkind: Pod\nmetadata: 3\n", "metadata", id="apply-bad-field"),
        pytest.param("plan", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "no SparkApplication",
                     id="plan-no-application"),
    ],
)  # fmt: skip
def test_bad_input_ends_with_its_reason_and_exit_1_never_a_traceback(
    tmp_path: Path, verb: str, text: str | None, expected: str
) -> None:
    path = tmp_path / "job.yaml"
    if text is not None:
        path.write_text(text)
    code, out, err = sf(verb, "-f", str(path))
    assert code == 1
    assert expected in err
    assert "Traceback" not in out + err


def test_an_unexpected_error_is_one_line_that_says_how_to_see_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as ended, user_errors():
        raise RuntimeError("the store answered nonsense\nsecond line")
    assert ended.value.exit_code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: RuntimeError: the store answered nonsense "
        "(unexpected; sparkfleet --debug shows the traceback)"
    ]


def test_with_debug_every_error_goes_through_as_it_is() -> None:
    show_tracebacks(True)
    try:
        with pytest.raises(RuntimeError, match="nonsense"), user_errors():
            raise RuntimeError("nonsense")
    finally:
        show_tracebacks(False)


def test_the_debug_option_prints_the_traceback(tmp_path: Path) -> None:
    path = with_reserved_label(tmp_path)
    launch = "import sys; from sparkfleet.cli.main import app; sys.argv[0] = 'sparkfleet'; sys.exit(app())"
    done = subprocess.run(
        [sys.executable, "-c", launch, "--debug", "plan", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "CommandError: SparkApplication spark-team-a/pyspark-pi-karpenter" in done.stderr
