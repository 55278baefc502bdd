"""History that does not slow the present: a cluster after 10,000 finished applications.

    python bench/history.py              # a table
    python bench/history.py --json       # one line: {"apps": N, "objects": N, "events": N, "peak_rss_mb": X,
                                         #   "get_all_s": X, "submit_ms": X, "up_s": X, ...} (medians)
    python bench/history.py --apps 2000  # a smaller history

A fresh cluster home (temporary SPARKFLEET_HOME) is seeded directly in its store, without a cluster
running: per application the SparkApplication COMPLETED (status as the controller leaves it), the
objects its submission made (conf ConfigMap, driver and UI Services, the driver pod, as the submission
engine builds them, owned by the application), one executor pod owned by the driver (as Spark makes it),
both pods Succeeded, and ten Events of its life (recorded within the last hour, so none has expired).
About 6 objects and 10 Events per application.

Then, as a user would:
- `sparkfleet up` (the real background cluster: API over HTTPS, every controller, housekeeping) starts on
  that home; `up_s` is its wall time until the API is ready;
- `sparkfleet get sparkapplications -A` runs `--runs` times as a process of its own against it (output
  discarded); `get_all_s` is the median wall time of the whole process;
- `--runs` new SparkApplications are created through the API, one at a time, and polled over one
  keep-alive connection until their status says SUBMITTED; `submit_ms` is the median time from the
  create request to the first read that shows SUBMITTED (a poll every 2 ms). Their driver asks for a
  node label no NodePool offers, so no Spark starts;
- `peak_rss_mb` is the server process's peak resident set (VmHWM), read after all of the above.
`sparkfleet down` ends the cluster and the home is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import LABEL_SPARK_ROLE, SparkRole
from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.sparkapplication import submission_id_for
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.engine.lifecycle.submit import attempt_objects
from sparkfleet.engine.submission import SubmissionOptions, build_submission
from sparkfleet.home import STORE_FILE, open_embedded_store

APPS = 10_000
BATCH = 250
NAMESPACES = ("spark-team-a", "spark-team-b", "spark-team-c", "default")
TEMPLATE_NAME = "histapp-template"
APP_UID = "00000000-0000-4000-8000-00000000a000"
DRIVER_UID = "00000000-0000-4000-8000-00000000d000"
SPARKFLEET = [sys.executable, "-c", "import sys; from sparkfleet.cli.main import app; sys.exit(app())"]

APP = {
    "apiVersion": "sparkoperator.k8s.io/v1beta2",
    "kind": "SparkApplication",
    "metadata": {"name": TEMPLATE_NAME, "namespace": "default", "labels": {"queue": "root.test"}},
    "spec": {
        "type": "Python",
        "pythonVersion": "3",
        "mode": "cluster",
        "image": "apache/spark:4.0.1",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "arguments": ["10"],
        "sparkVersion": "4.0.1",
        "sparkConf": {"spark.eventLog.enabled": "true", "spark.ui.prometheus.enabled": "true"},
        "restartPolicy": {"type": "Never"},
        "driver": {"cores": 1, "memory": "512m", "serviceAccount": "spark"},
        "executor": {"cores": 1, "instances": 1, "memory": "512m"},
    },
}
LIFE = [
    (
        "SparkApplication",
        "SparkApplicationAdded",
        "SparkApplication {app} was added, enqueuing it for submission",
    ),
    ("SparkApplication", "SparkApplicationSubmitted", "SparkApplication {app} was submitted successfully"),
    ("Pod", "Scheduled", "Successfully assigned {ns}/{app}-driver to ip-10-0-1-23"),
    ("SparkApplication", "SparkDriverRunning", "Driver {app}-driver is running"),
    ("SparkApplication", "SparkExecutorPending", "Executor [{app}-exec-1] is pending"),
    ("Pod", "Scheduled", "Successfully assigned {ns}/{app}-exec-1 to ip-10-0-1-23"),
    ("SparkApplication", "SparkExecutorRunning", "Executor [{app}-exec-1] is running"),
    ("SparkApplication", "SparkExecutorCompleted", "Executor [{app}-exec-1] completed"),
    ("SparkApplication", "SparkDriverCompleted", "Driver {app}-driver completed"),
    ("SparkApplication", "SparkApplicationCompleted", "SparkApplication {app} completed"),
]


def _templates() -> tuple[str, str]:
    """The JSON of one application and of its dependents, for names and uids to be filled in."""
    app = SparkApplication.model_validate({**APP, "metadata": {**APP["metadata"], "uid": APP_UID}})
    submission = build_submission(app, submission_id_for(APP_UID, 1, 1), SubmissionOptions())
    objects = list(attempt_objects(submission, app, spec_fingerprint(app.spec)))
    driver = objects[-1]
    driver["metadata"]["uid"] = DRIVER_UID
    executor = json.loads(json.dumps(driver))
    meta = executor["metadata"]
    meta["name"] = f"{TEMPLATE_NAME}-exec-1"
    meta["labels"][LABEL_SPARK_ROLE] = SparkRole.EXECUTOR.value
    meta["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": driver["metadata"]["name"],
            "uid": DRIVER_UID,
            "controller": True,
        }
    ]
    meta.pop("uid")
    objects.append(executor)
    return json.dumps(APP), json.dumps(objects)


def _filled(text: str, name: str, namespace: str, index: int, **uids: str) -> Any:
    # The name hashes and ids the submission derived from the template's identity, made distinct per
    # application as its own submission would make them.
    for token in sorted(set(re.findall(r"[0-9a-f]{16}", text))):
        text = text.replace(token, f"{index:08x}{token[8:]}")
    text = text.replace(TEMPLATE_NAME, name).replace('"namespace": "default"', f'"namespace": "{namespace}"')
    for placeholder, uid in uids.items():
        text = text.replace(placeholder, uid)
    return json.loads(text)


def _status(app: dict[str, Any], ended: datetime) -> dict[str, Any]:
    uid, name = app["metadata"]["uid"], app["metadata"]["name"]
    started = ended - timedelta(seconds=40)
    return {
        "applicationState": {"state": "COMPLETED"},
        "submissionAttempts": 1,
        "executionAttempts": 1,
        "submissionID": submission_id_for(uid, 1, 1),
        "sparkApplicationId": f"spark-{uid.replace('-', '')[:32]}",
        "lastSubmissionAttemptTime": format_rfc3339(started),
        "terminationTime": format_rfc3339(ended),
        "driverInfo": {
            "podName": f"{name}-driver",
            "webUIServiceName": f"{name}-ui-svc",
            "webUIPort": 4040,
            "webUIAddress": f"{name}-ui-svc:4040",
        },
        "executorState": {f"{name}-exec-1": "COMPLETED"},
    }


def _events(app: dict[str, Any], pods: dict[str, dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
    name, namespace = app["metadata"]["name"], app["metadata"]["namespace"]
    events = []
    for i, (kind, reason, message) in enumerate(LIFE):
        involved = (
            app if kind == "SparkApplication" else pods[f"{name}-driver" if i < 5 else f"{name}-exec-1"]
        )
        meta = involved["metadata"]
        stamp = format_rfc3339(at + timedelta(seconds=4 * i))
        events.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{meta['name']}.{i:016x}", "namespace": namespace},
                "involvedObject": {
                    "kind": involved["kind"],
                    "name": meta["name"],
                    "namespace": namespace,
                    "uid": meta["uid"],
                    "apiVersion": involved["apiVersion"],
                },
                "reason": reason,
                "message": message.format(app=name, ns=namespace),
                "type": "Normal",
                "count": 1,
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "source": {"component": "spark-operator" if kind == "SparkApplication" else "yunikorn"},
            }
        )
    return events


def seed_history(store: EmbeddedCluster, apps: int, now: datetime) -> tuple[int, int]:
    """Store `apps` finished applications with their objects and events; (objects, events) stored."""
    app_text, dependents_text = _templates()
    objects = events = 0
    for start in range(0, apps, BATCH):
        names = [
            (i, f"history-{i:05d}", NAMESPACES[i % len(NAMESPACES)])
            for i in range(start, min(apps, start + BATCH))
        ]
        with store.transaction():
            made = store.create_many([_filled(app_text, n, ns, i) for i, n, ns in names])
            batch_events: list[dict[str, Any]] = []
            for app, (index, name, namespace) in zip(made, names, strict=True):
                # Ended within the last hour, spread over it; its Events from 40 s before the end.
                ended = now - timedelta(seconds=3000 * (apps - start) / apps)
                app = store.update_status({**app, "status": _status(app, ended)})
                owned = _filled(dependents_text, name, namespace, index, **{APP_UID: app["metadata"]["uid"]})
                driver = store.create_many(owned[:-1])[-1]
                executor = owned[-1]
                executor["metadata"]["ownerReferences"][0]["uid"] = driver["metadata"]["uid"]
                executor = store.create(executor)
                pods = {}
                for pod in (driver, executor):
                    pods[pod["metadata"]["name"]] = store.update_status(
                        {**pod, "status": {"phase": "Succeeded", "startTime": format_rfc3339(ended)}}
                    )
                objects += 1 + len(owned)
                batch_events += _events(app, pods, ended - timedelta(seconds=40))
            store.create_many(batch_events)
            events += len(batch_events)
    return objects, events


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:])} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def _submit_ms(client: httpx.Client, index: int) -> float:
    name = f"fresh-{index}"
    body = json.loads(json.dumps(APP))
    body["metadata"] = {"name": name, "namespace": "spark-team-a"}
    body["spec"]["driver"]["nodeSelector"] = {"bench.sparkfleet.io/nowhere": "true"}  # no Spark starts
    path = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-team-a/sparkapplications"
    started = time.perf_counter()
    client.post(path, json=body).raise_for_status()
    deadline = started + 30
    while time.perf_counter() < deadline:
        got = client.get(f"{path}/{name}").raise_for_status().json()
        if (got.get("status") or {}).get("applicationState", {}).get("state") == "SUBMITTED":
            return (time.perf_counter() - started) * 1000
        time.sleep(0.002)
    raise RuntimeError(f"{name} did not reach SUBMITTED in 30 s")


def run(apps: int, runs: int) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="sparkfleet-history-"))
    env = {**os.environ, "SPARKFLEET_HOME": str(home)}
    env.pop("SPARKFLEET_CLUSTER", None)
    try:
        started = time.perf_counter()
        store = open_embedded_store(home, SystemClock(), PlatformConfig())
        objects, events = seed_history(store, apps, SystemClock().now())
        store.close()
        seed_s = time.perf_counter() - started
        store_mb = (home / STORE_FILE).stat().st_size / 2**20
        up_s = _timed([*SPARKFLEET, "up", "--port", "0"], env)
        server = json.loads((home / "server.json").read_text())
        try:
            get_all = [_timed([*SPARKFLEET, "get", "sparkapplications", "-A"], env) for _ in range(runs)]
            headers = {"Authorization": f"Bearer {server['token']}"}
            verify = server["ca"] or False
            with httpx.Client(base_url=server["url"], headers=headers, verify=verify, timeout=30) as client:
                submits = [_submit_ms(client, i) for i in range(runs)]
            peak = _peak_rss_mb(server["pid"])
        finally:
            subprocess.run([*SPARKFLEET, "down"], env=env, stdout=subprocess.DEVNULL, check=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "apps": apps,
        "objects": objects,
        "events": events,
        "store_mb": round(store_mb, 1),
        "seed_s": round(seed_s, 1),
        "up_s": round(up_s, 2),
        "peak_rss_mb": round(peak, 1),
        "get_all_s": round(statistics.median(get_all), 3),
        "get_all_runs_s": [round(s, 3) for s in get_all],
        "submit_ms": round(statistics.median(submits), 1),
        "submit_runs_ms": [round(s, 1) for s in submits],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=APPS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = run(args.apps, args.runs)
    if args.json:
        print(json.dumps(out))
        return
    goals = {"peak_rss_mb": "<= 300", "get_all_s": "<= 1", "submit_ms": "<= 50"}
    print(f"{'measure':<14}{'value':>12}  goal")
    for key, value in out.items():
        if not isinstance(value, list):
            print(f"{key:<14}{value:>12}  {goals.get(key, '')}")


if __name__ == "__main__":
    main()
