"""Container logs: whole, tailed from the end, as a termination message, and followed while written."""

from __future__ import annotations

from pathlib import Path

from sparkfleet.runtime.local.logs import follow_lines, read_lines, tail_message


def test_read_lines_gives_every_line_or_the_last_n(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_text("one\ntwo\nthree\n")
    assert read_lines(log) == ["one", "two", "three"]
    assert read_lines(log, tail=2) == ["two", "three"]
    assert read_lines(log, tail=10) == ["one", "two", "three"]
    assert read_lines(log, tail=0) == []


def test_a_missing_log_has_no_lines(tmp_path: Path) -> None:
    assert read_lines(tmp_path / "none.log") == []
    assert read_lines(tmp_path / "none.log", tail=3) == []


def test_a_tail_reaches_across_blocks_of_a_long_log(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text("".join(f"line {i:06d} " + "x" * 100 + "\n" for i in range(3000)))
    tail = read_lines(log, tail=1500)
    assert len(tail) == 1500
    assert tail[0].startswith("line 001500 ")
    assert tail[-1].startswith("line 002999 ")


def test_a_last_line_without_a_line_end_counts(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_text("one\ntwo\nthree")
    assert read_lines(log, tail=2) == ["two", "three"]


def test_undecodable_bytes_are_replaced(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_bytes(b"ok \xff\n")
    assert read_lines(log) == ["ok \ufffd"]


def test_a_termination_message_keeps_the_end_within_kubernetes_limits(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_text("".join(f"{i}\n" for i in range(200)))
    assert tail_message(log).splitlines() == [str(i) for i in range(120, 200)]
    log.write_text("a" * 100 + "\n" + "b" * 3000 + "\n")
    message = tail_message(log)
    assert message == "b" * 2048


def test_following_yields_lines_as_they_are_written_until_the_writer_ends(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_text("first\n")
    writes = iter(["second\nthi", "rd\n", "last without end"])
    finished = False

    def wait(_seconds: float) -> None:
        # Stands in for the time passing between two looks: the writer writes its next piece.
        nonlocal finished
        piece = next(writes, None)
        if piece is None:
            finished = True
            return
        with log.open("a") as f:
            f.write(piece)

    lines = list(follow_lines(log, finished=lambda: finished, wait=wait))
    assert lines == ["first", "second", "third", "last without end"]


def test_following_with_a_tail_starts_at_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "c.log"
    log.write_text("1\n2\n3\n")
    assert list(follow_lines(log, finished=lambda: True, wait=lambda _: None, tail=1)) == ["3"]


def test_following_a_log_never_written_ends_when_the_writer_ends(tmp_path: Path) -> None:
    assert list(follow_lines(tmp_path / "none.log", finished=lambda: True, wait=lambda _: None)) == []
