#!/usr/bin/env bash
# Decides whether the action uploads its SARIF report to code scanning: asked for
# (input upload-sarif), a report was written, and the run's token can write
# security events. Pull requests from forks and Dependabot's runs get a read-only
# token, and the upload would fail the job although the annotations and the job
# summary have every finding: those are skipped with a notice. Records the output
# `upload` (true or false).
set -euo pipefail

upload=false
skip() {
    echo "::notice title=opsgate%3A SARIF not uploaded::$*"
}
if [ "${INPUT_UPLOAD_SARIF:-false}" != "true" ]; then
    :
elif [ -z "${SARIF_FILE:-}" ] || [ ! -f "$SARIF_FILE" ]; then
    skip "the scan wrote no SARIF report${SARIF_FILE:+ at $SARIF_FILE}"
elif [ "${ACTOR:-}" = "dependabot[bot]" ]; then
    skip "runs started by Dependabot get a read-only token, which cannot write security events; the annotations and the job summary have the findings"
elif [[ "${EVENT_NAME:-}" == pull_request* ]] && [ "${EVENT_NAME:-}" != "pull_request_target" ] \
    && [ "${HEAD_REPO:-}" != "${GITHUB_REPOSITORY:-}" ]; then
    # A fork's head repository (or none, when the fork was deleted).
    skip "pull requests from forks (here ${HEAD_REPO:-a deleted fork}) get a read-only token, which cannot write security events; the annotations and the job summary have the findings"
else
    upload=true
fi
echo "opsgate: upload SARIF: $upload"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "upload=$upload" >> "$GITHUB_OUTPUT"
fi
