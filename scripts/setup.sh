#!/usr/bin/env bash
# Install what Proxim needs on Debian or Ubuntu: system packages, then a virtual environment from the lock files.
#   scripts/setup.sh          what the host needs to run
#   scripts/setup.sh --test   also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--test" ]] && want_tests=1

# Wayland desktops bring PipeWire and xdg-desktop-portal; Proxim reads the portal's stream through GStreamer.
# The lock files carry the gtk extra (PyGObject, built here: gcc and the GObject and cairo headers)
RUN_PACKAGES=(python3 python3-venv python3-dev gcc pkg-config libgirepository1.0-dev libcairo2-dev
              gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1 libnotify-bin xclip zenity
              gstreamer1.0-pipewire gstreamer1.0-plugins-base gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0)
TEST_PACKAGES=(ethtool python3-tk xvfb x11-utils x11-xserver-utils x11-xkb-utils xkb-data xdotool xinput chromium dbus dbus-x11 dunst trayer ffmpeg xauth iproute2 nftables coturn
               # a headless GNOME Wayland desktop (tests/support/wayland_stack.py) and a GTK 4 window in it
               mutter xdg-desktop-portal xdg-desktop-portal-gnome pipewire pipewire-bin wireplumber
               libegl-mesa0 libgl1-mesa-dri gir1.2-gtk-4.0
               # the packaging tests: desktop-file-validate, PyInstaller's objdump, debootstrap for a clean Debian
               desktop-file-utils binutils debootstrap)

packages=("${RUN_PACKAGES[@]}")
((want_tests)) && packages+=("${TEST_PACKAGES[@]}")

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "Installing system packages: ${missing[*]}"
    sudo_cmd=()
    ((EUID != 0)) && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade "pip>=24" "uv==0.9.*"
lock=requirements.lock
((want_tests)) && lock=requirements-test.lock
.venv/bin/uv pip sync -q --python .venv/bin/python "$lock"
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
