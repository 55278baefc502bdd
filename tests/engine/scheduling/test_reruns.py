"""Runs under an application id seen before: each is a new life of the application, as YuniKorn makes a
new application of an id whose last one ended. A run is told by its originator (the Spark driver): fresh
placeholders, fresh gang accounting, and what the last run left behind neither blocks nor counts."""

from __future__ import annotations

from dataclasses import replace

from sparkfleet.api.pod import PodPhase
from sparkfleet.engine.scheduling import PodRecord, SchedulingDecision

from .builders import T0, Cluster, gang, node, partition, simple_queues

APP = "pyspark-pi-karpenter"
HARD = "placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard"


def run(name: str, executors: int = 2, *, created: float = T0, params: str | None = None) -> list[PodRecord]:
    """One SparkApplication run under APP: its driver (named after the run, as each submission names its
    own) carrying the task groups, and executors owned by that driver, as Spark creates them."""
    driver, *execs = gang(APP, executors, created=created, params=params)
    driver = replace(driver, name=f"{name}-driver", uid=f"uid-{name}-driver")
    return [driver] + [
        replace(e, name=f"{name}-exec-{i}", uid=f"uid-{name}-exec-{i}", owner=driver.uid)
        for i, e in enumerate(execs, start=1)
    ]


def end(cluster: Cluster, pods: list[PodRecord], phase: PodPhase = PodPhase.SUCCEEDED) -> None:
    for p in pods:
        key = (p.namespace, p.name)
        cluster.pods[key] = replace(cluster.pods[key], phase=phase)


def placeholders(cluster: Cluster) -> list[PodRecord]:
    return [p for p in cluster.pods.values() if p.placeholder]


def edges(cluster: Cluster) -> list[tuple[str, str, str]]:
    return [(t.from_state.value, t.to_state.value, t.reason) for t in cluster.apps[APP].history]


def complete(cluster: Cluster, pods: list[PodRecord]) -> None:
    """The run reserves, its pods swap into the placeholders, and every one of them ends."""
    cluster.run(3)
    assert cluster.state(APP) == "Running"
    assert placeholders(cluster) == []
    end(cluster, pods)
    cluster.step()
    assert cluster.state(APP) == "Completed"


def cluster() -> Cluster:
    return Cluster([node("n1", 16, 64), node("n2", 16, 64)], simple_queues("default"))


def test_a_completed_application_id_applied_again_reserves_a_new_gang_from_scratch() -> None:
    c = cluster()
    first = run("first")
    c.submit(first)
    complete(c, first)
    done = c.apps[APP]
    assert done.placeholders_created and done.first_placeholder_at is not None

    second = run("second", created=T0 + 60)
    c.submit(second)  # the first run's finished pods stay in the snapshot
    decision = c.step()
    status = c.apps[APP]
    history = edges(c)
    assert history[history.index(("Completed", "New", "NewRun")) :] == [
        ("Completed", "New", "NewRun"),
        ("New", "Submitted", "Submitted"),
        ("Submitted", "Accepted", "Accepted"),
        ("Accepted", "Reserving", "GangScheduling"),
        ("Reserving", "Running", "GangReservationComplete"),
    ]
    assert (status.originator, status.submitted_at) == ("uid-second-driver", T0 + 60)
    # three new placeholders for the new driver, bound at once: the timeout counts from this run
    created = decision.placeholders_to_create
    assert len(created) == 3 and {ph.originator.uid for ph in created} == {"uid-second-driver"}
    assert status.first_placeholder_at == c.now

    c.step()
    assert c.state(APP) == "Running"
    assert {p.name for p in c.bound(APP)} == {"second-driver", "second-exec-1", "second-exec-2"}
    assert all(c.pods[(p.namespace, p.name)].node_name for p in first)  # where they ran, untouched
    assert [p for p in first if c.pods[(p.namespace, p.name)].phase != PodPhase.SUCCEEDED] == []


def test_every_run_of_a_schedule_gets_placeholders_of_its_own() -> None:
    c = cluster()
    names: list[set[str]] = []
    for i in range(3):
        this = run(f"run-{i}", created=T0 + 60 * i)
        c.submit(this)
        first = c.step()
        names.append({ph.name for ph in first.placeholders_to_create})
        complete(c, this)
    assert [len(n) for n in names] == [3, 3, 3]
    assert names[0].isdisjoint(names[1]) and names[1].isdisjoint(names[2])
    assert [reason for _, to, reason in edges(c) if to == "New"] == ["NewRun", "NewRun"]


def test_a_failed_application_retried_with_a_new_driver_starts_over() -> None:
    # one 16-cpu node: the 1 + 30 x 1 cpu gang cannot be reserved, the Hard timeout fails it
    c = Cluster([node("n1", 16, 64)], simple_queues("default"))
    first = run("first", executors=30, params=HARD)
    c.submit(first)
    c.step()
    c.step(advance=30)
    c.step()
    assert c.state(APP) == "Failed"
    assert c.pods[("spark", "first-driver")].phase == PodPhase.FAILED

    retry = run("retry", executors=2, created=c.now, params=HARD)  # restartPolicy: a smaller retry
    c.submit(retry)
    decision = c.step()
    assert ("Failed", "New", "NewRun") in edges(c)
    assert decision.failures == ()  # the retry is not failed with the last run's verdict
    assert {ph.originator.uid for ph in decision.placeholders_to_create} == {"uid-retry-driver"}
    assert c.apps[APP].first_placeholder_at == c.now  # a fresh timeout, not the failed one's
    c.step()
    assert c.state(APP) == "Running"
    assert {p.name for p in c.bound(APP)} == {"retry-driver", "retry-exec-1", "retry-exec-2"}


