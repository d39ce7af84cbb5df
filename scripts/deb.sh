#!/usr/bin/env bash
# make deb: a Debian package of the desktop app in dist/: a release build, the
# menu entry with the tel: link handler, the icon. Its Depends are the
# packages owning the libraries the binary links (read with objdump, so they
# match the machine that built it); miniaudio opens ALSA or PulseAudio at
# run time, hence the Recommends.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(awk -F'"' '/^ *Version *=/ {print $2}' FyneApp.toml)
build=$(awk -F'= *' '/^ *Build *=/ {print $2}' FyneApp.toml)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
# A release build: no symbol table or DWARF (90 MB → about a third), no
# build paths.
go build -tags no_animations -trimpath -ldflags "-s -w" -o "$root/usr/bin/tgphone" . # steady text cursor: see TAGS in the Makefile

owner() { # owner LIB [FALLBACK]: the package holding LIB, else FALLBACK
  local p
  p=$(dpkg -S "*/$1" 2>/dev/null | head -1 | cut -d: -f1) || true
  echo "${p:-${2:-}}"
}
depends=$(objdump -p "$root/usr/bin/tgphone" | awk '/NEEDED/ {print $2}' | while read -r lib; do owner "$lib"; done |
  grep . | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$depends" ] || { echo "no library packages found for the binary" >&2; exit 1; }

install -Dm644 desktop/tgphone.desktop "$root/usr/share/applications/tgphone.desktop"
install -Dm644 assets/icon.png "$root/usr/share/icons/hicolor/256x256/apps/tgphone.png"
install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: tgphone
Version: $version-$build
Architecture: $arch
Maintainer: tgphone developers <tgphone@users.noreply.github.com>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Recommends: $(owner libasound.so.2 libasound2) | $(owner libpulse.so.0 libpulse0)
Section: net
Priority: optional
Homepage: https://github.com/tgphone/tgphone
Description: desktop softphone for Telegram voice calls
 Places and answers Telegram one-to-one voice calls from the desktop: pick
 a contact or type a username or phone number and press Call, or answer
 from the ringing window. Speaks both Telegram call protocols (tgcalls V2
 and libtgvoip 2.4.4) and opens tel: links. Without Telegram API
 credentials it runs against a built-in local sandbox with demo contacts.
EOF
cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
EOF
chmod 755 "$root/DEBIAN/postinst"
mkdir -p dist
out="dist/tgphone_${version}-${build}_${arch}.deb"
dpkg-deb --build --root-owner-group "$root" "$out" >/dev/null
echo "wrote $out"
