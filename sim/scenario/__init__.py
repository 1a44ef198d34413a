"""Scenarios: the schema, safe loading with `extends` and overrides, and input errors."""

from .errors import InputError, Issue, OverwrittenValueWarning
from .loader import load_scenario, validate, with_overrides
from .schema import Scenario

__all__ = ["InputError", "Issue", "OverwrittenValueWarning", "Scenario", "load_scenario", "validate", "with_overrides"]
