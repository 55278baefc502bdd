"""`sparkfleet validate`: blueprint manifests pass; each problem is one line naming file, object and field."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "data-on-eks"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def _validate(*paths: Path) -> tuple[int, list[str]]:
    args = ["validate", "-q"]
    for p in paths:
        args += ["-f", str(p)]
    result = runner.invoke(app, args)
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def _write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_blueprint_manifest_validates_unchanged() -> None:
    code, lines = _validate(REFERENCE)
    assert lines == []
    assert code == 0


def test_the_examples_validate() -> None:
    code, lines = _validate(EXAMPLES)
    assert (code, lines) == (0, [])


PI = """\
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: pi
  namespace: spark-team-a
spec:
  type: Python
  mode: cluster
  sparkVersion: "3.5.3"
  mainApplicationFile: local:///opt/spark/examples/src/main/python/pi.py
  driver:
    cores: 1
    memory: 512m
  executor:
    instances: 2
    memory: 512m
"""


def test_a_valid_application_passes(tmp_path: Path) -> None:
    assert _validate(_write(tmp_path, PI)) == (0, [])


def test_a_typo_is_reported_as_file_kind_name_path_and_hint(tmp_path: Path) -> None:
    path = _write(tmp_path, PI.replace("    memory: 512m\n  executor", "    memroy: 512m\n  executor"))
    code, lines = _validate(path)
    assert code == 1
    assert lines == [
        f'{path}: SparkApplication/pi: spec.driver.memroy: unknown field (did you mean "memory"?)'
    ]


def test_every_problem_of_every_document_is_listed(tmp_path: Path) -> None:
    bad_pool = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: p\nspec:\n  weight: 500\n"
    path = _write(tmp_path, PI.replace("cores: 1", "cores: 0") + "---\n" + bad_pool)
    code, lines = _validate(path)
    assert code == 1
    assert any(line.startswith(f"{path}: SparkApplication/pi: spec.driver.cores: ") for line in lines)
    assert any(line.startswith(f"{path}: NodePool/p: spec.weight: ") for line in lines)


def test_wrong_api_version_names_the_served_one(tmp_path: Path) -> None:
    code, lines = _validate(_write(tmp_path, PI.replace("v1beta2", "v1beta1")))
    assert code == 1
    assert lines[0].endswith(
        'apiVersion: "sparkoperator.k8s.io/v1beta1" is not served for SparkApplication; '
        'use "sparkoperator.k8s.io/v1beta2"'
    )


def test_a_misspelt_kind_gets_a_hint(tmp_path: Path) -> None:
    code, lines = _validate(_write(tmp_path, PI.replace("kind: SparkApplication", "kind: SparkAplication")))
    assert code == 1
    assert lines[0].endswith('kind: unknown kind "SparkAplication" (did you mean "SparkApplication"?)')


def test_duplicate_keys_are_a_warning_and_the_last_value_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, PI.replace("    cores: 1\n", "    cores: 0\n    cores: 1\n"))
    result = runner.invoke(app, ["validate", "-f", str(path)])
    assert result.exit_code == 0
    assert "duplicate key 'cores'" in result.stderr


def test_yaml_syntax_errors_are_one_line(tmp_path: Path) -> None:
    code, lines = _validate(_write(tmp_path, "a: [1, 2\n"))
    assert code == 1
    assert len(lines) == 1
    assert "not valid YAML" in lines[0]


def test_queues_inside_the_yunikorn_configmap_are_checked(tmp_path: Path) -> None:
    cm = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: yunikorn-configs
data:
  queues.yaml: |
    partitions:
      - name: default
        queues:
          - name: root
            queues:
              - name: dev
                resources:
                  max: {memory: 100Q}
"""
    code, lines = _validate(_write(tmp_path, cm))
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(
        f'{tmp_path / "m.yaml"}: SchedulerConfig/yunikorn-configs: data["queues.yaml"].'
    )


def test_foreign_kinds_are_skipped_but_embedded_spark_apps_are_checked(tmp_path: Path) -> None:
    argo = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: wf
spec:
  templates:
    - name: run
      resource:
        action: create
        manifest: |
          apiVersion: sparkoperator.k8s.io/v1beta2
          kind: SparkApplication
          metadata:
            generateName: pi-
          spec:
            type: Python
            sparkVersion: "3.5.3"
            mainApplicationFile: local:///pi.py
            driver: {cores: 1, memory: 512m}
            executor: {instances: 1, memroy: 512m}
"""
    code, lines = _validate(_write(tmp_path, argo))
    assert code == 1
    assert lines == [
        f"{tmp_path / 'm.yaml'}: SparkApplication/pi-: spec.templates[0].resource.manifest: "
        'spec.executor.memroy: unknown field (did you mean "memory"?)'
    ]


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BOMB.encode(), "aliases expand it to"),
        (b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", "nested more than 100 levels deep"),
        (b"kind: Pod\nmetadata: {name: \xff}\n", "not UTF-8 text: byte 0xff at offset 27"),
    ],
    ids=["yaml-bomb", "deeply-nested", "not-utf8"],
)
def test_a_hostile_file_is_one_line_naming_it_never_a_traceback(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    result = runner.invoke(app, ["validate", "-q", "-f", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}: ")
    assert message in lines[0]


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path / "nope.yaml")
    assert code == 1
    assert "cannot read" in lines[0]


CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def test_the_invalid_corpus_is_refused_by_the_command_with_reasons_never_a_traceback() -> None:
    # A real process, as a user runs it: nothing between the command and the terminal catches a crash.
    command = [sys.executable, "-c", "from sparkfleet.cli.main import app; app()", "validate"]
    invalid = sorted((CORPUS / "invalid").glob("*.yaml"))
    for path in invalid:
        done = subprocess.run([*command, "-f", str(path)], capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        assert done.returncode == 1, (path.name, done.stdout, done.stderr)
        problems = [line for line in done.stdout.splitlines() if line.startswith(f"{path}: ")]
        assert problems, (path.name, done.stdout)


def test_the_valid_corpus_passes_with_its_warnings_on_stderr() -> None:
    result = runner.invoke(app, ["validate", "-f", str(CORPUS / "valid")])
    assert (result.exit_code, result.stdout) == (0, "")
    assert "warning: NodePool/spark-spot: metadata.namespace: NodePool is cluster-scoped" in result.stderr
