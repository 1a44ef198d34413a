"""`python -m sim` is the `alignsim` command."""

from .cli import entry_point

entry_point()
