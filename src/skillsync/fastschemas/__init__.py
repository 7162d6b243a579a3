"""Validators generated from schemas/ (see skillsync.jsonschemas.generate)."""
