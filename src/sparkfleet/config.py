"""A cluster's configuration: what `--config DIR` holds, with the blueprint's defaults for what it omits.

A config directory holds YAML files; every document is sorted by what it is: NodePools, EC2NodeClasses,
Namespaces, YuniKorn queues (`queues.yaml`, bare or as the `yunikorn-configs` ConfigMap), the cloud
scenario (`scenario.yaml`) and the cluster's settings (`settings.yaml`: log and run retention, see
api/settings.py). Each part the directory provides replaces the blueprint's part as a whole,
so a directory with only a `scenario.yaml` runs the blueprint's pools against that scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sparkfleet.api.base import FieldIssue, ManifestError
from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, blueprint_nodepools, blueprint_queues
from sparkfleet.api.core import Namespace
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.karpenter import NodeOverlay, NodePool
from sparkfleet.api.manifests import check_text
from sparkfleet.api.scenario import Scenario, parse_scenario
from sparkfleet.api.settings import Settings, parse_settings
from sparkfleet.api.yunikorn import SchedulerConfig

DEFAULT_NAMESPACES = ("default", "spark-team-a", "spark-team-b", "spark-team-c")
SCENARIO_FILE = "scenario.yaml"
SETTINGS_FILE = "settings.yaml"


@dataclass
class PlatformConfig:
    nodepools: list[NodePool] = field(default_factory=blueprint_nodepools)
    nodeclasses: list[EC2NodeClass] = field(default_factory=blueprint_ec2nodeclasses)
    queues: SchedulerConfig = field(default_factory=blueprint_queues)
    namespaces: list[str] = field(default_factory=lambda: list(DEFAULT_NAMESPACES))
    scenario: Scenario = field(default_factory=Scenario)
    settings: Settings = field(default_factory=Settings)
    nodeoverlays: list[NodeOverlay] = field(default_factory=list)
    """Karpenter NodeOverlays: the prices (and extended resources) the planner assumes per offering."""

    def check(self) -> None:
        """Every NodePool's nodeClassRef names a node class that is there."""
        classes = {c.metadata.name for c in self.nodeclasses}
        problems = [
            FieldIssue(
                f"NodePool/{p.metadata.name}: spec.template.spec.nodeClassRef.name",
                f'EC2NodeClass "{p.spec.template.spec.nodeClassRef.name}" is not in the configuration; '
                f"add it or point at one of: {', '.join(sorted(c for c in classes if c))}",
            )
            for p in self.nodepools
            if p.spec.template.spec.nodeClassRef.name not in classes
        ]
        if problems:
            raise ManifestError(problems)


def read_manifests(
    path: Path,
) -> tuple[list[NodePool], list[EC2NodeClass], SchedulerConfig | None, list[str], list[NodeOverlay]]:
    """The config kinds in one file; ManifestError naming the file for anything invalid."""
    result = check_text(path.read_text(encoding="utf-8"))
    problems = [
        FieldIssue(f"{path}: {c.kind}/{c.name}: {i.path}".rstrip(": "), i.message)
        for c in result.objects
        for i in c.issues
    ]
    if problems:
        raise ManifestError(problems)
    pools: list[NodePool] = []
    classes: list[EC2NodeClass] = []
    queues: SchedulerConfig | None = None
    namespaces: list[str] = []
    overlays: list[NodeOverlay] = []
    for checked in result.objects:
        obj = checked.obj
        if isinstance(obj, NodePool):
            pools.append(obj)
        elif isinstance(obj, NodeOverlay):
            overlays.append(obj)
        elif isinstance(obj, EC2NodeClass):
            classes.append(obj)
        elif isinstance(obj, SchedulerConfig):
            queues = obj
        elif isinstance(obj, Namespace) and obj.metadata.name:
            namespaces.append(obj.metadata.name)
    return pools, classes, queues, namespaces, overlays


def load_config(
    directory: Path | None = None,
    *,
    nodepools: Path | None = None,
    queues: Path | None = None,
    scenario: Path | None = None,
) -> PlatformConfig:
    """The blueprint's configuration, overridden by a directory and then by single files."""
    config = PlatformConfig()
    files: list[Path] = []
    if directory is not None:
        if not directory.is_dir():
            raise ManifestError([FieldIssue(str(directory), "not a directory; pass a config directory")])
        files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    scenario_file = next((p for p in files if p.name == SCENARIO_FILE), None)
    settings_file = next((p for p in files if p.name == SETTINGS_FILE), None)
    found_pools: list[NodePool] = []
    found_classes: list[EC2NodeClass] = []
    found_namespaces: list[str] = []
    manifests = [p for p in files if p.name not in (SCENARIO_FILE, SETTINGS_FILE)]
    for path in manifests + [p for p in (nodepools, queues) if p]:
        pools, classes, queue_config, namespaces, overlays = read_manifests(path)
        config.nodeoverlays += overlays
        found_pools += pools
        found_classes += classes
        found_namespaces += namespaces
        if queue_config is not None:
            config.queues = queue_config
    if found_pools:
        config.nodepools = found_pools
    if found_classes:
        config.nodeclasses = found_classes
    config.namespaces = (
        list(dict.fromkeys(["default", *found_namespaces])) if found_namespaces else config.namespaces
    )
    scenario_path = scenario or scenario_file
    if scenario_path is not None:
        config.scenario = parse_scenario(scenario_path.read_text(encoding="utf-8"), str(scenario_path))
    if settings_file is not None:
        config.settings = parse_settings(settings_file.read_text(encoding="utf-8"), str(settings_file))
    config.check()
    return config
