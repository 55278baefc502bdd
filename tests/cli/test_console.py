"""`sparkfleet ui`: the console's sign-in address of the running cluster, or one line saying it is down."""

from __future__ import annotations

import pytest

from sparkfleet.cli.console import console_login_url
from support.cli import sf

pytestmark = pytest.mark.usefixtures("home")


def test_the_address_carries_the_token_quoted() -> None:
    assert console_login_url("https://127.0.0.1:16443/", "a+b/c") == (
        "https://127.0.0.1:16443/ui/login?token=a%2Bb%2Fc"
    )


def test_a_cluster_that_is_not_running_is_one_line() -> None:
    code, out, err = sf("ui")
    assert code == 1 and out == ""
    assert (
        err.strip()
        == "error: cluster default is not running; start it with `sparkfleet up --cluster default`"
    )
