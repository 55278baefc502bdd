"""A driver's credentials for the cluster's API: a token file of its pod, readable by its owner only."""

from __future__ import annotations

from pathlib import Path

from sparkfleet.runtime.local.apiaccess import ApiAccess, write_credentials


def test_the_token_is_a_private_file_in_the_pod_directory_without_a_line_break(tmp_path: Path) -> None:
    credentials = write_credentials(ApiAccess("https://127.0.0.1:1", "t0ken", tmp_path / "ca.crt"), tmp_path)
    assert credentials.token_file.parent == tmp_path / "serviceaccount"
    assert credentials.token_file.read_bytes() == b"t0ken"  # fabric8 refuses a header value ending in \n
    assert credentials.token_file.stat().st_mode & 0o777 == 0o600
    assert credentials.token_file.parent.stat().st_mode & 0o777 == 0o700
    assert credentials.ca_file == tmp_path / "ca.crt"
