"""Shared fixtures."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "scenarios"
