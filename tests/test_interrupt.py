"""Ctrl-C ends a command quietly: one line on stderr saying what was kept, exit 130, no traceback
(not from the command, nor from a sweep's worker processes), and nothing half-written.

Each test starts the real command in its own process group, waits until it is busy (a line it
printed, or a file it wrote), then sends SIGINT to the whole group, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import fcntl
import os
import pty
import selectors
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 120  # seconds for a command to reach the awaited state; it is reached in a few


def _start(args: list[str], cwd: Path, stderr=subprocess.PIPE) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=stderr, start_new_session=True)


def _read_until(fd: int, text: bytes) -> bytes:
    """Read `fd` until `text` has appeared; what was read."""
    seen = b""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    end = time.monotonic() + DEADLINE
    while text not in seen:
        assert time.monotonic() < end, f"never saw {text!r}; got {seen[-2000:]!r}"
        if selector.select(timeout=1):
            chunk = os.read(fd, 65536)
            assert chunk, f"the stream closed before {text!r}; got {seen[-2000:]!r}"
            seen += chunk
    return seen


def _wait_for_file(process: subprocess.Popen, folder: Path, pattern: str) -> None:
    end = time.monotonic() + DEADLINE
    while not any(folder.glob(pattern)):
        assert process.poll() is None, "the command ended before writing anything"
        assert time.monotonic() < end, f"no {pattern} in {folder}"
        time.sleep(0.05)


def _interrupt(process: subprocess.Popen) -> tuple[str, str]:
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=DEADLINE)
    return (out or b"").decode(errors="replace"), (err or b"").decode(errors="replace")


def _assert_quiet(code: int, err: str, *expected: str) -> None:
    assert code == 130, f"exit {code}; stderr:\n{err}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "failed unexpectedly" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), err
    for text in expected:
        assert text in lines[0], err


def _half_written(*folders: Path) -> list[Path]:
    return [path for folder in folders if folder.exists() for path in folder.rglob("*")
            if path.name.startswith(".") or "tmp" in path.name]


def test_run_interrupted_writes_nothing(tmp_path):
    out = tmp_path / "out"
    leader, follower = pty.openpty()  # a terminal, so that the progress bar shows the run is under way
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = _start(["run", str(ROOT / "scenarios" / "kazakhstan_multivector.yaml"), "--replications", "50000",
                      "--out", str(out)], tmp_path, stderr=follower)
    os.close(follower)
    try:
        try:
            _read_until(leader, b"replications")
        finally:
            _interrupt(process)
        rest = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command has closed the terminal
                break
            if not chunk:
                break
            rest += chunk
    finally:
        os.close(leader)
    # The bar redraws with carriage returns; the command's own words come after it.
    err = rest.decode(errors="replace").replace("\r", "\n")
    tail = err[err.rfind("interrupted: "):] if "interrupted: " in err else err
    _assert_quiet(process.returncode, tail, f"nothing written to {out}/")
    assert "Traceback" not in err, err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "a staging folder was left behind"


def test_sweep_interrupted_keeps_finished_runs_and_workers_stay_quiet(tmp_path):
    from sim.sweep.store import Store

    out = tmp_path / "out"
    sweep = ROOT / "sweeps" / "kazakhstan_sobol.yaml"
    process = _start(["sweep", str(sweep), "--out", str(out), "--executor", "processes", "--workers", "2"], tmp_path)
    try:
        _wait_for_file(process, out / "parts", "results-*.parquet")
    finally:
        _, err = _interrupt(process)
    _assert_quiet(process.returncode, err, f"kept in {out}/", f"alignsim sweep {sweep} --out {out} --resume")
    assert not _half_written(out / "parts"), _half_written(out / "parts")
    assert 0 < len(Store.open(out).done()) < Store.open(out).manifest["total_runs"]


def test_figures_interrupted_leaves_no_partial_file(tmp_path):
    out, sweeps = tmp_path / "figs", tmp_path / "sweeps"
    process = _start(["figures", str(ROOT / "figures" / "paper.yaml"), "--out", str(out), "--sweeps", str(sweeps),
                      "--workers", "2"], tmp_path)
    try:
        _read_until(process.stdout.fileno(), b"computing sweep")
    finally:
        _, err = _interrupt(process)
    _assert_quiet(process.returncode, err, f"{out}/", f"{sweeps}/", "reuses")
    assert not _half_written(out, *sweeps.glob("*/parts")), _half_written(out, *sweeps.glob("*/parts"))


def test_an_interrupt_a_library_turns_into_its_own_error_still_ends_quietly(monkeypatch, capsys):
    """Ctrl-C during the dashboard server's logging set-up surfaced as logging's RuntimeError
    ('cannot release un-acquired lock', its context the KeyboardInterrupt): a traceback before."""
    import sim.viz

    def interrupted_while_configuring(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise RuntimeError("cannot release un-acquired lock")  # noqa: B904 - as logging raises it

    monkeypatch.setattr(sim.viz, "serve", interrupted_while_configuring)
    handler = signal.getsignal(signal.SIGINT)
    try:
        assert main(["viz", "--port", "0"]) == 130
    finally:  # an interrupted command ignores a second Ctrl-C; the commands these tests start must not inherit that
        signal.signal(signal.SIGINT, handler)
    err = capsys.readouterr().err
    assert "interrupted: the dashboard is stopped" in err and "Traceback" not in err, err


def test_viz_interrupted_stops_quietly(tmp_path):
    process = _start(["viz", "--port", "0"], tmp_path)
    try:
        _read_until(process.stdout.fileno(), b"http://127.0.0.1:")
    finally:
        _, err = _interrupt(process)
    _assert_quiet(process.returncode, err, "dashboard is stopped")


def test_a_ctrl_c_while_the_bar_is_made_leaves_no_bar_below_the_message(tmp_path, monkeypatch):
    """Ctrl-C landing after tqdm has drawn the bar but before its constructor has returned (seen once in
    CI): the bar no `with` holds must not draw itself again, when collected, under 'interrupted: ...'."""
    import gc
    import io

    import tqdm

    from sim.cli import main

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    made = tqdm.tqdm.__init__

    def made_then_interrupted(bar, *args, **kwargs):
        made(bar, *args, **kwargs)
        raise KeyboardInterrupt

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(tqdm.tqdm, "__init__", made_then_interrupted)
    # The command ignores a second Ctrl-C once interrupted; in this process that would outlive the
    # test and pass to every later subprocess of the worker (a server that can no longer be stopped).
    handler = signal.getsignal(signal.SIGINT)
    try:
        code = main(["run", str(ROOT / "scenarios" / "kazakhstan_multivector.yaml"), "--replications", "3",
                     "--out", str(tmp_path / "out")])
    finally:
        signal.signal(signal.SIGINT, handler)
    gc.collect()
    words = terminal.getvalue()
    assert "replications" in words[:words.find("interrupted: ")], "the bar was never drawn: nothing was tested"
    _assert_quiet(code, words[words.find("interrupted: "):].replace("\r", "\n"), "nothing written to")
    assert not (tmp_path / "out").exists()
