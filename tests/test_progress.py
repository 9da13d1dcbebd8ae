"""Progress shows on stderr when it is a terminal (a real pseudo-terminal here), never on stdout,
and nothing at all when stderr is a pipe."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from conftest import TODAY


def run(args: list[str], cwd: Path, *, tty_stderr: bool) -> tuple[int, bytes, bytes]:
    """Run ``python -m sobctl`` with stdout on a pipe and stderr on a pty (or a pipe)."""
    command = [sys.executable, "-m", "sobctl", *args]
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    if not tty_stderr:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120, check=False)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=slave)
    finally:
        os.close(slave)
    assert process.stdout is not None
    streams = {process.stdout.fileno(): b"", master: b""}
    open_fds = set(streams)
    while open_fds:  # drain both at once so neither side can block the child
        ready, _, _ = select.select(list(open_fds), [], [], 120)
        assert ready, "sobctl did not finish"
        for fd in ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO on the pty once the child side is closed
                chunk = b""
            if chunk:
                streams[fd] += chunk
            else:
                open_fds.discard(fd)
    stdout, terminal = streams[process.stdout.fileno()], streams[master]
    os.close(master)
    return process.wait(timeout=120), stdout, terminal


def test_progress_on_a_terminal_only(region: Path, tmp_path: Path) -> None:
    site = ["report", "catalogue", "--output", str(tmp_path / "site"), "--as-of", TODAY]
    code, stdout, terminal = run(site, region, tty_stderr=True)
    assert code == 0, terminal
    assert stdout == b""
    assert b"Writing the catalogue pages" in terminal
    assert b"wrote the catalogue" in terminal

    code, stdout, stderr = run(site, region, tty_stderr=False)
    assert code == 0 and stdout == b""
    assert b"Writing the catalogue pages" not in stderr and b"\x1b[" not in stderr
    assert stderr.decode().splitlines() == [stderr.decode().strip()]  # just the one closing line


def test_progress_never_pollutes_data_on_stdout(region: Path) -> None:
    usage = ["report", "usage", "--format", "csv", "--as-of", TODAY]
    code_tty, data_tty, terminal = run(usage, region, tty_stderr=True)
    code_pipe, data_pipe, stderr = run(usage, region, tty_stderr=False)
    assert code_tty == code_pipe == 0
    assert data_tty == data_pipe and data_pipe.startswith(b"Unit,Unit name,")
    assert b"Reading the repository" in terminal
    assert stderr == b""
    status = ["--lang", "sv", "status", "--as-of", TODAY]
    code, data, terminal = run(status, region, tty_stderr=True)
    assert code == 0 and b"Kontrollerar f" in terminal and b"\x1b" not in data


def test_progress_helper_is_silent_off_a_terminal(capsys: object) -> None:
    from sobctl.cli.progress import enabled, progress, track

    assert list(track(iter(range(4)), "Looping")) == [0, 1, 2, 3]
    assert list(track([5, 6], "Looping")) == [5, 6]
    with progress("Counting", total=3) as bar:
        for _ in range(3):
            bar.advance()
        bar.update(total=4, description="More")
    assert not enabled()  # pytest captures stderr: not a terminal
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert captured.out == "" and captured.err == ""


def test_validate_and_log_show_progress_on_a_terminal_only(region: Path) -> None:
    validate = ["validate", "--as-of", TODAY, "--format", "json", "--no-cache"]
    code_tty, data_tty, terminal = run(validate, region, tty_stderr=True)
    code_pipe, data_pipe, stderr = run(validate, region, tty_stderr=False)
    assert code_tty == code_pipe == 0
    assert data_tty == data_pipe and data_pipe.startswith(b"{")
    assert b"Validating the repository" in terminal
    assert stderr == b""

    export = ["log", "--format", "csv"]  # stdout is a pipe: an export
    code_tty, data_tty, terminal = run(export, region, tty_stderr=True)
    code_pipe, data_pipe, stderr = run(export, region, tty_stderr=False)
    assert code_tty == code_pipe == 0
    assert data_tty == data_pipe and data_pipe.startswith(b"commit,when,")
    assert b"Reading the history" in terminal
    assert stderr == b""
