"""`python -m bot` is the `orderproof` command."""
import sys

from bot.cli import main

sys.exit(main())
