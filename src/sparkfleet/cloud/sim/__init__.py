"""The simulated EC2 adapter of the Cloud port."""

from sparkfleet.cloud.sim.ec2 import DEFAULT_REGION, SPOT_INTERRUPTION_NOTICE, SimulatedEC2
from sparkfleet.cloud.sim.scenario import check_scenario, load_scenario

__all__ = ["DEFAULT_REGION", "SPOT_INTERRUPTION_NOTICE", "SimulatedEC2", "check_scenario", "load_scenario"]
