"""Shared fixtures, and how the suite is spread over test workers."""

from pathlib import Path

import pytest

# Minutes each group of tests took on one worker of a 2-core machine (CI's size): at stop 19 with
# `pytest --durations=0`, the three longest again from a fresh-clone CI run at stop 25 (the walks
# 8.1 and 8.0, the posterior's three samplings about 4). Groups start longest first, so that the
# longest do not meet on one worker at the end of the run; a group not listed is short and starts
# after them. Stale numbers cost only time, never a result.
MINUTES = {"documented commands of docs": 8.1, "test_documented_commands.py": 8.0, "test_validation.py": 4.8,
           "posterior": 4.0, "rules": 3.0, "test_documented_figures.py": 3.0, "test_compare_rules.py": 2.5,
           "test_sweeps.py": 1.0, "test_browser.py": 0.8, "test_estimate.py": 0.7, "test_cli.py": 0.7}


def group_of(item) -> str:
    return str(item.get_closest_marker("xdist_group").args[0])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist's `--dist loadgroup` (pyproject.toml), a test file's tests run on one
    worker, so that the runs a file caches (validation, calibration, documented scenarios) are
    made once; a test may name a group of its own to run beside the rest of its file. The
    groups are handed out in the order of their first test (`--no-loadscope-reorder`)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.name))
    items.sort(key=lambda item: -MINUTES.get(group_of(item), 0.0))


def pytest_xdist_node_collection_finished(node, ids):
    """Under `--dist loadgroup`, pytest-xdist sends a group to one worker by a suffix it adds to
    each test's id; pytest 9.2 stopped reading it (pyproject.toml pins below it), and every group
    was then spread over the workers, each computing the runs its tests share: the suite took twice
    as long and nothing said why. Every test has a group here, so an id without one means that."""
    if node.config.getvalue("dist") == "loadgroup" and not all("@" in nodeid for nodeid in ids):
        raise pytest.UsageError("pytest-xdist's --dist loadgroup is not grouping tests under this pytest "
                                f"({pytest.__version__}): see tests/conftest.py")


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "scenarios"
