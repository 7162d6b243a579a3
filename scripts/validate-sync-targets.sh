#!/usr/bin/env bash
# validate-sync-targets.sh — the target health check, for CI steps and cron jobs that
# want a plain shell entry point.
#
# Usage: scripts/validate-sync-targets.sh [--targets DIR] [--only ID...] [-o FILE]
#                                         [--jobs N] [--timeout SECONDS]
#
# Loads targets/*.yaml (a bad file is a config error: exit 2, one line naming file:line),
# then checks every enabled target: remote reachable, branch present, auth variable set,
# submodule path present, webhook endpoint answering; for a target with `forge:`, the API
# answers, the token is valid and may push and open pull requests, and the branch
# protection that affects a sync (reviews, signed commits, status checks; issue 16).
# One line per target on stderr, a
# JSON report on stdout (or -o FILE). Exit codes: 0 all healthy, 1 a target is unhealthy,
# 2 usage or configuration error. All options go to scripts/health (see its --help).
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec "${here}/health" "$@"
