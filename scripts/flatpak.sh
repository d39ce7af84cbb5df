#!/usr/bin/env bash
# make flatpak: dist/tgphone-VERSION.flatpak, a single-file bundle built by
# flatpak-builder from packaging/flatpak/org.tgphone.tgphone.yml.
#
# flatpak-builder builds without network, so the Go toolchain (the one this
# go command is, which must be the version go.mod names) and the Go modules
# (`go mod vendor`) are staged first into dist/flatpak/stage, where the
# manifest takes them from. The manifest runs on Flathub's
# org.freedesktop.Platform and .Sdk 24.08, installed from Flathub when
# missing (--install-deps-from).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh flatpak
version=$(awk -F'"' '/^ *Version *=/ {print $2}' FyneApp.toml)
want=go$(awk '/^go / {print $2}' go.mod)
have=$(go env GOVERSION)
if [ "$have" != "$want" ]; then
  echo "go.mod names $want, this go is $have: run with GOTOOLCHAIN=$want" >&2
  exit 1
fi
stage=dist/flatpak/stage
rm -rf "$stage"
mkdir -p "$stage"
go mod vendor -o "$stage/vendor"
cp -a "$(go env GOROOT)/." "$stage/go"
echo "staged $want and $(grep -c '^# ' "$stage/vendor/modules.txt") modules in $stage"

if ! flatpak remotes --user --columns=name | grep -qx flathub; then
  flatpak remote-add --user --if-not-exists flathub https://dl.flathub.org/repo/flathub.flatpakrepo
fi
flatpak-builder --user --install-deps-from=flathub --force-clean --disable-rofiles-fuse --state-dir=dist/flatpak/state \
  --repo=dist/flatpak/repo dist/flatpak/build packaging/flatpak/org.tgphone.tgphone.yml
flatpak build-bundle dist/flatpak/repo "dist/tgphone-$version.flatpak" org.tgphone.tgphone
echo "wrote dist/tgphone-$version.flatpak; install with: flatpak install --user dist/tgphone-$version.flatpak"
