"""Every command in README.md and docs/*.md runs as written, in order, twice in a row.

The commands are the lines of the fenced `bash` blocks, and of any other fenced block whose lines
start with `alignsim`; a line ending in `\\` continues on the next, and `a && b` is two commands.
Each `alignsim ...` (or `.venv/bin/alignsim ...`) runs as `python -m sim ...` under bash (so
`scenarios/*.yaml` expands) in a temporary copy of the files the commands read (scenarios/,
data/, sweeps/, figures/), with this checkout's `sim` on PYTHONPATH, as a fresh clone would.
README.md's Python example runs too.

Small sizes, so that the walk takes two to three minutes on two cores: in the copy,
`--replications N` becomes `--replications 3`, the scenarios' default replications become 3, and
the sweep and figures files keep 2 replications, 8 Sobol' samples and 3 grid steps per parameter
(see SMALL). Nothing else about a command changes.

Then README.md's commands run again in the same folder: the "run it again" a reader will do,
which passes only because the commands follow the one overwrite rule (README.md). The commands of
docs/ run once, in order, in a fresh copy of their own, as a reader who starts from the documents
would, beside README.md's on another test worker.

What cannot run in a test is listed in NOT_RUN with the reason; a test checks that each entry
still names a documented command, and every documented command is either run or listed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COPIED = ("scenarios", "data", "sweeps", "figures", "tests/data", "estimation")

NOT_RUN = {
    "python3 -m venv .venv": "creates the environment this test already runs in",
    ".venv/bin/pip install": "installs packages from the network",
    ".venv/bin/python -m pytest": "is the test suite this test belongs to",
    "alignsim viz": "starts the dashboard server, which runs until Ctrl-C (tests/test_browser.py drives it)",
    "dask scheduler": "starts a cluster daemon that runs until stopped, on another machine",
    "dask worker": "starts a cluster daemon that runs until stopped, on another machine",
    "alignsim sweep sweeps/kazakhstan_sobol.yaml --executor dask --scheduler tcp://10.0.0.1:8786":
        "needs the cluster started by the two lines before it, at that address",
    ".venv/bin/python docs/images/dashboard.py": "rewrites the committed picture; tests/test_browser.py runs it "
                                                 "into a temporary folder",
    "python benchmarks/": "a benchmark: minutes each, measuring the machine (docs/performance.md)",
    "# start_cluster.py": "needs dask-jobqueue and a SLURM login node",
    "alignsim forecast scenarios/brics_2024_round_calibrated.yaml --observed data/brics_decisions.csv --score":
        "scores the forecast once the record holds the decisions of 2026-2027; until then it refuses, exit 2 "
        "(tests/test_forecast.py scores a toy record)",
    "alignsim estimate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv --likelihood history --walkers 32 --steps 100000":
        "regenerates the committed posterior (minutes); tests/test_posterior.py checks the committed one converged",
}
SMALL = [  # (files in the copy, pattern, replacement)
    ("scenarios/base/*.yaml", r"replications: \d+", "replications: 3"),
    # The LHS sweep runs as bundled (2,000 runs, ~20 s): PRIM (`discover`) needs its points and
    # replications to find a box as dense as the docs ask.
    ("sweeps/kazakhstan_sobol.yaml", r"(?m)^replications: \d+", "replications: 2"),
    ("sweeps/sanctions_vs_western_trade.yaml", r"(?m)^replications: \d+", "replications: 2"),
    ("sweeps/kazakhstan_sobol.yaml", r"(?m)^samples: \d+", "samples: 8"),  # N x (D + 2) points
    ("sweeps/*.yaml", r"steps: \d+", "steps: 3"),
    ("figures/*.yaml", r"replications: \d+", "replications: 2"),
    ("estimation/verdicts.yaml", r"(?m)^replications: \d+", "replications: 3"),
]
PYTHON = ("import sim", "from sim")  # a Python block of the docs, run as a script
COMMAND = re.compile(r"^(?:\.venv/bin/)?alignsim(?=\s|$)")


def blocks(path: Path) -> list[tuple[str, str]]:
    """(language, body) of each fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.M | re.S)


def documented() -> list[tuple[str, str]]:
    """(document, command) in reading order; a Python block is one command."""
    found = []
    for path in DOCUMENTS:
        name = path.relative_to(ROOT).as_posix()
        for language, body in blocks(path):
            lines = body.replace("\\\n", " ").splitlines()
            if language == "python":
                found.append((name, body))
            elif language in ("bash", "sh", "shell") or any(COMMAND.match(line.strip()) for line in lines):
                for line in lines:
                    if line.strip() and not line.lstrip().startswith("#"):
                        found += [(name, " ".join(part.split())) for part in line.split("&&")]
    return found


