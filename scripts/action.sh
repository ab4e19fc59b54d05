#!/usr/bin/env bash
# The shell logic of the imgeda-ci GitHub Action (action.yml), one phase per call:
#
#   action.sh cache-key   pip cache key from the action's pyproject.toml    -> $GITHUB_OUTPUT
#   action.sh install     pip install the action's own copy of imgeda-ci ($GITHUB_ACTION_PATH)
#                         into a virtual environment of its own ($RUNNER_TEMP/imgeda-ci-venv,
#                         made with $IMGEDA_PYTHON): the caller's Python and PATH stay as they were
#   action.sh run         find the base commit, run 'imgeda-ci ci', write the job summary, print
#                         annotations, set outputs; never fails the step over the verdict
#   action.sh comment     post or update the sticky PR comment (never fails the step)
#   action.sh finish      fail the step when the gate failed or could not run: the last step
#
# Inputs arrive as environment variables only (never expanded into the script's text):
#   IMGEDA_PATH IMGEDA_POLICY IMGEDA_BASE_REF IMGEDA_MANIFEST IMGEDA_FAIL_ON_WARNINGS IMGEDA_ARGS
#   IMGEDA_OUT (output folder; default $RUNNER_TEMP/imgeda-ci) IMGEDA_REPORT (false = no HTML)
#   IMGEDA_COMMENT IMGEDA_REPORT_URL IMGEDA_EXIT_CODE, and GitHub's GITHUB_* / RUNNER_* ones.
set -euo pipefail

