"""Test-support code, as pre-commit keeps its `testing/` package: imported by the tests,
never collected as tests, never installed (the wheel packages `src/skillsync` only).

- `gha_expressions`: GitHub Actions' `${{ }}` expression language, the parts our workflows
  use, with GitHub's documented semantics (tests/test_actions_emulator.py checks them).
- `gha_emulator`: runs a workflow's jobs locally: needs and if-conditions, matrices,
  reusable workflows (called by OWNER/NAME/...@SHA or ./ from the caller's commit),
  composite actions, environments, secrets, artifacts, GITHUB_OUTPUT and friends;
- `gha_cache`: actions/cache/restore and /save, with the cache kept across runs per ref.
- `gha_repositories`: stand-ins for the repositories a run reads (skillsync's own at one
  commit) and the adopter's workflows exactly as `skillsync-init` writes them.
"""
