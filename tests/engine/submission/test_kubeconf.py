"""Reading the spark.kubernetes.* families of a conf as Spark's KubernetesConf does."""

from __future__ import annotations

import pytest

from sparkfleet.engine.submission import SubmissionError
from sparkfleet.engine.submission.kubeconf import VolumeConf, conf_bool, conf_int, read_kube_conf


def test_prefixed_families_are_collected_per_role() -> None:
    kube = read_kube_conf(
        {
            "spark.kubernetes.node.selector.zone": "a",
            "spark.kubernetes.driver.node.selector.disk": "nvme",
            "spark.kubernetes.driver.label.team": "x",
            "spark.kubernetes.executor.label.team": "y",
            "spark.kubernetes.driver.annotation.note": "n",
            "spark.kubernetes.driver.service.label.tier": "t",
            "spark.kubernetes.driver.service.annotation.lb": "l",
            "spark.kubernetes.executor.secrets.creds": "/c",
            "spark.kubernetes.executor.secretKeyRef.TOKEN": "s:k",
            "spark.kubernetes.driverEnv.A": "1",
            "spark.executorEnv.B": "2",
            "spark.kubernetes.driver.limit.cores": "2",
        }
    )
    assert kube.node_selector == {"zone": "a"}
    assert kube.driver.node_selector == {"disk": "nvme"}
    assert (kube.driver.labels, kube.executor.labels) == ({"team": "x"}, {"team": "y"})
    assert kube.driver.annotations == {"note": "n"}
    assert (kube.driver.service_labels, kube.driver.service_annotations) == ({"tier": "t"}, {"lb": "l"})
    assert kube.executor.secrets == {"creds": "/c"}
    assert kube.executor.secret_key_refs == {"TOKEN": "s:k"}
    assert (kube.driver.env, kube.executor.env) == ({"A": "1"}, {"B": "2"})


def test_volumes_collect_mount_settings_and_options() -> None:
    base = "spark.kubernetes.executor.volumes.persistentVolumeClaim.data"
    kube = read_kube_conf(
        {
            f"{base}.mount.path": "/data",
            f"{base}.mount.readOnly": "true",
            f"{base}.mount.subPathExpr": "$(POD)",
            f"{base}.options.claimName": "OnDemand",
        }
    )
    assert list(kube.executor.volumes.values()) == [
        VolumeConf("persistentVolumeClaim", "data", "/data", "", "$(POD)", True, {"claimName": "OnDemand"})
    ]


def test_an_unknown_volume_type_is_refused() -> None:
    with pytest.raises(SubmissionError, match="volume type 'secret'"):
        read_kube_conf({"spark.kubernetes.driver.volumes.secret.s.mount.path": "/s"})


def test_a_volume_without_a_mount_path_is_refused() -> None:
    with pytest.raises(SubmissionError, match=r"mount\.path is missing"):
        read_kube_conf({"spark.kubernetes.driver.volumes.emptyDir.tmp.options.medium": "Memory"})


def test_numbers_and_booleans_are_checked() -> None:
    assert conf_int({"k": " 7 "}, "k", 1) == 7 and conf_int({}, "k", 1) == 1
    assert conf_bool({"k": "TRUE"}, "k", False) is True
    with pytest.raises(SubmissionError, match="whole number"):
        conf_int({"k": "x"}, "k", 1)
    with pytest.raises(SubmissionError, match="true or false"):
        conf_bool({"k": "yes"}, "k", False)


def test_a_bad_setting_whose_value_looks_secret_is_named_with_its_value_redacted() -> None:
    with pytest.raises(SubmissionError) as refused:
        conf_int(
            {"spark.kubernetes.allocation.batch.size": "token-4f2a"},
            "spark.kubernetes.allocation.batch.size",
            5,
        )
    assert (
        str(refused.value)
        == "spark.kubernetes.allocation.batch.size=*********(redacted): expected a whole number"
    )
    with pytest.raises(SubmissionError, match=r"^spark.kubernetes.executor.deleteOnTermination='maybe': "):
        conf_bool(
            {"spark.kubernetes.executor.deleteOnTermination": "maybe"},
            "spark.kubernetes.executor.deleteOnTermination",
            True,
        )
