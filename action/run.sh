#!/usr/bin/env bash
# Runs the scan for the GitHub Action: human output and annotations in the log,
# the readiness summary in the job summary, SARIF (and any extra formats) to files.
# Records the outputs `findings`, `sarif-file` and `exit-code`; always exits 0 so
# that the SARIF upload can run; the action's last step applies the exit code.
set -uo pipefail

tmp="${RUNNER_TEMP:-$(mktemp -d)}"
sarif="${INPUT_SARIF_FILE:-}"
[ -z "$sarif" ] && sarif="$tmp/opsgate.sarif"
json="$tmp/opsgate-report.json"

read -r -a paths <<< "${INPUT_PATHS:-.}"
[ "${#paths[@]}" -eq 0 ] && paths=(.)
args=(scan "${paths[@]}" --format human --format github
      --format "sarif=$sarif" --format "json=$json")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--format markdown)
extra="${INPUT_FORMAT:-}"
for f in ${extra//,/ }; do
    args+=(--format "$f")
done
[ -n "${INPUT_FAIL_ON:-}" ] && args+=(--fail-on "$INPUT_FAIL_ON")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
for d in ${INPUT_POLICY_DIR:-}; do
    args+=(--policy-dir "$d")
done

echo "opsgate ${args[*]}"
opsgate "${args[@]}"
code=$?

findings=0
if [ -f "$json" ]; then
    # The summary's count of findings that are not suppressed.
    findings="$(sed -n 's/^    "findings": \([0-9][0-9]*\),\{0,1\}$/\1/p' "$json" | tail -n 1)"
    findings="${findings:-0}"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "findings=$findings"
        echo "sarif-file=$sarif"
        echo "exit-code=$code"
    } >> "$GITHUB_OUTPUT"
fi
echo "opsgate: $findings finding(s), exit code $code"
exit 0
