"""`sparkfleet examples taxi-data`: NYC yellow-taxi parquet for the taxi-trip examples (a local Spark
session writes it, so these tests start a JVM)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.examples import TAXI_COLUMNS, write_taxi_data
from sparkfleet.cli.main import app

pytestmark = pytest.mark.e2e

READ_BACK = """
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
trips = spark.read.parquet(sys.argv[1])
january = trips.selectExpr(
    "min(tpep_pickup_datetime) >= timestamp'2022-01-01 00:00:00'"
    " AND max(tpep_pickup_datetime) < timestamp'2022-02-01 00:00:00'"
    " AND min(unix_timestamp(tpep_dropoff_datetime) - unix_timestamp(tpep_pickup_datetime)) > 0"
).first()[0]
schema = [(f.name, f.dataType.simpleString()) for f in trips.schema.fields]
print(json.dumps({"schema": schema, "count": trips.count(), "january": january}))
spark.stop()
"""
CAPTURE: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


def test_taxi_data_writes_copies_of_a_parquet_file_with_the_yellow_tripdata_2022_01_schema(
    tmp_path: Path,
) -> None:
    out = tmp_path / "input"
    result = CliRunner().invoke(
        app, ["examples", "taxi-data", "--rows", "25", "--files", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.parquet"))
    assert [f.name for f in files] == [f"yellow_tripdata_2022-01-copy{i:02d}.parquet" for i in (1, 2, 3)]
    assert files[0].read_bytes() == files[2].read_bytes(), "copies of one file, as the blueprint uploads"

    summary = json.loads(subprocess.run([sys.executable, "-c", READ_BACK, str(out)], **CAPTURE).stdout)
    assert [tuple(column) for column in summary["schema"]] == list(TAXI_COLUMNS)
    assert summary["count"] == 75
    assert summary["january"], "trips picked up in January 2022 and dropped off after pick-up"


def test_taxi_data_refuses_an_empty_data_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        write_taxi_data(tmp_path, rows=0, files=1)
