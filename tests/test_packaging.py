"""The packages a user installs: the wheel and the sdist, the wheel in a fresh environment with no compiler on PATH,
through pipx and through ``uv tool``, the Debian package installed with apt-get, and the PyInstaller one-folder build.
Each installed ``proxim host --no-tray`` runs the README way in a network namespace (no address flags), a phone's
Chromium connects, the host's user approves in the terminal, and the phone sees the colour painted on the X server.

They take minutes (the frozen build most), so they are marked: ``pytest -m 'not packaging'`` leaves them out
locally; CI runs them. Install times and sizes are written to test-artifacts/packaging/figures.json."""

from __future__ import annotations

import email.parser
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from proxim_tray_pystray.states import TrayState

from proxim_tray import gtk
from tests.support import clean_root
from tests.support.clean_root import CleanRoot
from tests.support.desktop import Desktop
from tests.support.netns import Lab, NamespacedHost, host_env, lan, phone_browser
from tests.support.processes import ROOT, LineProcess, XWitness, child_env, free_port
from tests.test_end_to_end import wait_for_colour
from tests.test_network_address import connect
from tests.test_tray import wait_for_icon

# building and installing takes longer than the suite's default timeout (a clean Debian: about 2 minutes)
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(600)]

UV = Path(sys.executable).with_name("uv")
FIGURES = ROOT / "test-artifacts" / "packaging" / "figures.json"
COMPILERS = ("cc", "gcc", "clang", "c++", "g++")
# runs an installed proxim (its command line, and the environment when not the test's) through a phone's session
ReadmeSession = Callable[..., None]


