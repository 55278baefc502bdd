"""An embedded cluster in the test's own process, running Spark as its settings say.

With Spark on Kubernetes (the default) the cluster's API is served on a loopback port for the drivers,
as `sparkfleet run` serves it; `local_spark` is for tests whose subject is not the executors (retries,
schedules, the EC2 adapter): one JVM per job.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sparkfleet.api.settings import RuntimeSettings, SparkMode
from sparkfleet.cli.run import running_platform as started
from sparkfleet.clock import SystemClock
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import Platform


def local_spark(config: PlatformConfig) -> PlatformConfig:
    """`config` with Spark in local mode: the driver runs the whole job, executor pods run nothing."""
    config.settings.runtime = RuntimeSettings(sparkMode=SparkMode.LOCAL)
    return config


def running_platform(
    home: Path, config: PlatformConfig, workdir: Path
) -> contextlib.AbstractContextManager[Platform]:
    """The started cluster in `home`, as `sparkfleet run` starts it (with Spark on Kubernetes, its API
    served too), on the system clock."""
    return started(home, config, SystemClock(), workdir)


def local_spark_config(directory: Path) -> Path:
    """`directory` as a config directory (`up --config`) whose settings run Spark in local mode."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.yaml").write_text("runtime:\n  sparkMode: local\n")
    return directory
