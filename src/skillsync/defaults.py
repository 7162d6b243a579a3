"""Defaults that command-line parsers show in --help.

Kept in a module that imports nothing, so building a parser (and `--help`)
never pulls in the library modules that use them (start-up time, issue 8 P4).
"""

SYNC_JOBS = 4            # targets synced at once: I/O bound (git, HTTP), twice our cores
STATUS_JOBS = 8          # targets read at once by fleet-status (read-only, cheap)
STATUS_TIMEOUT = 60.0
HEALTH_JOBS = 8
HEALTH_TIMEOUT = 20.0
INVENTORY_FILE = "docs/downstream-inventory.md"