def record(
    artefact: str, seconds: float, installed: Path, download: Path | None = None, timing: str = "install_seconds"
) -> None:
    """Keep an artefact's install (or build) time and size for the closing figures."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[artefact] = {
        timing: round(seconds, 1),
        "size_mb": round(tree_size(installed) / 1e6, 1),
        **({"download_mb": round(download.stat().st_size / 1e6, 1)} if download else {}),
    }
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def tree_size(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file() and not entry.is_symlink())


def run(argv: list[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in argv], env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def timed(argv: list[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    started = time.monotonic()
    run(argv, env, cwd)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def dist(workdir: Path) -> Path:
    """The wheel and the sdist, built from this checkout as a release would be."""
    out = workdir / "dist"
    run([UV, "build", "-q", "--sdist", "--wheel", "-o", out, ROOT])
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    return next(dist.glob("proxim-*-py3-none-any.whl"))


@pytest.fixture(scope="module")
def no_compiler(workdir: Path) -> dict[str, str]:
    """The environment of a user who has Python and nothing to build with: PATH holds python3 alone."""
    bin_dir = workdir / "no-compiler-bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to("/usr/bin/python3")
    assert not [tool for tool in COMPILERS if shutil.which(tool, path=str(bin_dir))]
    env = child_env(PATH=str(bin_dir))
    env.pop("VIRTUAL_ENV", None)
    return env


def fresh_venv(path: Path, wheel: Path, env: dict[str, str], *extra: str) -> float:
    """A virtual environment made by the system's Python with ``wheel`` (and ``extra``) installed from wheels only;
    how long the install took."""
    run([UV, "venv", "-q", "--python", "/usr/bin/python3", path], env)
    return timed(
        [UV, "pip", "install", "-q", "--python", path / "bin" / "python", "--only-binary", ":all:", wheel, *extra], env
    )


@pytest.fixture
def readme_session(lab: Lab, tmp_path: Path, xvfb: str, witness: XWitness) -> Iterator[ReadmeSession]:
    """Run an installed ``proxim`` the way the README says, in a network namespace with the test's X server; a
    phone's Chromium connects, the host's user types ``y``, and the phone sees what the X server shows."""

    def session(proxim: list[str], env: dict[str, str] | None = None) -> None:
        host_ns, phone_ns = lan(lab, host_addresses=["192.168.1.2/24"], phone_addresses=["192.168.1.3/24"])
        env = env or host_env(tmp_path, display=xvfb)
        # started elsewhere than this checkout, so nothing is imported from it
        host = NamespacedHost(host_ns, tmp_path, env=env, command=[*proxim, "host", "--no-tray"], cwd=tmp_path)
        try:
            link = host.next_link(timeout=60)
            with phone_browser(phone_ns, tmp_path) as page:
                connect(page, host, link)
                witness.paint("00C000")
                wait_for_colour(page, (0, 192, 0), timeout=20)
        finally:
            host.stop()

    yield session


def test_the_wheel_and_the_sdist_carry_the_license_and_what_a_package_index_shows(dist: Path, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(info).decode())
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert metadata["License-Expression"] == "MIT"
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL", [])} >= {"Homepage", "Source", "Issues"}
    assert "Operating System :: POSIX :: Linux" in metadata.get_all("Classifier", [])
    required = [line for line in metadata.get_all("Requires-Dist", []) if "extra ==" not in line]
    # nothing that needs a compiler on Linux: PyGObject and pynput (evdev) are extras there
    assert not [line for line in required if line.startswith("pygobject")], required
    assert [line for line in required if line.startswith("pynput")] == ['pynput>=1.8; sys_platform != "linux"']
    # images a package index can show: absolute links only
    description = metadata.get_payload()
    assert "](docs/" not in description and "raw.githubusercontent.com" in description

    sdist = next(dist.glob("proxim-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        in_sdist = set(archive.getnames())
    for needed in ("LICENSE", "CHANGELOG.md", "tests/conftest.py", "requirements-test.lock", "scripts/test.sh"):
        assert f"{top}/{needed}" in in_sdist, needed


def test_the_sdist_runs_the_test_suite(dist: Path, workdir: Path) -> None:
    """Unpacked, its own tests run against its own code (a quick part of the suite: the docs and configuration)."""
    sdist = next(dist.glob("proxim-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        archive.extractall(workdir / "sdist", filter="data")
    tree = next((workdir / "sdist").iterdir())
    env = child_env(PYTHONPATH=f"{tree}{os.pathsep}{tree / 'plugins'}")
    said = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_hook_docs.py",
            "tests/test_config.py",
        ],
        env,
        cwd=tree,
    )
    assert " passed" in said and "failed" not in said
    run(
        [sys.executable, "-c", f"import proxim_tray; assert proxim_tray.__file__.startswith({str(tree)!r})"],
        env,
        cwd=tree,
    )


@pytest.fixture(scope="module")
def no_gtk_venv(wheel: Path, workdir: Path, no_compiler: dict[str, str]) -> Path:
    """The wheel alone in a fresh environment, installed with no compiler: no PyGObject, no pynput."""
    venv = workdir / "fresh"
    seconds = fresh_venv(venv, wheel, no_compiler)
    record("wheel, fresh venv (uv, --only-binary)", seconds, venv)
    return venv


def test_the_wheel_installs_with_no_compiler_and_its_host_connects(
    no_gtk_venv: Path, readme_session: ReadmeSession
) -> None:
    venv = no_gtk_venv
    doctor = subprocess.run(
        [venv / "bin" / "proxim", "doctor"], env=child_env(DISPLAY=""), capture_output=True, text=True
    )
    assert f"FIX  GTK                PyGObject is not installed, so there are no {gtk.ADDS}" in doctor.stdout
    assert "install proxim[gtk]" in doctor.stdout and "libgirepository1.0-dev" in doctor.stdout
    readme_session([str(venv / "bin" / "proxim")])


def test_without_gtk_the_tray_still_docks_and_says_what_the_gtk_extra_adds(no_gtk_venv: Path, tmp_path: Path) -> None:
    """``proxim`` as a desktop user starts it: pystray's X11 icon in the tray, and the log names the extra."""
    desktop = Desktop(tmp_path)
    try:
        argv = [str(no_gtk_venv / "bin" / "proxim"), "--port", str(free_port()), "--media-port", "0"]
        host = LineProcess(argv, env=desktop.env, stderr_path=tmp_path / "host.log", cwd=tmp_path)
        try:
            wait_for_icon(desktop, TrayState.READY, timeout=30)
            log = (tmp_path / "host.log").read_text()
            assert f"PyGObject is not installed, so there are no {gtk.ADDS}: " in log
            assert "install proxim[gtk]" in log and "Fedora: gobject-introspection-devel" in log
        finally:
            host.stop()
    finally:
        desktop.close()


