"""``python -m evplan.cli``."""

from evplan.cli import main

main()
