#!/usr/bin/env bash
# Installs opsgate for the GitHub Action, reproducibly:
#  1. the prebuilt release binary for this runner's OS and architecture, when the
#     action's repository publishes one for this version, verified against its
#     .sha256 file (a mismatch is an error, never a silent fallback);
#  2. otherwise `cargo install --locked --path` of the action's own checkout.
# The binary goes to $OPSGATE_HOME/<version>-<target>/bin (cached by the action)
# and that folder is added to $GITHUB_PATH.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
home="${OPSGATE_HOME:-$HOME/.opsgate}"
version="${INPUT_VERSION:-}"
if [ -z "$version" ]; then
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
fi

case "${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}" in
    Linux-X64) target=x86_64-unknown-linux-musl ;;
    Linux-ARM64) target=aarch64-unknown-linux-musl ;;
    macOS-X64) target=x86_64-apple-darwin ;;
    macOS-ARM64) target=aarch64-apple-darwin ;;
    Windows-X64) target=x86_64-pc-windows-msvc ;;
    *) target="" ;;
esac

dest="$home/$version-${target:-source}"
exe=opsgate
[ "${RUNNER_OS:-}" = "Windows" ] && exe=opsgate.exe

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

if [ -x "$dest/bin/$exe" ]; then
    echo "opsgate $version: using the cached $dest/bin/$exe"
else
    repo="${OPSGATE_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
    base="${OPSGATE_RELEASE_BASE_URL:-https://github.com/$repo/releases/download}"
    asset="opsgate-v$version-$target.tar.gz"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    if [ -n "$target" ] && [ -n "$repo$base" ] \
        && curl -fsSL --retry 2 -o "$tmp/$asset" "$base/v$version/$asset" 2>/dev/null \
        && curl -fsSL --retry 2 -o "$tmp/$asset.sha256" "$base/v$version/$asset.sha256" 2>/dev/null; then
        expected="$(cut -d' ' -f1 < "$tmp/$asset.sha256" | tr -d '[:space:]')"
        actual="$(sha256 "$tmp/$asset")"
        if [ "$expected" != "$actual" ]; then
            echo "::error title=opsgate install::checksum mismatch for $asset (expected $expected, got $actual)"
            exit 1
        fi
        mkdir -p "$dest/bin"
        tar -xzf "$tmp/$asset" -C "$tmp"
        install -m 0755 "$(find "$tmp" -type f -name "$exe" | head -n 1)" "$dest/bin/$exe"
        echo "opsgate $version: installed the release binary for $target (sha256 $actual)"
    else
        echo "opsgate $version: no release binary for ${target:-this runner}; building from source with cargo"
        cargo install --locked --path "$action_path" --root "$dest"
    fi
fi
"$dest/bin/$exe" --version
if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dest/bin" >> "$GITHUB_PATH"
fi
