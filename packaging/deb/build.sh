#!/usr/bin/env bash
# Build proxim_VERSION_ARCH.deb from a wheel: Proxim in its own virtual environment under /opt/proxim (every
# dependency from wheels, nothing compiled), the system's PyGObject and GTK for the tray menus and the pairing window,
# /usr/bin/proxim, the menu entry and the icons.
#   packaging/deb/build.sh dist/proxim-VERSION-py3-none-any.whl OUTPUT_DIR
# Needs Debian's python3 (3.11 or newer, whose python3-gi the package uses), dpkg-deb and uv (UV=path, or on PATH).
set -euo pipefail
wheel=$(realpath "$1")
out=$(realpath "$2")
uv=${UV:-uv}
python=$(readlink -f /usr/bin/python3)  # python3.11 on Debian 12: the venv and python3-gi are bound to it
python_name=$(basename "$python")
prefix=/opt/proxim
# screen capture (mss) loads these with ctypes, so nothing in the wheels names them
XCB_LIBRARIES="libxcb1, libxcb-randr0, libxcb-render0, libxcb-shm0, libxcb-xfixes0"
# sharing a Wayland session: the portal's PipeWire stream read through the system's GStreamer
WAYLAND_PACKAGES="gstreamer1.0-pipewire, gstreamer1.0-plugins-base, gir1.2-gstreamer-1.0, gir1.2-gst-plugins-base-1.0"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
venv=$root$prefix

"$python" -m venv --without-pip "$venv"
"$uv" pip install -q --python "$venv/bin/python" --only-binary :all: "$wheel"
# the system's PyGObject (python3-gi), which Debian builds for its own Python: seen once the venv is in place, so
# that none of Proxim's own dependencies were taken from the system while installing
sed -i 's/^include-system-site-packages = false/include-system-site-packages = true/' "$venv/pyvenv.cfg"
sed -i "/^command = /d" "$venv/pyvenv.cfg"
# scripts name the interpreter by the path it will have once installed
for script in "$venv"/bin/*; do
    [[ -f "$script" && ! -L "$script" ]] && sed -i "1s|^#!.*$venv/bin/python.*|#!$prefix/bin/python|; s|$venv|$prefix|g" "$script"
done
# byte-compiled once here: users cannot write under /opt, so each start would compile aiortc, av and numpy again
"$venv/bin/python" -m compileall -q -j 0 -s "$root" -p / "$venv/lib"

install -d "$root/usr/bin"
printf '#!/bin/sh\nexec %s/bin/proxim "$@"\n' "$prefix" >"$root/usr/bin/proxim"
chmod 755 "$root/usr/bin/proxim"
"$venv/bin/python" -c 'import sys; from pathlib import Path; from proxim_tray import desktop_install
desktop_install.install(Path(sys.argv[1]), ["proxim"])' "$root/usr/share"
install -d "$root/usr/share/doc/proxim"
"$venv/bin/python" - "$root/usr/share/doc/proxim" <<'PY'
import importlib.metadata, pathlib, sys
dist = importlib.metadata.distribution("proxim")
license_file = next(f for f in dist.files if f.name == "LICENSE")
pathlib.Path(sys.argv[1], "copyright").write_text(license_file.read_text())
PY

version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("proxim"))')
arch=$(dpkg --print-architecture)
install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: proxim
Version: $version
Architecture: $arch
Maintainer: The Proxim authors <proxim@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $python_name, python3-gi, gir1.2-gtk-3.0, libc6, $XCB_LIBRARIES
Recommends: gir1.2-ayatanaappindicator3-0.1, xclip, libnotify-bin, $WAYLAND_PACKAGES
Section: net
Priority: optional
Homepage: https://github.com/proxim-project/proxim
Description: peer-to-peer remote desktop from a phone's browser
 Scan a QR code with the phone, approve on the desktop, and the phone sees the
 screen and drives the mouse and keyboard over WebRTC. No account, no cloud.
 .
 Proxim and its Python dependencies live in their own environment under
 /opt/proxim; the tray menus and the pairing window use the system's GTK.
CONTROL
mkdir -p "$out"
dpkg-deb --root-owner-group -Zzstd --build "$root" "$out/proxim_${version}_${arch}.deb" >/dev/null
echo "$out/proxim_${version}_${arch}.deb"
