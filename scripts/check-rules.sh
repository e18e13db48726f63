#!/usr/bin/env bash
# Checks the Prometheus rules for twinwatch: lints rules/twinwatch.rules.yml (every finding is
# fatal, warnings included) and runs its promtool unit tests, rules/tests/*.yml.
# Run from anywhere; exits non-zero on the first failing step.
#
#   scripts/check-rules.sh            # PROMTOOL=/path/to/promtool to use another binary
#
# (rules/twinwatch-alerts.yaml is twinwatch's own rule format, checked by `twinwatch check-config`.)
set -euo pipefail
cd "$(dirname "$0")/.."

promtool=${PROMTOOL:-promtool}
if ! command -v "$promtool" >/dev/null 2>&1; then
  echo "check-rules: $promtool not found: it comes from the Debian package prometheus (apt-get install prometheus)" >&2
  exit 2
fi

rules=rules/twinwatch.rules.yml
shopt -s nullglob
tests=(rules/tests/*.yml)
if ((${#tests[@]} == 0)); then
  echo "check-rules: no unit tests in rules/tests/" >&2
  exit 1
fi

# --lint=all --lint-fatal: duplicate rules and any other lint finding fail too (exit 3).
echo "== promtool check rules $rules"
output=$("$promtool" check rules --lint=all --lint-fatal "$rules" 2>&1) || { echo "$output" >&2; echo "check-rules: $rules has problems" >&2; exit 1; }
echo "$output"
# A clean check prints only "Checking FILE" and "SUCCESS: N rules found"; any other line is a finding.
if grep -vE '^(Checking .*|  SUCCESS: [0-9]+ rules found|\s*)$' <<<"$output" >&2; then
  echo "check-rules: promtool reported findings on $rules" >&2
  exit 1
fi

echo "== promtool test rules ${tests[*]}"
"$promtool" test rules "${tests[@]}" || { echo "check-rules: unit tests failed" >&2; exit 1; }
echo "check-rules: OK"
