"""`python -m bot.cli`, the same as the `incidentbot` console script."""

from bot.cli import main

main()
