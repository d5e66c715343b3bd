#!/usr/bin/env bash
# Installs opsgate for the GitHub Action: the version asked for (input `version`,
# default the version of the action's own checkout), or an error; never another one.
#  1. The release binary for this runner's OS and architecture when the action's
#     repository publishes one for that version (.github/workflows/release.yml, packed
#     by scripts/package-release.sh), verified against its .sha256 file: a mismatch,
#     or an asset without its checksum, is an error, never a silent fallback.
#  2. Else built with cargo: `cargo install --locked --path` of the action's checkout
#     when it is that version, else `cargo install --locked --git` of the action's
#     repository at tag v<version>.
#  3. Whichever it was, the binary must report that version.
# The binary goes to $OPSGATE_HOME/<version>-<target>/bin (cached by the action)
# and that folder is added to $GITHUB_PATH.
set -euo pipefail

fail() {
    echo "::error title=opsgate install::$*"
    exit 1
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
home="${OPSGATE_HOME:-$HOME/.opsgate}"
own="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
version="${INPUT_VERSION:-$own}"
version="${version#v}"
semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
if ! [[ "$version" =~ $semver ]]; then
    fail "version \`${INPUT_VERSION:-}\` is not a release version like $own"
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

repo="${OPSGATE_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
server="${GITHUB_SERVER_URL:-https://github.com}"
base="${OPSGATE_RELEASE_BASE_URL:-}"
if [ -z "$base" ] && [ -n "$repo" ]; then
    base="$server/$repo/releases/download"
fi

if [ -x "$dest/bin/$exe" ]; then
    echo "opsgate $version: using the cached $dest/bin/$exe"
else
    name="opsgate-v$version-$target"
    asset="$name.tar.gz"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    if [ -n "$target" ] && [ -n "$base" ] \
        && curl -fsSL --retry 2 -o "$tmp/$asset" "$base/v$version/$asset" 2>/dev/null; then
        curl -fsSL --retry 2 -o "$tmp/$asset.sha256" "$base/v$version/$asset.sha256" 2>/dev/null \
            || fail "$asset has no $asset.sha256 beside it; an unverified binary is not installed"
        expected="$(cut -d' ' -f1 < "$tmp/$asset.sha256" | tr -d '[:space:]')"
        actual="$(sha256 "$tmp/$asset")"
        if [ "$expected" != "$actual" ]; then
            fail "checksum mismatch for $asset (expected $expected, got $actual)"
        fi
        mkdir -p "$tmp/x"
        tar -xzf "$tmp/$asset" -C "$tmp/x"
        [ -f "$tmp/x/$name/$exe" ] || fail "$asset does not hold $name/$exe"
        mkdir -p "$dest/bin"
        install -m 0755 "$tmp/x/$name/$exe" "$dest/bin/$exe"
        echo "opsgate $version: installed the release binary for $target (sha256 $actual)"
    elif [ "$version" = "$own" ]; then
        echo "opsgate $version: no release binary for ${target:-this runner}; building the action's source with cargo"
        cargo install --locked --path "$action_path" --root "$dest" \
            || fail "cargo could not build opsgate $version from $action_path"
    elif [ -n "$repo" ]; then
        url="$server/$repo"
        echo "opsgate $version: no release binary for ${target:-this runner}; building tag v$version of $url with cargo (the action's own source is $own)"
        cargo install --locked --git "$url" --tag "v$version" --root "$dest" opsgate \
            || fail "cargo could not build opsgate $version from tag v$version of $url"
    else
        fail "opsgate $version: no release binary for ${target:-this runner}, and the action's own source is $own; use the action at that version (uses: <owner>/opsgate@v$version) or leave out \`version\`"
    fi
fi

# What was installed (or cached) must be the version asked for.
reported="$("$dest/bin/$exe" --version 2>&1)" || fail "$dest/bin/$exe does not run: $reported"
case " $reported " in
    *" $version "*) ;;
    *)
        rm -rf "$dest"
        fail "asked for opsgate $version but $dest/bin/$exe is \`$reported\`"
        ;;
esac
echo "$reported"
if [ -n "${GITHUB_PATH:-}" ]; then
    bin="$dest/bin"
    # Windows runners read $GITHUB_PATH as Windows paths; Git Bash's are /c/...
    if command -v cygpath >/dev/null 2>&1; then
        bin="$(cygpath -w "$bin")"
    fi
    echo "$bin" >> "$GITHUB_PATH"
fi
