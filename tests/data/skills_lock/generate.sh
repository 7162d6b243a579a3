#!/usr/bin/env bash
# Regenerates the golden data in this directory by running the real `skills` CLI
# (npm package `skills`, vercel-labs/skills). Not run by the test suite.
#
#   NODE=/path/to/node22/bin/node tests/data/skills_lock/generate.sh
#
# Needs: node >= 22.20 (the CLI's engines field), npm, git, python3. The CLI is
# installed into a scratch directory, never into this repository. Everything runs
# offline: local and file:// sources, and "github" sources redirected to local bare
# repositories with git's url.<base>.insteadOf.
set -euo pipefail

CLI_VERSION=${CLI_VERSION:-1.7.4}
NODE=${NODE:-node}
HERE=$(cd "$(dirname "$0")" && pwd)
# A fixed scratch path, so reruns are comparable.
WORK=/tmp/skillsync-skills-lock-golden
rm -rf "$WORK"
mkdir -p "$WORK/cli" "$WORK/home"

(cd "$WORK/cli" && npm init -y >/dev/null && npm install --no-audit --no-fund "skills@$CLI_VERSION" >/dev/null)
CLI="$WORK/cli/node_modules/skills/bin/cli.mjs"

export HOME="$WORK/home" DISABLE_TELEMETRY=1 DO_NOT_TRACK=1 GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME=golden GIT_AUTHOR_EMAIL=golden@example.invalid
export GIT_COMMITTER_NAME=golden GIT_COMMITTER_EMAIL=golden@example.invalid
export GIT_AUTHOR_DATE=2025-01-01T00:00:00Z GIT_COMMITTER_DATE=2025-01-01T00:00:00Z
# "github" sources (owner/repo) clone https://github.com/<owner>/<repo>.git, and so on:
# send them to local bare repositories instead.
git config --global url."file://$WORK/remotes/".insteadOf https://github.com/
git config --global url."file://$WORK/remotes/gitlab/".insteadOf https://gitlab.com/
git config --global url."file://$WORK/remotes/generic/".insteadOf https://git.example.com/
git config --global init.defaultBranch main

skills() {  # run the CLI in project dir $1 with the remaining arguments
  (cd "$1" && "$NODE" "$CLI" "${@:2}" -y --agent claude-code --copy)
}

fresh_project() {
  rm -rf "$1"
  mkdir -p "$1"
  git -C "$1" init -q
}

# 1. Hashes of the golden skill folders, each installed from a local path.
declare -A HASH
variant="$WORK/nested-plus-excluded"
cp -r "$HERE/skills/nested" "$variant"
mkdir -p "$variant/.git" "$variant/node_modules/pkg" "$variant/empty-dir" "$variant/scripts/node_modules"
printf 'ref: refs/heads/main\n' >"$variant/.git/HEAD"
printf 'module.exports = 1;\n' >"$variant/node_modules/pkg/index.js"
printf 'x\n' >"$variant/scripts/node_modules/x.js"
ln -s SKILL.md "$variant/link.md"
ln -s scripts "$variant/linkdir"
for dir in "$HERE/skills/basic" "$HERE/skills/nested" "$HERE/skills/binary" "$variant"; do
  proj="$WORK/proj-$(basename "$dir")"
  fresh_project "$proj"
  json=$(skills "$proj" add "$dir" --json 2>/dev/null)
  HASH[$(basename "$dir")]=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["hash"])' "$json")
  lock_hash=$(python3 -c 'import json,sys; print(next(iter(json.load(open(sys.argv[1]))["skills"].values()))["computedHash"])' "$proj/skills-lock.json")
  [ "$lock_hash" = "${HASH[$(basename "$dir")]}" ]
done

# 2. A source repository with two releases, served as a bare repo (github via
#    insteadOf, and plain file://).
src="$WORK/src"
mkdir -p "$src/skills"
cp -r "$HERE/skills/basic" "$HERE/skills/nested" "$src/skills/"
mkdir -p "$src/skills/upper"
printf -- '---\nname: Upper-Case\ndescription: Upper-case name sorts first.\n---\nBody.\n' >"$src/skills/upper/SKILL.md"
git -C "$src" init -q
git -C "$src" add -A
git -C "$src" commit -qm v1.0.0
git -C "$src" tag v1.0.0
printf 'changed in v1.1.0\n' >>"$src/skills/nested/scripts/run.py"
git -C "$src" commit -qam v1.1.0
git -C "$src" tag v1.1.0
mkdir -p "$WORK/remotes/acme"
git clone -q --bare "$src" "$WORK/remotes/acme/skills.git"
# A second source, reached as a GitLab and as a generic git URL.
tools="$WORK/tools"
mkdir -p "$tools/git-tool"
printf -- '---\nname: git-tool\ndescription: From a generic git source.\n---\nBody.\n' >"$tools/git-tool/SKILL.md"
git -C "$tools" init -q
git -C "$tools" add -A
git -C "$tools" commit -qm v0.1.0
git -C "$tools" tag v0.1.0
mkdir -p "$WORK/remotes/gitlab/group/sub" "$WORK/remotes/generic/team"
git clone -q --bare "$tools" "$WORK/remotes/gitlab/group/sub/tools.git"
mkdir -p "$tools/gen-tool"
sed 's/^name: git-tool$/name: gen-tool/' "$tools/git-tool/SKILL.md" >"$tools/gen-tool/SKILL.md"
git -C "$tools" add -A
git -C "$tools" commit -qm v0.2.0
git -C "$tools" tag v0.2.0
git clone -q --bare "$tools" "$WORK/remotes/generic/team/tools.git"

proj="$WORK/proj-lock"
fresh_project "$proj"
skills "$proj" add "acme/skills#v1.0.0" --skill '*' >/dev/null 2>&1
skills "$proj" add "gitlab:group/sub/tools#v0.1.0" >/dev/null 2>&1
skills "$proj" add "https://git.example.com/team/tools.git#v0.2.0" --skill gen-tool >/dev/null 2>&1
skills "$proj" add "$HERE/skills/binary" >/dev/null 2>&1
cp "$proj/skills-lock.json" "$HERE/cli-lock-v1.json"
# 3. The same project after the CLI moved the github skills to v1.1.0.
skills "$proj" add "acme/skills#v1.1.0" --skill '*' >/dev/null 2>&1
cp "$proj/skills-lock.json" "$HERE/cli-lock-v2.json"

# 4. ICU collation the CLI sorts paths with (String.prototype.localeCompare).
"$NODE" "$HERE/collation.mjs" >"$HERE/collation.json"

"$NODE" -e '
const [basic, nested, binary, variant, cliVersion] = process.argv.slice(1);
const out = {
  cli: {package: "skills", version: cliVersion, node: process.version, icu: process.versions.icu},
  hashes: {basic, nested, binary},
  variants: {
    "nested+excluded": {
      hash: variant,
      same_as: "nested",
      adds: [".git/HEAD", "node_modules/pkg/index.js", "scripts/node_modules/x.js",
             "empty-dir/", "link.md -> SKILL.md (symlink)", "linkdir -> scripts (symlink)"]
    }
  }
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
' "${HASH[basic]}" "${HASH[nested]}" "${HASH[binary]}" "${HASH[nested-plus-excluded]}" "$CLI_VERSION" >"$HERE/expected.json"
echo "wrote $HERE/expected.json cli-lock-v1.json cli-lock-v2.json collation.json" >&2
