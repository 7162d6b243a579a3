"""skillsync: release-to-downstream sync for skills repositories."""

__version__ = "0.1.0"
