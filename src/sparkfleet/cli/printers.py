"""How `get` lays out a table: the printer columns of cluster/printcolumns (the ones the API server sends
kubectl), with kubectl's headers and cell text, as a rich table on a terminal and as kubectl's aligned
plain text anywhere else, so piped output keeps every name whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sparkfleet.cluster import Cell, Column, Obj
from sparkfleet.cluster import columns_for as _columns

__all__ = ["cell_text", "columns_for", "print_table", "shown", "title"]

# kubectl's tabwriter: cells padded by three spaces, at least six wide; the last column is not padded.
_PADDING = 3
_MIN_WIDTH = 6


def title(column: Column) -> str:
    return column.name.upper()


def cell_text(cell: Cell) -> str:
    """A cell as kubectl prints it: null as nothing, booleans as true/false, whole floats without `.0`."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def shown(kind: str, wide: bool) -> tuple[Column, ...]:
    """The columns of `kind` that `get` shows: priority 0, and priority 1 too with `-o wide`."""
    return tuple(c for c in _columns(kind) if wide or c.priority == 0)


def columns_for(kind: str, wide: bool = False) -> list[tuple[str, Callable[[Obj, datetime], str]]]:
    """(TITLE, read) for each shown column, `read(obj, now)` giving the cell's text."""

    def reader(column: Column) -> Callable[[Obj, datetime], str]:
        return lambda obj, now: cell_text(column.cell(obj, now))

    return [(title(c), reader(c)) for c in shown(kind, wide)]


def _aligned(titles: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    table = [list(titles), *map(list, rows)]
    widths = [max(_MIN_WIDTH, max(len(r[i]) for r in table) + _PADDING) for i in range(len(titles))]
    lines = []
    for row in table:
        padded = [text.ljust(width) for text, width in zip(row[:-1], widths, strict=False)]
        lines.append("".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines)


def print_table(console: Console, titles: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A rich table on a terminal (folding cells that do not fit), kubectl's plain layout otherwise."""
    if not console.is_terminal:
        console.print(
            _aligned(titles, rows), markup=False, highlight=False, emoji=False, soft_wrap=True, crop=False
        )
        return
    table = Table(box=None, pad_edge=False, header_style="bold", padding=(0, _PADDING, 0, 0))
    for name in titles:
        table.add_column(Text(name), no_wrap=True, overflow="fold")
    for row in rows:
        table.add_row(*map(Text, row))
    console.print(table)
