#!/usr/bin/env bash
# Installs tgphone for the current user: the binary, the menu entry with
# the tel: link handler (never tg:, which the official app owns) and the
# icon. PREFIX defaults to ~/.local.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-$HOME/.local}
install -Dm755 bin/tgphone "$prefix/bin/tgphone"
install -Dm644 desktop/tgphone.desktop "$prefix/share/applications/tgphone.desktop"
install -Dm644 assets/icon.png "$prefix/share/icons/hicolor/256x256/apps/tgphone.png"
if command -v xdg-mime >/dev/null 2>&1; then
  xdg-mime default tgphone.desktop x-scheme-handler/tel
fi
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database "$prefix/share/applications" || true
fi
echo "installed tgphone in $prefix; tel: links now open it"