@pytest.mark.parametrize("tool", ["pipx", "uv tool"])
def test_pipx_and_uv_tool_install_the_wheel_with_no_compiler(
    tool: str, wheel: Path, tmp_path: Path, no_compiler: dict[str, str], lab: Lab
) -> None:
    env = no_compiler | {"HOME": str(tmp_path)}
    bin_dir = tmp_path / "bin"
    if tool == "pipx":
        env |= {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(bin_dir)}
        argv: list[str | Path] = [
            Path(sys.executable).with_name("pipx"),
            "install",
            "--pip-args=--only-binary=:all:",
            wheel,
        ]
        home = tmp_path / "pipx"
    else:
        env |= {"UV_TOOL_DIR": str(tmp_path / "uv-tools"), "UV_TOOL_BIN_DIR": str(bin_dir)}
        argv = [UV, "tool", "install", "-q", "--python", "/usr/bin/python3", "--no-build", wheel]
        home = tmp_path / "uv-tools"
    seconds = timed(argv, env)
    record(f"wheel, {tool} install", seconds, home)
    proxim = bin_dir / "proxim"
    assert run([proxim, "--version"], env).startswith("proxim ")
    host_ns, _ = lan(lab, host_addresses=["192.168.1.2/24"], phone_addresses=["192.168.1.3/24"])
    host = NamespacedHost(host_ns, tmp_path, command=[str(proxim), "host", "--no-tray"], cwd=tmp_path)
    try:
        assert host.next_link(timeout=60).startswith("http://192.168.1.2:47600/p/")
    finally:
        host.stop()


@pytest.fixture
def debian_with_proxim(wheel: Path, workdir: Path, tmp_path: Path) -> Iterator[CleanRoot]:
    """A fresh Debian (debootstrap) where the .deb built from the wheel was installed by apt-get, as a user installs a
    downloaded one; its X socket folder is this machine's, read-only, so its programs reach the test's X server."""
    reason = clean_root.can_make()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    deb = Path(run([ROOT / "packaging" / "deb" / "build.sh", wheel, workdir / "deb"], child_env(UV=str(UV))).strip())
    record("Debian package build", time.monotonic() - started, deb.parent, timing="build_seconds")
    root = CleanRoot(tmp_path / "debian")
    try:
        shutil.copy(deb, root.path / "tmp")
        root.run(["apt-get", "update", "-q"])
        started = time.monotonic()
        root.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}"],
            {"DEBIAN_FRONTEND": "noninteractive"},
        )
        seconds = time.monotonic() - started
        record("Debian package (apt-get install ./proxim_*.deb, clean Debian)", seconds, root.path / "opt/proxim", deb)
        root.mount(["--bind", "/tmp/.X11-unix"], "tmp/.X11-unix", read_only=True)
        yield root
    finally:
        root.close()


def test_the_deb_installs_into_a_clean_debian_and_its_host_connects(
    debian_with_proxim: CleanRoot, xvfb: str, readme_session: ReadmeSession
) -> None:
    root = debian_with_proxim
    assert root.run(["proxim", "--version"]).startswith("proxim ")
    entry = root.path / "usr/share/applications/proxim.desktop"
    assert run(["desktop-file-validate", entry]).strip() == ""
    assert "Exec=proxim\n" in entry.read_text()
    for icon in ("scalable/apps/proxim.svg", "48x48/apps/proxim.png", "256x256/apps/proxim.png"):
        assert (root.path / "usr/share/icons/hicolor" / icon).exists(), icon
    # the system's PyGObject and GTK serve the tray (AppIndicator is only recommended, so GTK's own icon here) and
    # the pairing window; capture finds the X libraries the package depends on
    env = {"DISPLAY": xvfb, "XDG_RUNTIME_DIR": "/run/user/0"}
    root.run(["install", "-d", "-m", "700", "/run/user/0"])
    doctor = subprocess.run(
        root.argv(["proxim", "doctor"]), env=clean_root.BASE_ENV | env, capture_output=True, text=True
    )
    assert "OK   screen capture     mss" in doctor.stdout, doctor.stdout
    assert "OK   tray               available" in doctor.stdout, doctor.stdout
    assert "GTK" not in doctor.stdout, doctor.stdout
    readme_session(root.argv(["/usr/bin/proxim"]), clean_root.BASE_ENV | env)


def test_the_frozen_build_runs_without_python_and_its_host_connects(
    wheel: Path, workdir: Path, no_compiler: dict[str, str], readme_session: ReadmeSession
) -> None:
    build_env = workdir / "freeze"
    fresh_venv(build_env, wheel, no_compiler, "pyinstaller>=6.10")
    spec = ROOT / "packaging" / "pyinstaller" / "proxim-linux.spec"
    out = workdir / "frozen"
    env = child_env(PATH=f"{build_env / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    seconds = timed(
        [
            build_env / "bin" / "pyinstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            out,
            "--workpath",
            workdir / "freeze-work",
            spec,
        ],
        env,
        cwd=workdir,
    )
    folder = out / "proxim"
    record("PyInstaller one folder", seconds, folder, timing="build_seconds")
    # child processes Proxim starts as `sys.executable -m MODULE` (the Tk pairing window) start from the executable
    assert run([folder / "proxim", "-m", "proxim_tray", "--version"], cwd=workdir).startswith("proxim ")
    readme_session([str(folder / "proxim")])
