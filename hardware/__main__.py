"""``python -m hardware COMMAND``: a thin dispatcher; the subcommands live in hardware/cli/."""
import sys

from hardware.cli import main

sys.exit(main())
