#!/usr/bin/env bash
# make appimage: dist/tgphone-VERSION-ARCH.AppImage, built from Debian
# packages and the Go module proxy only.
#
# An AppImage (type 2) is an ELF start-up program with "AI\x02" at byte 8,
# followed by a squashfs image of an AppDir. AppImage's own runtime and
# appimagetool are in neither source this project builds from, so the
# start-up program is ours (packaging/appimage/runtime: it unpacks the image
# into the user's cache once and runs AppRun, no FUSE needed), and the
# image is made by Debian's mksquashfs.
#
# The AppDir holds the release binary and the shared libraries it needs
# that a desktop cannot be assumed to have (Opus, Ogg, speexdsp, the X11
# extension libraries); the C library, OpenGL/EGL (they must match the
# graphics driver), libX11/libxcb and the sound servers' client libraries
# come from the system, as AppImage's excludelist has it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh appimage
version=$(awk -F'"' '/^ *Version *=/ {print $2}' FyneApp.toml)
id=$(awk -F'"' '/^ *ID *=/ {print $2}' FyneApp.toml)
arch=$(uname -m)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app=$work/AppDir
mkdir -p "$app/usr/bin" "$app/usr/lib"

go build -tags no_animations -trimpath -ldflags "-s -w" -o "$app/usr/bin/tgphone" . # steady text cursor: see TAGS in the Makefile
(cd packaging/appimage/runtime && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/runtime" .)

# System libraries: never bundled (patterns on the soname).
system='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libgcc_s|libstdc\+\+|libGL|libGLX|libGLdispatch|libEGL|libOpenGL|libgbm|libdrm|libX11|libX11-xcb|libxcb.*|libXau|libXdmcp|libasound|libpulse.*|libwayland-.*|libffi|libz|libbsd|libmd|libexpat|libudev|libsystemd|libdbus-1|libfontconfig|libfreetype)\.so'
ldd "$app/usr/bin/tgphone" | awk '/=> \// {print $1, $3}' | while read -r name path; do
  if [[ $name =~ $system ]]; then continue; fi
  cp -L "$path" "$app/usr/lib/$name"
done
if ldd "$app/usr/bin/tgphone" | grep -q "not found"; then
  echo "the binary needs libraries this machine lacks" >&2; exit 1
fi

cat >"$app/AppRun" <<'SH'
#!/bin/sh
# tgphone's AppImage entry: the bundled libraries first, then the system's.
here=$(dirname "$(readlink -f "$0")")
export LD_LIBRARY_PATH="$here/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$here/usr/bin/tgphone" "$@"
SH
chmod 755 "$app/AppRun"
install -Dm644 desktop/tgphone.desktop "$app/tgphone.desktop"
install -Dm644 desktop/tgphone.desktop "$app/usr/share/applications/tgphone.desktop"
install -Dm644 assets/icon.png "$app/tgphone.png"
install -Dm644 assets/icon.png "$app/.DirIcon"
install -Dm644 assets/icon.png "$app/usr/share/icons/hicolor/512x512/apps/tgphone.png"
install -Dm644 "desktop/$id.metainfo.xml" "$app/usr/share/metainfo/$id.metainfo.xml"
desktop-file-validate "$app/tgphone.desktop"

mksquashfs "$app" "$work/image.squashfs" -root-owned -noappend -comp gzip -quiet >/dev/null
# The AppImage type 2 magic: "AI" and 2 in the ELF header's padding (byte 8).
printf 'AI\002' | dd of="$work/runtime" bs=1 seek=8 conv=notrunc status=none
mkdir -p dist
out="dist/tgphone-$version-$arch.AppImage"
cat "$work/runtime" "$work/image.squashfs" >"$out"
chmod 755 "$out"
# The start-up program must find the image where it was put.
offset=$("$out" --appimage-offset)
[ "$offset" = "$(stat -c %s "$work/runtime")" ] || { echo "runtime reads the image at $offset, it is at $(stat -c %s "$work/runtime")" >&2; exit 1; }
echo "wrote $out ($(du -h "$out" | cut -f1); bundled: $(ls "$app/usr/lib" | paste -sd' ' -))"