def reason_not_run(command: str) -> str | None:
    return next((reason for prefix, reason in NOT_RUN.items() if command.lstrip().startswith(prefix)), None)


def test_every_documented_command_is_run_or_listed_with_a_reason():
    commands = documented()
    assert len(commands) > 20
    for document, command in commands:
        assert COMMAND.match(command) or command.startswith(PYTHON) or reason_not_run(command), (
            f"{document}: {command!r} is neither an alignsim command nor listed in NOT_RUN with a reason")
    for prefix in NOT_RUN:
        assert any(command.lstrip().startswith(prefix) for _, command in commands), (
            f"NOT_RUN lists {prefix!r}, which no document contains any more")


def fresh_copy(folder: Path) -> None:
    for name in COPIED:
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("out", "__pycache__"))
    for pattern, old, new in SMALL:
        for path in folder.glob(pattern):
            path.write_text(re.sub(old, new, path.read_text(encoding="utf-8")), encoding="utf-8")


def walk(folder: Path, commands: list[tuple[str, str]]) -> None:
    """Run each command in `folder`; each must exit 0 without a traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for document, command in commands:
        if command.startswith(PYTHON):
            argv = [sys.executable, "-c", command]
        else:
            shell = COMMAND.sub(f'"{sys.executable}" -m sim', command)
            argv = ["bash", "-c", re.sub(r"--replications \d+", "--replications 3", shell)]
        done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (f"{document}: `{command}` exited {done.returncode}\n"
                                      f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        assert "Traceback" not in done.stderr, f"{document}: `{command}`\n{done.stderr[-3000:]}"


def outputs(folder: Path) -> set[Path]:
    """The files under results/, a sweep's parts counted as their folder (their names are random)."""
    return {(p.parent if p.parent.name == "parts" else p).relative_to(folder) for p in (folder / "results").rglob("*")}


def run_as_documented() -> list[tuple[str, str]]:
    return [(document, command) for document, command in documented() if not reason_not_run(command)]


def test_the_readme_commands_run_as_written_twice_in_a_row(tmp_path):
    """README.md's commands in order, twice, giving the same files."""
    fresh_copy(tmp_path)
    readme = [(document, command) for document, command in run_as_documented() if document == "README.md"]
    walk(tmp_path, readme)
    first = outputs(tmp_path)
    assert {Path("results/belarus_semi_blockade/summary.csv"), Path("results/figures/phase_diagram.png"),
            Path("results/calibration/brics_2024_round_calibrated.yaml")} <= first
    walk(tmp_path, readme)
    assert outputs(tmp_path) == first


@pytest.mark.xdist_group("documented commands of docs")
def test_the_docs_commands_run_as_written(tmp_path):
    """The commands of docs/*.md in order, in a fresh copy."""
    fresh_copy(tmp_path)
    walk(tmp_path, [(document, command) for document, command in run_as_documented() if document != "README.md"])


@pytest.mark.parametrize("argv,output", [
    (["run", "scenarios/kazakhstan_multivector.yaml"], "results/kazakhstan_multivector/summary.csv"),
    (["validate", "scenarios/brics_2024_round.yaml", "--observed", "data/brics_decisions.csv"],
     "results/validation/brics_2024_round/scores.csv"),
    (["figures", "figures/paper.yaml"], "results/figures/timeline_belarus.png"),
    (["calibrate", "scenarios/brics_2024_round.yaml", "--observed", "data/brics_decisions.csv"],
     "results/calibration/brics_2024_round_calibrated.yaml"),
    (["sweep", "sweeps/sanctions_vs_western_trade.yaml"], "results/sweeps/sanctions_vs_western_trade/sweep.json"),
], ids=["run", "validate", "figures", "calibrate", "sweep"])
def test_a_command_refuses_to_replace_its_output_without_overwrite(tmp_path, argv, output):
    """One rule: existing output at the default place is refused (exit 2, untouched), naming --overwrite;
    the walk above shows that --overwrite replaces it."""
    fresh_copy(tmp_path)
    existing = tmp_path / output
    existing.parent.mkdir(parents=True)
    existing.write_text("someone's results\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sim", *argv], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert done.returncode == 2 and "--overwrite" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert existing.read_text(encoding="utf-8") == "someone's results\n"
    assert [p for p in (tmp_path / "results").rglob("*") if p.is_file()] == [existing]
