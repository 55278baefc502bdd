"""The blueprint's taxi-trip job: read NYC yellow-taxi parquet, stamp it, write it back.

Usage: pyspark-taxi-trip.py INPUT_PATH OUTPUT_PATH

Reads every parquet file under INPUT_PATH, adds a column with the current timestamp, prints the schema
and 20 rows, logs the record count, repartitions to 2 and writes parquet to OUTPUT_PATH (overwrite).
"""

from __future__ import annotations

import logging
import sys

from pyspark.sql import SparkSession
from pyspark.sql.functions import current_timestamp

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logger = logging.getLogger("taxi-trip")


def main(args: list[str]) -> int:
    if len(args) != 2:
        print("Usage: pyspark-taxi-trip.py INPUT_PATH OUTPUT_PATH", file=sys.stderr)
        return 2
    input_path, output_path = args
    spark = SparkSession.builder.appName("NewYorkTaxiData").getOrCreate()
    try:
        trips = spark.read.parquet(input_path).withColumn("current_date", current_timestamp())
        trips.printSchema()
        trips.show(20, truncate=False)
        logger.info("Total number of records: %d", trips.count())
        trips.repartition(2).write.mode("overwrite").parquet(output_path)
        logger.info("Wrote the taxi trips to %s", output_path)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
