#!/usr/bin/env bash
# make fyne-package: Fyne's own Linux package of tgphone,
# dist/tgphone-VERSION-linux-ARCH.tar.xz, made by `fyne package` (the CLI
# path is the argument) from FyneApp.toml: a release build, the menu entry
# named after the app id, the icon, and a Makefile whose `make install` /
# `make user-install` puts them in place.
#
# fyne package has no way to register a URL scheme (its CanOpen adds "%F",
# a list of files, to Exec), so the tel: handler tgphone's other packages
# register is added to its menu entry here, which is then validated.
set -euo pipefail
cd "$(dirname "$0")/.."
fyne=${1:?usage: scripts/fyne-package.sh FYNE-CLI}
scripts/deps.sh fyne
version=$(awk -F'"' '/^ *Version *=/ {print $2}' FyneApp.toml)
id=$(awk -F'"' '/^ *ID *=/ {print $2}' FyneApp.toml)
arch=$(uname -m)
work=$(mktemp -d)
trap 'rm -rf "$work" tgphone.tar.xz' EXIT
"$fyne" package --os linux --release --tags no_animations # steady text cursor: see TAGS in the Makefile
rm -f tgphone   # the binary it built here; the tarball holds a copy
tar -xJf tgphone.tar.xz -C "$work"
desktop=$(find "$work" -name "$id.desktop")
[ -n "$desktop" ] || { echo "no $id.desktop in fyne package's tarball" >&2; exit 1; }
sed -i '/^Exec=/a MimeType=x-scheme-handler/tel;' "$desktop"
desktop-file-validate "$desktop"
mkdir -p dist
out="dist/tgphone-$version-linux-$arch.tar.xz"
tar -cJf "$out" -C "$work" .
echo "wrote $out ($(du -h "$out" | cut -f1)); install with: tar -xJf $out && make -C tgphone install (PREFIX=...)"
