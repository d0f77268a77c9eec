"""One module per command of ``python -m sync``; each has ``register(subparsers)``."""
from . import once, register, request, run, status

COMMANDS = (register, run, once, request, status)
