"""Pod addresses: each pod of Spark on Kubernetes a loopback address of its own, recorded on the pod."""

from __future__ import annotations

import ipaddress
import socket

from sparkfleet.api.wire import ANNOTATION_POD_IP
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local.podaddress import address_for, claim_pod_ip, recorded_ip
from sparkfleet.runtime.local.podenv import POD_IP, pod_ip
from support.objects import pod


def test_an_address_is_a_loopback_address_outside_127_0_0_and_follows_from_the_uid() -> None:
    address = address_for("uid-1", set())
    parsed = ipaddress.IPv4Address(address)
    assert parsed.is_loopback and not address.startswith("127.0.")
    assert address.split(".")[-1] not in ("0", "255")
    assert address_for("uid-1", set()) == address  # a restarted kubelet finds the same one
    assert address_for("uid-2", set()) != address


def test_a_taken_address_moves_on_to_the_next_free_one() -> None:
    first = address_for("uid-1", set())
    assert address_for("uid-1", {first}) not in (first, "")


def test_claiming_records_an_address_unique_among_live_pods(store: EmbeddedCluster) -> None:
    one = claim_pod_ip(store, store.create(pod("one")))
    two = claim_pod_ip(store, store.create(pod("two")))
    assert recorded_ip(one) and recorded_ip(two) and recorded_ip(one) != recorded_ip(two)
    assert store.get("Pod", "default", "one")["metadata"]["annotations"][ANNOTATION_POD_IP] == recorded_ip(
        one
    )
    assert claim_pod_ip(store, one) == one  # kept once given


def test_a_pod_without_an_address_of_its_own_has_the_machines_loopback() -> None:
    assert pod_ip(pod("plain")) == POD_IP
    assert pod_ip({"metadata": {"annotations": {ANNOTATION_POD_IP: "127.4.5.6"}}}) == "127.4.5.6"


def test_this_machine_answers_on_the_addresses_given() -> None:
    with socket.socket() as listener:
        listener.bind((address_for("uid-3", set()), 0))  # Linux routes all of 127/8 to loopback
        assert ipaddress.IPv4Address(listener.getsockname()[0]).is_loopback
