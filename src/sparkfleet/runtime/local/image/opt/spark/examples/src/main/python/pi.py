"""Estimate pi with Spark: throw random darts at the square [-1, 1]^2 and count those inside the unit circle.

Usage: pi.py [partitions]. Each partition throws SAMPLES_PER_PARTITION darts with its own seeded
generator, so partitions are independent tasks whatever executor runs them; the driver adds the hits up.
The circle covers pi/4 of the square, hence pi ~ 4 * hits / darts.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Iterator

from pyspark.sql import SparkSession

SAMPLES_PER_PARTITION = 100_000


def hits_in_partition(index: int, _rows: Iterable[int]) -> Iterator[int]:
    rng = random.Random(index)
    inside = 0
    for _ in range(SAMPLES_PER_PARTITION):
        x, y = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        if x * x + y * y <= 1.0:
            inside += 1
    yield inside


def main(argv: list[str]) -> None:
    partitions = int(argv[1]) if len(argv) > 1 else 2
    spark = SparkSession.builder.appName("PythonPi").getOrCreate()
    try:
        darts = SAMPLES_PER_PARTITION * partitions
        slices = spark.sparkContext.parallelize(range(partitions), partitions)
        hits = slices.mapPartitionsWithIndex(hits_in_partition).sum()
        print(f"Pi is roughly {4.0 * hits / darts:f}")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv)
