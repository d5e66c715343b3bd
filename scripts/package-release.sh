#!/usr/bin/env bash
# Packs one release asset, as .github/workflows/release.yml publishes it and
# action/install.sh reads it (tests/action.rs packs its test releases with this too):
#
#   OUTDIR/opsgate-v<VERSION>-<TARGET>.tar.gz
#       opsgate-v<VERSION>-<TARGET>/opsgate   (opsgate.exe for Windows targets)
#       opsgate-v<VERSION>-<TARGET>/README.md, LICENSE (those the checkout has)
#   OUTDIR/opsgate-v<VERSION>-<TARGET>.tar.gz.sha256
#       "<sha256>  <asset>", the format `sha256sum -c` checks
#
# tar.gz for every target, Windows too: one packer here and one unpacker in
# install.sh (Git Bash's tar on Windows runners), and Windows' own tar.exe reads it.
# Prints the asset's file name.
#
# Usage: scripts/package-release.sh VERSION TARGET BINARY OUTDIR
set -euo pipefail

if [ "$#" -ne 4 ]; then
    echo "usage: $0 VERSION TARGET BINARY OUTDIR" >&2
    exit 2
fi
version="$1"
target="$2"
binary="$3"
out="$4"
semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
if ! [[ "$version" =~ $semver ]]; then
    echo "$0: version \`$version\` is not MAJOR.MINOR.PATCH[-PRERELEASE]" >&2
    exit 2
fi
if ! [[ "$target" =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]]; then
    echo "$0: \`$target\` is not a target triple" >&2
    exit 2
fi
if [ ! -f "$binary" ]; then
    echo "$0: no binary at $binary" >&2
    exit 2
fi
exe=opsgate
case "$target" in
    *-windows-*) exe=opsgate.exe ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
name="opsgate-v$version-$target"
asset="$name.tar.gz"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
cp "$binary" "$stage/$name/$exe"
chmod 0755 "$stage/$name/$exe"
for doc in README.md LICENSE; do
    if [ -f "$root/$doc" ]; then
        cp "$root/$doc" "$stage/$name/$doc"
    fi
done
# No macOS AppleDouble files (._opsgate) in the archive.
COPYFILE_DISABLE=1 tar -czf "$out/$asset" -C "$stage" "$name"

if command -v sha256sum >/dev/null 2>&1; then
    sum="$(sha256sum "$out/$asset")"
else
    sum="$(shasum -a 256 "$out/$asset")"
fi
# Written by hand: sha256sum on Windows marks binary mode ("*asset").
printf '%s  %s\n' "${sum%% *}" "$asset" > "$out/$asset.sha256"
echo "$asset"
