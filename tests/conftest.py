"""Shared fixtures, and how the suite is spread over test workers."""

from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist's `--dist loadgroup` (pyproject.toml), a test file's tests run on one
    worker, so that the runs a file caches (validation, calibration, documented scenarios) are
    made once; a test may name a group of its own to run beside the rest of its file."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.name))


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "scenarios"
