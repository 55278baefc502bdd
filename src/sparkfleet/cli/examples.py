"""`sparkfleet examples`: what the examples need on this machine, such as the taxi-trip input data.

The blueprint's taxi job reads one month of NYC yellow-taxi trips (`yellow_tripdata_2022-01.parquet`)
copied 26 times. Without internet, `taxi-data` writes parquet with that file's columns and types: seeded
pseudo-random trips in January 2022, written once by a local Spark session and copied K times.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["TAXI_COLUMNS", "examples_app", "write_taxi_data"]

TAXI_COLUMNS: tuple[tuple[str, str], ...] = (
    ("VendorID", "bigint"),
    ("tpep_pickup_datetime", "timestamp"),
    ("tpep_dropoff_datetime", "timestamp"),
    ("passenger_count", "double"),
    ("trip_distance", "double"),
    ("RatecodeID", "double"),
    ("store_and_fwd_flag", "string"),
    ("PULocationID", "bigint"),
    ("DOLocationID", "bigint"),
    ("payment_type", "bigint"),
    ("fare_amount", "double"),
    ("extra", "double"),
    ("mta_tax", "double"),
    ("tip_amount", "double"),
    ("tolls_amount", "double"),
    ("improvement_surcharge", "double"),
    ("total_amount", "double"),
    ("congestion_surcharge", "double"),
    ("airport_fee", "double"),
)
"""The columns of yellow_tripdata_2022-01.parquet with their Spark SQL types, in file order."""

DEFAULT_OUT = Path("examples/data/taxi/input")
_FILE_NAME = "yellow_tripdata_2022-01-copy{index:02d}.parquet"
_MONTH_SECONDS = 31 * 24 * 3600
_JANUARY_2022 = 1640995200  # 2022-01-01T00:00:00Z


def _trip_values() -> dict[str, str]:
    """A SQL expression per column over `id` and seeded rand() draws u0..u9 (cast to its type later)."""
    pickup = f"{_JANUARY_2022} + floor(u1 * {_MONTH_SECONDS})"
    fare = "round(2.5 + u3 * 60.0, 2)"
    extra = "CASE WHEN u8 < 0.5 THEN 0.5 ELSE 0.0 END"
    tip = f"round(CASE WHEN u4 < 0.7 THEN {fare} * u5 * 0.3 ELSE 0.0 END, 2)"
    tolls = "CASE WHEN u6 < 0.05 THEN 6.55 ELSE 0.0 END"
    congestion = "CASE WHEN u7 < 0.9 THEN 2.5 ELSE 0.0 END"
    airport = "CASE WHEN u8 < 0.08 THEN 1.25 ELSE 0.0 END"
    surcharges = f"{extra} + 0.5 + {tolls} + 0.3 + {congestion} + {airport}"
    return {
        "VendorID": "1 + floor(u0 * 2)",
        "tpep_pickup_datetime": f"timestamp_seconds(CAST({pickup} AS BIGINT))",
        "tpep_dropoff_datetime": f"timestamp_seconds(CAST({pickup} + 120 + floor(u2 * 3000) AS BIGINT))",
        "passenger_count": "1 + floor(u9 * 4)",
        "trip_distance": "round(0.3 + u2 * 12.0, 2)",
        "RatecodeID": "CASE WHEN u9 < 0.95 THEN 1 ELSE 2 END",
        "store_and_fwd_flag": "CASE WHEN u0 < 0.98 THEN 'N' ELSE 'Y' END",
        "PULocationID": "1 + floor(u5 * 265)",
        "DOLocationID": "1 + floor(u6 * 265)",
        "payment_type": "CASE WHEN u4 < 0.7 THEN 1 ELSE 2 END",
        "fare_amount": fare,
        "extra": extra,
        "mta_tax": "0.5",
        "tip_amount": tip,
        "tolls_amount": tolls,
        "improvement_surcharge": "0.3",
        "total_amount": f"round({fare} + {tip} + {surcharges}, 2)",
        "congestion_surcharge": congestion,
        "airport_fee": airport,
    }


def _trip_columns() -> list[str]:
    values = _trip_values()
    return [f"CAST({values[name]} AS {kind}) AS {name}" for name, kind in TAXI_COLUMNS]


def _generate(out: Path, rows: int, files: int, seed: int) -> None:
    """The Spark side of write_taxi_data (run in a child process, see there)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("sparkfleet-taxi-data")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # The NYC files store timestamps as INT64 microseconds, not Spark's default INT96.
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .getOrCreate()
    )
    try:
        # One partition makes rand(seed) a fixed sequence, so the data is the same on every run.
        draws = [f"rand({seed + i}) AS u{i}" for i in range(10)]
        trips = spark.range(0, rows, 1, 1).selectExpr("id", *draws).selectExpr(*_trip_columns())
        with tempfile.TemporaryDirectory(prefix="taxi-data-") as staging:
            trips.write.mode("overwrite").parquet(staging)
            (written,) = sorted(Path(staging).glob("part-*.parquet"))
            out.mkdir(parents=True, exist_ok=True)
            for old in out.glob(_FILE_NAME.replace("{index:02d}", "*")):
                old.unlink()
            for index in range(1, files + 1):
                shutil.copyfile(written, out / _FILE_NAME.format(index=index))
    finally:
        spark.stop()


def write_taxi_data(out: Path, rows: int, files: int, seed: int = 2022) -> list[Path]:
    """Write `files` identical parquet files of `rows` trips each into `out` (created; earlier
    yellow_tripdata copies there are replaced) and return their paths. The same seed gives the same trips.

    Spark runs in a child process: its JVM and gateway go away with it instead of staying in the caller."""
    if rows < 1 or files < 1:
        raise ValueError("rows and files must be at least 1")
    argv = [sys.executable, "-m", __name__, str(out), str(rows), str(files), str(seed)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generating taxi data failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return [out / _FILE_NAME.format(index=index) for index in range(1, files + 1)]


examples_app = typer.Typer(help="Data and helpers for the example jobs.", no_args_is_help=True)


@examples_app.command("taxi-data")
def taxi_data(
    rows: Annotated[int, typer.Option("--rows", min=1, help="Trips per file.")] = 10_000,
    files: Annotated[
        int, typer.Option("--files", min=1, help="Copies of the file (the blueprint makes 26).")
    ] = 2,
    out: Annotated[Path, typer.Option("--out", help="Directory for the parquet files.")] = DEFAULT_OUT,
) -> None:
    """Generate NYC yellow-taxi parquet (the schema of yellow_tripdata_2022-01) for the taxi-trip jobs."""
    try:
        paths = write_taxi_data(out, rows, files)
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(paths)} file(s) of {rows} trips each to {out}")


if __name__ == "__main__":
    _generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