say() { printf '%s\n' "$*"; }
# a workflow command's message: %, CR and LF encoded
wf() { local s=${2//'%'/'%25'}; s=${s//$'\r'/'%0D'}; s=${s//$'\n'/'%0A'}; say "::$1::$s"; }
output() { [ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT" || true; }
summary() { [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat >>"$GITHUB_STEP_SUMMARY" || cat >/dev/null; }
python_bin() { command -v python3 || command -v python; }
# the Action's own virtual environment; every later phase runs imgeda-ci from it
venv_dir() { printf '%s' "${IMGEDA_VENV:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imgeda-ci-venv}"; }
imgeda() { "$(venv_dir)/bin/imgeda-ci" "$@"; }

phase_cache_key() {
  local action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
  local hash
  hash=$(sha256sum "$action_path/pyproject.toml" | cut -c1-16)
  local prefix="imgeda-ci-pip-${RUNNER_OS:-unknown}-py${PYTHON_VERSION:-3}"
  output key "$prefix-$hash"
  output restore-key "$prefix-"
}

phase_install() {
  local action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
  local venv
  venv=$(venv_dir)
  say "::group::Install imgeda-ci into $venv"
  "${IMGEDA_PYTHON:-$(python_bin)}" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "$action_path"
  imgeda --version
  say "::endgroup::"
}

# commit_available SHA: fetch the commit when this (shallow) clone lacks it
commit_available() {
  git cat-file -e "$1^{commit}" 2>/dev/null && return 0
  git fetch --no-tags --quiet --depth=1 origin "$1" 2>/dev/null || return 1
  git cat-file -e "$1^{commit}" 2>/dev/null
}

# resolve_base: set BASE to the commit to compare with, or to nothing
BASE=""
resolve_base() {
  local ref=${IMGEDA_BASE_REF:-}
  BASE=""
  if [ "$ref" = none ]; then
    return 0
  fi
  if [ -n "$ref" ]; then
    if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
      if git fetch --no-tags --quiet --depth=1 origin "$ref" 2>/dev/null; then
        git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || ref=$(git rev-parse FETCH_HEAD)
      fi
    fi
    if git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
      BASE=$(git rev-parse "$ref^{commit}")
    else
      wf warning "imgeda-ci: base ref '$ref' not found; comparing with no base"
    fi
    return 0
  fi
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) ;;
    *) return 0 ;;
  esac
  # actions/checkout checks out refs/pull/N/merge: its first parent is the base branch's tip
  local parents
  parents=$(git cat-file -p HEAD 2>/dev/null | sed -n 's/^parent //p') || parents=""
  if [ "$(printf '%s\n' "$parents" | grep -c .)" -ge 2 ]; then
    local first
    first=$(printf '%s\n' "$parents" | head -n1)
    if commit_available "$first"; then
      BASE=$first
      return 0
    fi
  fi
  if [ -n "${GITHUB_BASE_REF:-}" ]; then
    local remote="refs/remotes/origin/$GITHUB_BASE_REF"
    if git fetch --no-tags --quiet --depth=1 origin "+refs/heads/$GITHUB_BASE_REF:$remote" 2>/dev/null; then
      BASE=$(git rev-parse "$remote")
      return 0
    fi
  fi
  wf warning "imgeda-ci: could not find the pull request's base commit (use actions/checkout with fetch-depth: 2, or set base-ref); comparing with no base"
}

json_outputs() {
  "$(venv_dir)/bin/python" - "$1" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as fh:
    r = json.load(fh)
v = r.get("verdict", {})
counts = v.get("counts", {})
findings = [f for f in v.get("findings", []) if not f.get("waived")]
out = {
    "images": v.get("total_images", ""),
    "failed": counts.get("fail", 0),
    "warnings": counts.get("warn", 0),
    "findings": len(findings),
    "introduced": len(r["introduced"]) if "introduced" in r else "",
    "resolved": len(r["resolved"]) if "resolved" in r else "",
}
for k, val in out.items():
    print(f"{k}={val}")
PY
}

phase_run() {
  local path=${IMGEDA_PATH:-.}
  local out=${IMGEDA_OUT:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imgeda-ci}
  mkdir -p "$out"
  local manifest=${IMGEDA_MANIFEST:-$out/manifest.jsonl}
  resolve_base || BASE=""
  local base=$BASE
  [ -n "$base" ] && say "imgeda-ci: comparing with base commit $base"

  local -a args=(ci "$path" --manifest-out "$manifest" --comment-out "$out/comment.md"
    --summary-out "$out/summary.md" --sarif-out "$out/imgeda-ci.sarif"
    --junit-out "$out/junit.xml" --json-out "$out/result.json" --annotations --quiet)
  if [ "${IMGEDA_REPORT:-true}" != false ]; then
    args+=(--report-out "$out/report.html")
  fi
  [ -n "${IMGEDA_POLICY:-}" ] && args+=(--policy "$IMGEDA_POLICY")
  [ -n "$base" ] && args+=(--base-ref "$base")
  [ "${IMGEDA_FAIL_ON_WARNINGS:-false}" = true ] && args+=(--strict)
  if [ -n "${GITHUB_SERVER_URL:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] && [ -n "${GITHUB_RUN_ID:-}" ]; then
    args+=(--report-url "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID")
  fi
  if [ -n "${IMGEDA_ARGS:-}" ]; then
    local -a extra
    set -f # split on whitespace only: no globbing of the user's words
    read -r -a extra <<<"$IMGEDA_ARGS"
    set +f
    args+=("${extra[@]}")
  fi

  say "::group::imgeda-ci ${args[*]}"
  local code=0
  imgeda "${args[@]}" || code=$?
  say "::endgroup::"

  output exit-code "$code"
  output passed "$([ "$code" = 0 ] && echo true || echo false)"
  if [ -s "$out/summary.md" ]; then
    summary <"$out/summary.md"
  else
    printf '## imgeda-ci could not run (exit code %s)\n\nSee the log of this step.\n' "$code" | summary
  fi
  if [ -s "$out/result.json" ]; then
    json_outputs "$out/result.json" >>"${GITHUB_OUTPUT:-/dev/null}" || true
  fi
  [ -s "$out/report.html" ] && output report-path "$out/report.html"
  [ -s "$out/comment.md" ] && output comment-path "$out/comment.md"
  [ -s "$out/imgeda-ci.sarif" ] && output sarif-path "$out/imgeda-ci.sarif"
  [ -s "$out/junit.xml" ] && output junit-path "$out/junit.xml"
  return 0
}

phase_comment() {
  local file=${IMGEDA_COMMENT:?IMGEDA_COMMENT is not set}
  local -a args=(comment --file "$file" --no-summary-fallback)
  [ -n "${IMGEDA_REPORT_URL:-}" ] && args+=(--report-url "$IMGEDA_REPORT_URL")
  imgeda "${args[@]}" || wf warning "imgeda-ci comment failed; the job summary has the report"
  return 0
}

phase_finish() {
  case "${IMGEDA_EXIT_CODE:-}" in
    0) say "imgeda-ci: the policy passed" ;;
    2)
      wf error "imgeda-ci: the policy failed; see the job summary"
      exit 2
      ;;
    *)
      wf error "imgeda-ci could not run (exit code ${IMGEDA_EXIT_CODE:-none}); see the log of the 'Run imgeda-ci' step"
      exit 1
      ;;
  esac
}

case "${1:-}" in
  cache-key) phase_cache_key ;;
  install) phase_install ;;
  run) phase_run ;;
  comment) phase_comment ;;
  finish) phase_finish ;;
  *)
    say "usage: action.sh cache-key|install|run|comment|finish" >&2
    exit 64
    ;;
esac
