"""Where the cluster's servers listen (its API, Spark's History Server): loopback, unless `--address`
says otherwise. Nothing else (no environment variable, no remembered setting) moves them off it, and a
command that does warns that other machines can now reach it."""

from __future__ import annotations

import ipaddress

import typer

__all__ = ["ANY_ADDRESS", "LOOPBACK", "address_option", "exposure_warning", "is_loopback"]

LOOPBACK = "127.0.0.1"
"""`sparkfleet.server.serve.LOOPBACK`, the `--address` default, without importing the server to read it
(tests/cli/test_startup.py checks that the two agree)."""
ANY_ADDRESS = "0.0.0.0"
"""Every interface of the machine."""


def address_option(value: str) -> str:
    """Typer callback of `--address`: an IPv4 address (servers listen on IPv4 sockets)."""
    try:
        return str(ipaddress.IPv4Address(value.strip()))
    except ValueError:
        raise typer.BadParameter(
            f'"{value}" is not an IPv4 address; give one such as {LOOPBACK} (this machine only) or '
            f"{ANY_ADDRESS} (every interface)"
        ) from None


def is_loopback(address: str) -> bool:
    return ipaddress.IPv4Address(address).is_loopback


def exposure_warning(what: str, address: str) -> str | None:
    """The warning a command prints when `what` listens on `address`; None on loopback."""
    if is_loopback(address):
        return None
    where = "every interface" if address == ANY_ADDRESS else address
    return f"warning: {what} listens on {where}: other machines can reach it, not only this one"
