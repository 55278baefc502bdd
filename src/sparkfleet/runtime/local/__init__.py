"""The local runtime: a process kubelet that runs the embedded cluster's pods on this machine.

Nodes are directories under the cluster's home (nodes.py); a Spark driver pod runs as a real PySpark
`spark-submit` with its volumes mapped to the node's directories (volumes.py, claims.py). In local mode
(localconf.py) its executor pods are created as Spark's Kubernetes backend would and hold their resources
while the driver's JVM runs the tasks (executors.py); with Spark on Kubernetes (clusterconf.py) Spark's
own backend creates them through the cluster's API and each runs as a real executor JVM (executorjvm.py)
at a loopback address of its own (podaddress.py). `LocalRuntime` (process.py) owns the
processes, which outlive a restart and are taken over by the next runtime (pidrecord.py);
`KubeletReconciler` (kubelet.py) is the controller that drives it.
"""

from sparkfleet.runtime.local.apiaccess import ApiAccess
from sparkfleet.runtime.local.archive import LogRetention
from sparkfleet.runtime.local.driver import IMAGE_ROOT, LaunchContext
from sparkfleet.runtime.local.install import SparkInstall, find_spark
from sparkfleet.runtime.local.kubelet import KubeletConfig, KubeletKey, KubeletReconciler
from sparkfleet.runtime.local.localconf import machine_memory
from sparkfleet.runtime.local.logs import read_lines
from sparkfleet.runtime.local.nodes import NodeDirs, NodeLayout
from sparkfleet.runtime.local.podlogs import gone_node, read_pod_log
from sparkfleet.runtime.local.process import LocalRuntime

__all__ = [
    "IMAGE_ROOT",
    "ApiAccess",
    "KubeletConfig",
    "KubeletKey",
    "KubeletReconciler",
    "LaunchContext",
    "LocalRuntime",
    "LogRetention",
    "NodeDirs",
    "NodeLayout",
    "SparkInstall",
    "find_spark",
    "gone_node",
    "machine_memory",
    "read_lines",
    "read_pod_log",
]
