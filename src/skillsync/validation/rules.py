"""One line per finding code: the rule's title in SARIF output (`shortDescription`).
docs/validation.md holds the full rule, its severity and its source; a test keeps the
two in step."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # the release and its files
    "skill-file-dropped": "A file of a skill was left out of the release",
    "manifest-file-unlisted": "A file of a skill is missing from the manifest",
    "adapter-file-dropped": "A file where adapters live was left out of the release",
    "skill-md-missing": "A skill lists no SKILL.md",
    "skill-front-matter": "SKILL.md front matter is missing or malformed",
    "file-not-utf8": "A text file is not UTF-8",
    "source-config": "The source's .skillsync.yaml is invalid",
    "manifest-skill-name": "The manifest's skill name differs from SKILL.md's",
    "skill-name-unsafe": "A skill name cannot be used as a folder",
    "skill-name-duplicate": "Two skills of the release share a name",
    # the Agent Skills spec
    "skill-name-missing": "SKILL.md has no name",
    "skill-name-invalid": "The skill name breaks the Agent Skills name rule",
    "skill-name-mismatch": "The skill name differs from its folder's name",
    "skill-name-whitespace": "The skill name has leading or trailing whitespace",
    "skill-name-portability": "The skill name is not ASCII",
    "skill-description-missing": "SKILL.md has no description",
    "skill-description-invalid": "The description is empty, too long or not a string",
    "skill-license-invalid": "license is not a string",
    "skill-compatibility-invalid": "compatibility is not 1-500 characters of text",
    "skill-metadata-invalid": "metadata is not a map of strings",
    "skill-allowed-tools-invalid": "allowed-tools is not a string or a list of strings",
    "skill-unknown-field": "A front matter field outside the Agent Skills spec",
    # the body
    "skill-ref-missing": "SKILL.md references a file the release does not ship",
    "skill-ref-dropped": "SKILL.md references a file the release dropped",
    "skill-ref-outside": "SKILL.md references a path outside the skill",
    "skill-ref-depth": "A file is reached only through another reference",
    "skill-body-long": "SKILL.md is longer than 500 lines",
    "skill-body-tokens": "The SKILL.md body is longer than about 5,000 tokens",
    # adapters
    "adapter-front-matter": "An adapter's front matter is malformed",
    "adapter-metadata-invalid": "adapter_metadata is malformed",
    "adapter-version-missing": "An adapter declares no skill_version",
    "adapter-source-missing": "An adapter's source_path is not in the release",
    "adapter-skill-mismatch": "An adapter's skill_name and source_path disagree",
    "adapter-skill-missing": "An adapter's skill is not in the release",
    "adapter-stale": "An adapter's skill_version differs from its skill's",
    # agent profiles
    "claude-code-listing-cut": "Claude Code cuts the listed description",
    "claude-code-when-to-use": "when_to_use is not a string",
    "codex-short-description": "metadata.short-description is too long for Codex",
    "gh-skill-name": "gh skill publish needs an ASCII name",
    "gh-skill-allowed-tools": "gh skill publish needs allowed-tools as a string",
    "gh-skill-install-metadata": "gh skill install metadata must be stripped",
    "gh-skill-description-bytes": "The description is over 1,024 bytes",
    "gh-skill-license": "No license field",
    "gh-skill-body-lines": "The body is over 500 lines",
    # whole set per target
    "target-listing-budget": "The target's skills overrun the agent's listing budget",
    "target-agent-dir": "The agent does not look for skills in the target's dest",
    "target-gh-skill-layout": "gh skill does not find skills in the target's dest",
    "target-codex-dirs": "More directories than Codex scans",
    "target-skill-collision": "A skill lands on the target's own skill",
    "target-skill-two-sources": "A skill is also installed from another source",
    "target-landing-collision": "Two release files land on one path in the target",
    "target-tree-unread": "The target's tree could not be read",
}
