"""Garbage collection of dependents, done at once inside the deleting transaction.

Kubernetes' garbage collector works the same rules out asynchronously: a dependent goes when every owner
it names is gone; one with a surviving owner only loses the references to the deleted ones; "Orphan"
strips the reference instead of deleting. Namespaced objects never outlive their namespace.
"""

from __future__ import annotations

from collections import deque

from sparkfleet.cluster.embedded import rules
from sparkfleet.cluster.embedded.tx import Stored, WriteTx
from sparkfleet.cluster.kinds import KindInfo, lookup
from sparkfleet.cluster.port import Obj, PropagationPolicy


def delete_with_dependents(
    tx: WriteTx, info: KindInfo, namespace: str, name: str, policy: PropagationPolicy
) -> Obj:
    """Delete an object and, like the garbage collector, its dependents (all in this transaction)."""
    target = tx.require(info, namespace, name)
    deleted = tx.remove(target)
    gone = {target.uid}
    pending: deque[str] = deque()
    if info.kind == "Namespace":
        # Namespaced objects cannot outlive their namespace, whatever the propagation policy.
        for stored in tx.in_namespace(name):
            tx.remove(stored)
            gone.add(stored.uid)
            pending.append(stored.uid)
    if policy is PropagationPolicy.ORPHAN:
        for dependent in tx.dependents(target.uid):
            if dependent.uid not in gone:
                tx.replace(lookup(dependent.kind), dependent, rules.without_owner(dependent.obj, target.uid))
    else:
        pending.append(target.uid)
    while pending:
        for dependent in tx.dependents(pending.popleft()):
            if dependent.uid in gone:
                continue
            _collect(tx, dependent, gone, pending)
    return deleted


def _collect(tx: WriteTx, dependent: Stored, gone: set[str], pending: deque[str]) -> None:
    """Delete a dependent whose owners are all gone; one with a surviving owner keeps living without them."""
    owners = rules.owner_uids(dependent.obj)
    if any(uid not in gone and tx.uid_exists(uid) for uid in owners):
        body = dependent.obj
        for uid in owners:
            if uid in gone:
                body = rules.without_owner(body, uid)
        tx.replace(lookup(dependent.kind), dependent, body)
        return
    tx.remove(dependent)
    gone.add(dependent.uid)
    pending.append(dependent.uid)
