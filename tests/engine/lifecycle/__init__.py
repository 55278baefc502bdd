"""Tests of the SparkApplication and ScheduledSparkApplication lifecycle engines."""
