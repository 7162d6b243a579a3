"""Validation beyond the spec: agent profiles, SKILL.md bodies, the whole set a target
receives, SARIF output (issue 18). `skillsync.validate` ties them together."""
