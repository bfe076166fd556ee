"""``python -m portfolio.cli``: the portfolio command."""
from portfolio.cli import console_main

console_main()
