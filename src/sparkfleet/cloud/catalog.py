"""The EC2 instance-type catalog: 376 real types of 41 families with us-east-1 on-demand prices.

The data file `data/instance-types.csv` holds DescribeInstanceTypes facts (from moto's records) and the
on-demand prices Karpenter generates for us-east-1; its columns are documented where it is kept
(see the reference `SOURCES.md`). It is parsed once per process.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Iterator
from importlib import resources

from sparkfleet.api.base import did_you_mean
from sparkfleet.api.instancetypes import InstanceType

_COLUMNS = (
    "instance_type",
    "family",
    "category",
    "generation",
    "size",
    "vcpu",
    "memory_mib",
    "arch",
    "local_nvme_gib",
    "local_nvme_disks",
    "max_enis",
    "ipv4_per_eni",
    "od_price_usd_hour",
)


class Catalog:
    """An immutable set of instance types, looked up by name, iterated in file order."""

    def __init__(self, types: Iterable[InstanceType]) -> None:
        self._types: dict[str, InstanceType] = {}
        for it in types:
            if it.name in self._types:
                raise ValueError(f"instance type {it.name} listed twice")
            self._types[it.name] = it

    def __len__(self) -> int:
        return len(self._types)

    def __iter__(self) -> Iterator[InstanceType]:
        return iter(self._types.values())

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __getitem__(self, name: str) -> InstanceType:
        try:
            return self._types[name]
        except KeyError:
            hint = did_you_mean(name, list(self._types))
            raise KeyError(f"unknown instance type {name!r}{hint}") from None

    def get(self, name: str) -> InstanceType | None:
        return self._types.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._types)

    @property
    def families(self) -> tuple[str, ...]:
        """Every family, in file order."""
        return tuple(dict.fromkeys(it.family for it in self._types.values()))

    def family(self, family: str) -> tuple[InstanceType, ...]:
        """The types of one family, smallest first."""
        return tuple(it for it in self._types.values() if it.family == family)


def parse_instance_types(text: str) -> list[InstanceType]:
    """Parse the catalog CSV; a missing column or a malformed value names the row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"instance-type CSV lacks columns {missing}")
    types: list[InstanceType] = []
    for line, row in enumerate(reader, start=2):
        try:
            types.append(
                InstanceType(
                    name=row["instance_type"],
                    family=row["family"],
                    category=row["category"],
                    generation=int(row["generation"]),
                    size=row["size"],
                    vcpu=int(row["vcpu"]),
                    memoryMib=int(row["memory_mib"]),
                    arch=row["arch"],
                    localNvmeGb=int(row["local_nvme_gib"]),
                    localNvmeDisks=int(row["local_nvme_disks"]),
                    maxEnis=int(row["max_enis"]),
                    ipv4PerEni=int(row["ipv4_per_eni"]),
                    onDemandPrice=float(row["od_price_usd_hour"]),
                )
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"instance-type CSV line {line}: {exc}") from None
    return types


@functools.cache
def load_catalog() -> Catalog:
    """The packaged catalog, parsed once and shared (it is immutable)."""
    data = resources.files("sparkfleet.cloud").joinpath("data", "instance-types.csv")
    return Catalog(parse_instance_types(data.read_text(encoding="utf-8")))
