#!/usr/bin/env bash
# Installs the Debian packages tgphone needs, when missing.
#   scripts/deps.sh build   cgo libraries and GUI headers
#   scripts/deps.sh test    plus Xvfb and sound tools for the tests
#   scripts/deps.sh appimage  plus mksquashfs and the .desktop checker (make appimage)
#   scripts/deps.sh fyne    plus xz for `fyne package` and the .desktop checker (make fyne-package)
#   scripts/deps.sh flatpak plus flatpak and flatpak-builder (make flatpak)
# As root it runs apt-get; otherwise it prints the one line to run.
set -euo pipefail
what=${1:-build}
pkgs=(gcc libc6-dev pkg-config libopus-dev libopusfile-dev libspeexdsp-dev
      libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev
      libxxf86vm-dev libwayland-dev libxkbcommon-dev)
if [ "$what" = test ]; then
  pkgs+=(xvfb x11-utils xdotool imagemagick espeak-ng sox desktop-file-utils opus-tools)
fi
if [ "$what" = appimage ]; then
  pkgs+=(squashfs-tools desktop-file-utils)
fi
if [ "$what" = fyne ]; then
  pkgs+=(xz-utils desktop-file-utils)
fi
if [ "$what" = flatpak ]; then
  pkgs+=(flatpak flatpak-builder)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "tgphone needs these Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
# Go 1.26: the module proxy serves the toolchain itself (GOTOOLCHAIN) to any go ≥ 1.21.
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    echo "go is at /usr/local/go/bin; add it to PATH" >&2
  elif [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq golang-go >/dev/null
  else
    echo "  sudo apt-get install -y golang-go   (then GOTOOLCHAIN fetches Go 1.26)" >&2
    exit 1
  fi
fi
