"""``python -m evplan.cli``."""

from evplan.cli import console

console()
