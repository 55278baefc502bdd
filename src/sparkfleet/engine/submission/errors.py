"""The one error native submission raises."""

from __future__ import annotations


class SubmissionError(ValueError):
    """The application cannot be submitted as written; the message says what to change.

    These are the cases where spark-submit (or the operator) would fail the submission, reported without
    starting a JVM. The lifecycle maps it to SUBMISSION_FAILED with this text.
    """
