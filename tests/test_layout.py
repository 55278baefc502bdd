"""Tests mirror modules: each module under src/sparkfleet has its tests where its path says.

A module `src/sparkfleet/<package path>/<module>.py` is tested in `tests/<package path>/test_<module>.py`
or in a `tests/<package path>/<module>/` folder; a module of a package tested as a whole may instead be
covered by `tests/<parent path>/test_<package>.py`. A module with none of these is in `ALLOWED`, with
the reason and the test file (under tests/) that covers it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SOURCE = TESTS.parent / "src" / "sparkfleet"
# Files Spark runs inside its containers, not modules of the package.
NOT_MODULES = ("runtime/local/image/",)

ALLOWED: dict[str, str] = {
    "__init__.py": "the package's face (re-exports); its modules are tested",
    "api/__init__.py": "the package's face (re-exports); its modules are tested",
    "api/core.py": "via its users: api/yunikorn/test_loading.py",
    "api/cron.py": "via its package: api/test_scheduledsparkapplication.py",
    "api/ec2nodeclass/__init__.py": "the package's face (re-exports); its modules are tested",
    "api/escapes.py": "via its package: api/ec2nodeclass/test_nodeclass.py",
    "api/instancetypes.py": "via its users: cloud/test_catalog.py",
    "api/karpenter/__init__.py": "the package's face (re-exports); its modules are tested",
    "api/meta.py": "via its users: api/yunikorn/test_loading.py",
    "api/networking.py": "via its package: api/ec2nodeclass/test_nodeclass.py",
    "api/placement.py": "via its users: api/test_blueprint.py",
    "api/pod.py": "via its users: api/test_base.py",
    "api/scenario.py": "via its users: cloud/test_contract.py",
    "api/sparkstatus.py": "via its users: api/test_scheduledsparkapplication.py",
    "api/sparkvalidation/__init__.py": "the package's face (re-exports); its modules are tested",
    "api/wire/__init__.py": "the package's face (re-exports); its modules are tested",
    "api/yunikorn/__init__.py": "the package's face (re-exports); its modules are tested",
    "cli/__init__.py": "the package's face (re-exports); its modules are tested",
    "cli/cluster_verbs.py": "via its package: cli/test_daemon.py",
    "cli/exposure.py": "via its package: cli/test_daemon.py",
    "cli/home.py": "via its package: cli/test_daemon.py",
    "cli/main.py": "via its users: cli/test_objects.py",
    "cli/manifest_verbs.py": "via its package: cli/test_daemon.py",
    "cli/object_verbs.py": "via its package: cli/test_daemon.py",
    "cli/plan.py": "via its package: cli/test_daemon.py",
    "cli/printers.py": "via its users: cli/test_get.py",
    "cloud/__init__.py": "the package's face (re-exports); its modules are tested",
    "cloud/aws/__init__.py": "the package's face (re-exports); its modules are tested",
    "cloud/aws/events.py": "via its package: cloud/aws/test_ec2.py",
    "cloud/aws/instances.py": "via its package: cloud/aws/test_ec2.py",
    "cloud/aws/nodeclasses.py": "via its package: cloud/aws/test_ec2.py",
    "cloud/aws/profiles.py": "via its package: cloud/aws/test_permissions.py",
    "cloud/port.py": "the Cloud port; its contract runs against each adapter: cloud/test_contract.py",
    "cloud/sim/__init__.py": "the package's face (re-exports); its modules are tested",
    "cloud/sim/capacity.py": "via its package: cloud/test_sim_ec2.py",
    "cloud/sim/ec2.py": "via its package: cloud/test_sim_ec2.py",
    "cloud/sim/fleet.py": "via its users: cloud/test_sim_fleet.py",
    "cloud/sim/scenario.py": "via its package: cloud/test_sim_ec2.py",
    "cloud/sim/state.py": "via its package: cloud/test_sim_state.py",
    "cluster/__init__.py": "the package's face (re-exports); its modules are tested",
    "cluster/closing.py": "via its package: cluster/embedded/test_crash.py",
    "cluster/corecolumns.py": "via its users: api/test_registry.py",
    "cluster/embedded/__init__.py": "the package's face (re-exports); its modules are tested",
    "cluster/embedded/codec.py": "via its package: cluster/embedded/test_store.py",
    "cluster/embedded/collector.py": "via its package: cluster/embedded/test_delete.py",
    "cluster/embedded/rules.py": "via its package: cluster/embedded/test_validation.py",
    "cluster/embedded/tx.py": "via its package: cluster/embedded/test_store.py",
    "cluster/podcolumns.py": "via its package: cluster/test_printcolumns.py",
    "cluster/port.py": (
        "the Cluster port; its contract runs against each implementation: cluster/test_contract.py"
    ),
    "cluster/tablecells.py": "via its package: cluster/test_printcolumns.py",
    "controllers/__init__.py": "the package's face (re-exports); its modules are tested",
    "controllers/disruption/__init__.py": "the package's face (re-exports); its modules are tested",
    "controllers/nodeclaim/__init__.py": "the package's face (re-exports); its modules are tested",
    "controllers/scheduler/__init__.py": "the package's face (re-exports); its modules are tested",
    "controllers/support/__init__.py": "the package's face (re-exports); its modules are tested",
    "controllers/support/conditions.py": "via its package: controllers/support/test_fleet.py",
    "controllers/support/offeringcache.py": "via its package: controllers/support/test_fleet.py",
    "engine/submission/ports.py": "via its users: engine/submission/test_service.py",
    "dashboards/__init__.py": "the package's face (re-exports); its modules are tested",
    "dashboards/__main__.py": "via its package: dashboards/test_boards.py",
    "engine/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/cost/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/disruption/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/disruption/candidates.py": "via its package: engine/disruption/test_budgets.py",
    "engine/disruption/forceful.py": "via its package: engine/disruption/test_budgets.py",
    "engine/disruption/model.py": "via its users: engine/disruption/test_consolidation.py",
    "engine/disruption/simulate.py": "via its package: engine/disruption/test_budgets.py",
    "engine/explain/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/explain/model.py": "via its users: engine/explain/test_observe.py",
    "engine/lifecycle/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/lifecycle/decision.py": "via its package: engine/lifecycle/test_cron.py",
    "engine/lifecycle/executors.py": "via its package: engine/lifecycle/test_cron.py",
    "engine/lifecycle/machine.py": "via its package: engine/lifecycle/test_cron.py",
    "engine/lifecycle/specchange.py": "via its package: engine/lifecycle/test_cron.py",
    "engine/lifecycle/submit.py": "via its package: engine/lifecycle/test_cron.py",
    "engine/provisioning/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/provisioning/compat.py": "via its package: engine/provisioning/test_claims.py",
    "engine/provisioning/pods.py": "via its users: engine/provisioning/test_model.py",
    "engine/provisioning/tables.py": "via its users: engine/provisioning/test_properties.py",
    "engine/scheduling/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/scheduling/allocate.py": "via its package: engine/scheduling/test_apps.py",
    "engine/scheduling/asks.py": "via its package: engine/scheduling/test_apps.py",
    "engine/scheduling/cycle.py": "via its package: engine/scheduling/test_apps.py",
    "engine/scheduling/decision.py": "via its package: engine/scheduling/test_apps.py",
    "engine/scheduling/lifecycle.py": "via its package: engine/scheduling/test_apps.py",
    "engine/scheduling/snapshot.py": "via its package: engine/scheduling/test_apps.py",
    "engine/sparkconnect/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/submission/__init__.py": "the package's face (re-exports); its modules are tested",
    "engine/submission/errors.py": "via its package: engine/submission/test_build.py",
    "engine/submission/features.py": "via its package: engine/submission/test_build.py",
    "engine/submission/kube.py": "via its package: engine/submission/test_build.py",
    "platform/__init__.py": "the package's face (re-exports); its modules are tested",
    "reconcile/__init__.py": "the package's face (re-exports); its modules are tested",
    "reconcile/runner.py": "via its package: reconcile/test_workqueue.py",
    "runtime/__init__.py": "the package's face (re-exports); its modules are tested",
    "runtime/local/__init__.py": "the package's face (re-exports); its modules are tested",
    "runtime/local/kubeletcontext.py": "via its package: runtime/local/test_archive.py",
    "runtime/local/paths.py": "via its package: runtime/local/test_archive.py",
    "runtime/local/podinfo.py": "via its package: runtime/local/test_archive.py",
    "runtime/local/podlogs.py": "via its users: runtime/local/test_kubelet_logs.py",
    "server/__init__.py": "the package's face (re-exports); its modules are tested",
    "server/console/__init__.py": "the package's face (re-exports); its modules are tested",
    "server/yunikornrest/__init__.py": "the package's face (re-exports); its modules are tested",
    "server/coreschemas.py": "via its package: server/test_app.py",
    "server/modelschemas.py": "via its package: server/test_app.py",
    "sim/__init__.py": "the package's face (re-exports); its modules are tested",
}


def modules() -> list[str]:
    found = (str(path.relative_to(SOURCE)) for path in sorted(SOURCE.rglob("*.py")))
    return [m for m in found if not m.startswith(NOT_MODULES)]


def mirrored(module: str) -> bool:
    path = Path(module)
    package, name = path.parent, path.stem
    if (TESTS / package / f"test_{name}.py").is_file() or (TESTS / package / name).is_dir():
        return True
    whole = package.parts and (TESTS / package.parent / f"test_{package.name}.py").is_file()
    return name != "__init__" and bool(whole)


@pytest.mark.parametrize("module", modules())
def test_every_module_has_a_mirrored_test_file_or_an_allowed_reason(module: str) -> None:
    assert mirrored(module) or module in ALLOWED, (
        f"src/sparkfleet/{module} has no tests/{Path(module).parent}/test_{Path(module).stem}.py: "
        "add one, or list it in ALLOWED with the reason and the test that covers it"
    )


def test_the_allow_list_names_only_modules_that_exist_and_still_need_it() -> None:
    present = set(modules())
    assert sorted(set(ALLOWED) - present) == [], "allowed modules that are gone"
    assert sorted(m for m in ALLOWED if mirrored(m)) == [], "allowed modules that now have their test file"


def test_every_allowed_module_names_a_test_file_that_exists() -> None:
    named = {m: reason.rsplit(": ", 1)[-1] for m, reason in ALLOWED.items() if not m.endswith("__init__.py")}
    assert sorted(m for m, test in named.items() if not (TESTS / test).is_file()) == []