def test_a_pod_of_the_failed_run_still_pending_is_failed_again_not_rerun() -> None:
    c = Cluster([node("n1", 16, 64)], simple_queues("default"))
    c.submit(run("first", executors=30, params=HARD))
    c.step()
    c.step(advance=30)
    assert c.state(APP) == "Failing"
    # the driver's failure was not written (a conflict, say): it is still the failed run's originator
    c.pods[("spark", "first-driver")] = replace(c.pods[("spark", "first-driver")], phase=PodPhase.PENDING)
    decision = c.step()
    assert c.state(APP) == "Failed"
    assert [f.pod.name for f in decision.failures] == ["first-driver"]
    assert decision.placeholders_to_create == ()


def test_a_rejected_application_submitted_again_to_a_queue_that_fits_is_accepted() -> None:
    c = Cluster([node("n1", 16, 64)], partition())
    too_big = [replace(p, queue="root.dev") for p in run("first", executors=20)]  # dev max: 10 vcores
    c.submit(too_big)
    c.step()
    assert c.state(APP) == "Rejected"
    assert c.pods[("spark", "first-driver")].phase == PodPhase.FAILED
    smaller = [replace(p, queue="root.dev") for p in run("again", executors=2, created=c.now)]
    c.submit(smaller)
    c.step()
    assert ("Rejected", "New", "NewRun") in edges(c)
    assert c.state(APP) == "Running"
    assert c.apps[APP].queue == "root.dev"
    c.step()  # the pods take the placeholders' places
    assert {p.name for p in c.bound(APP)} == {"again-driver", "again-exec-1", "again-exec-2"}


def test_pods_left_running_by_the_last_run_are_neither_members_nor_blockers_of_the_next() -> None:
    # the first driver ended; its executors still run and one never got a node (their driver is gone)
    c = cluster()
    first = run("first", executors=3)
    c.submit(first)
    c.run(3)
    stray = replace(first[1], name="first-exec-late", uid="uid-first-exec-late", node_name=None)
    c.submit(stray)
    end(c, first[:1])
    c.step()
    assert c.state(APP) == "Completed"

    second = run("second", created=c.now)
    c.submit(second)
    c.run(2)
    assert c.state(APP) == "Running"
    assert c.pods[("spark", "first-exec-late")].node_name is None  # never bound for a run that is over
    assert {p.name for p in c.bound(APP)} >= {"second-driver", "second-exec-1", "second-exec-2"}
    # the new gang counted only its own three placeholders
    assert all(c.pods[(p.namespace, p.name)].node_name for p in second)


def test_placeholders_of_an_ended_driver_are_released_and_the_next_run_reserves_its_own() -> None:
    c = Cluster([node("n1", 16, 64)], simple_queues("default"))
    first = run("first", executors=30)  # can never complete its reservation on one node
    c.submit(first)
    c.step()
    old = {p.name for p in placeholders(c)}
    assert old
    end(c, first, PodPhase.FAILED)
    second = run("second", executors=2, created=c.now)
    c.submit(second)  # in the same cycle as the first run's end: no Completed in between
    decision = c.step()
    released = {r.pod.name for r in decision.releases}
    assert old <= released
    assert ("Reserving", "New", "NewRun") in edges(c)
    assert {ph.originator.uid for ph in decision.placeholders_to_create} == {"uid-second-driver"}
    c.step()
    assert c.state(APP) == "Running"
    assert not old & {p.name for p in c.pods.values()}


def test_a_driver_rerun_after_a_crash_starts_a_new_run_from_the_saved_running_state() -> None:
    c = cluster()
    first = run("first")
    c.submit(first)
    c.run(3)
    assert c.state(APP) == "Running"
    # the cluster process crashed: the first run's pods are gone, a retry's driver is there
    for p in first:
        del c.pods[(p.namespace, p.name)]
    second = run("second", created=c.now)
    c.submit(second)
    decision = c.step()
    assert ("Running", "New", "NewRun") in edges(c)
    assert len(decision.placeholders_to_create) == 3
    c.step()
    assert c.state(APP) == "Running"
    assert {p.name for p in c.bound(APP)} == {"second-driver", "second-exec-1", "second-exec-2"}


def test_a_driver_of_the_same_run_taking_over_from_a_live_one_is_not_a_new_run() -> None:
    c = cluster()
    first = run("first")
    c.submit(first)
    c.run(3)
    other = run("other", created=c.now)[:1]  # a second driver under the id while the first still runs
    c.submit(other)
    decision: SchedulingDecision = c.step()
    assert [to for _, to, _ in edges(c)].count("New") == 0
    assert c.apps[APP].originator == "uid-first-driver"
    assert decision.placeholders_to_create == ()
