"""`proxim connect` on a second X server against a real host: keys (shortcuts a browser keeps, a German layout, AltGr),
clicks, the picture read back from the client's window, the release chord, closing, the QR code from a picture."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mss
import mss.tools
import pytest
from Xlib import X, display
from Xlib.protocol import event as xevent

from tests.support.processes import LineProcess, XWitness, child_env, xdotool
from tests.support.xserver import start_xvfb

CLIENT_SCREEN = (1280, 800)  # taller than the host's 16:9: the picture is letterboxed
PROXIM = str(Path(sys.executable).with_name("proxim"))  # the command the README tells users to run
CONTROL_L, ALT_L, SUPER_L, TAB, F4, ESCAPE = 0xFFE3, 0xFFE9, 0xFFEB, 0xFF09, 0xFFC1, 0xFF1B
# the keysym of each key a German layout types a character with AltGr on, and the character
GERMAN_ALTGR_KEYS = {"q": "@", "e": "€", "7": "{", "8": "[", "ssharp": "\\", "plus": "~", "less": "|"}


class Client(LineProcess):
    """`proxim connect` running on the client's X server, and its window there."""

    def __init__(self, display_name: str, artifacts: Path, *args: str) -> None:
        self.display_name = display_name
        env = child_env(DISPLAY=display_name)
        self.stderr_path = artifacts / "client.log"
        super().__init__([PROXIM, "connect", *args], env=env, stderr_path=self.stderr_path)

    def stop(self, timeout: float = 5.0) -> int:
        self.drain()
        (self.stderr_path.parent / "client.out").write_text("\n".join(self.lines) + "\n")
        return super().stop(timeout)

    def window(self, timeout: float = 10.0) -> int:
        """The id of the client's window, once it is mapped."""
        deadline = time.monotonic() + timeout
        d = display.Display(self.display_name)
        try:
            net_wm_name, utf8 = d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING")
            while time.monotonic() < deadline:
                for child in d.screen().root.query_tree().children:
                    name = child.get_full_property(net_wm_name, utf8)
                    if name is not None and name.value.startswith(b"Proxim"):
                        return int(child.id)
                time.sleep(0.05)
        finally:
            d.close()
        raise TimeoutError("the client's window never appeared")

    def xdotool(self, *args: str) -> None:
        xdotool(self.display_name, *args)

    def focus(self) -> None:
        self.xdotool("windowfocus", "--sync", str(self.window()))

    def screen(self) -> Any:
        """The client's screen as an RGB array (the window and what is around it)."""
        import numpy as np

        with mss.MSS(display=self.display_name) as grabber:
            shot = grabber.grab(grabber.monitors[1])
        return np.frombuffer(shot.rgb, dtype=np.uint8).reshape(shot.height, shot.width, 3)

    def picture_box(self) -> tuple[int, int, int, int]:
        """Left, top, width, height of the picture on the client's screen: what is not black."""
        import numpy as np

        lit = self.screen().max(axis=2) > 40
        rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
        return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)

    def close_window(self) -> None:
        """What a window manager's close button does: WM_DELETE_WINDOW."""
        d = display.Display(self.display_name)
        window = d.create_resource_object("window", self.window())
        protocols, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
        message = xevent.ClientMessage(
            window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(message, event_mask=X.NoEventMask)
        d.sync()
        d.close()


@pytest.fixture
def client_display() -> Iterator[str]:
    proc, name = start_xvfb(*CLIENT_SCREEN)
    yield name
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def connect(client_display: str, artifacts: Path) -> Iterator[Any]:
    started: list[Client] = []

    def start(*args: str) -> Client:
        client = Client(client_display, artifacts, *args)
        started.append(client)
        return client

    yield start
    for client in started:
        client.stop()


def approved_client(start_host: Any, connect: Any) -> tuple[Any, Client]:
    host = start_host()
    client = connect(host.next_link())
    code = client.wait_for(r"Verification code on this computer: (\d{3} \d{3})", 30).group(1)
    assert client.saw(rf"The host reports: {code}")
    host.wait_for(r"Approve connection from \"Proxim on .+\"\? \[y/N\]")
    host.send("y")
    client.wait_for("^Connected", 30)
    client.focus()
    return host, client


def next_key(witness: XWitness, kind: str = "key_press") -> int:
    return int(witness.next_event(kind)["keysym"])


def test_shortcuts_and_layouts_reach_the_host(start_host: Any, connect: Any, witness: XWitness) -> None:
    _, client = approved_client(start_host, connect)
    witness.focus()

    client.xdotool("key", "ctrl+w")
    assert next_key(witness) == CONTROL_L
    press = witness.next_event("key_press")
    assert press["text"] == "w" and press["state"] & X.ControlMask, "Ctrl+W reaches the host, not the client"
    client.xdotool("key", "alt+Tab")
    assert [next_key(witness), next_key(witness)] == [ALT_L, TAB]
    client.xdotool("key", "super")
    assert next_key(witness) == SUPER_L
    client.xdotool("key", "alt+F4")
    assert [next_key(witness), next_key(witness)] == [ALT_L, F4]

    # a German keyboard on the client: keys type what its layout says, AltGr characters included
    client.xdotool("key", "Escape")  # settles the releases above before the layout changes
    assert next_key(witness) == ESCAPE
    subprocess.run(["setxkbmap", "-display", client.display_name, "de"], check=True)
    client.xdotool("key", "y", "z", "shift+7", *(f"ISO_Level3_Shift+{key}" for key in GERMAN_ALTGR_KEYS))
    assert witness.typed_text(3 + len(GERMAN_ALTGR_KEYS)) == "yz/" + "".join(GERMAN_ALTGR_KEYS.values())
    client.xdotool("type", "Zürich äöüß")
    assert witness.typed_text(len("Zürich äöüß")) == "Zürich äöüß"


QUADRANTS = ("C02020", "20A040", "2040C0", "E0C020")  # top left, top right, bottom left, bottom right


def test_picture_and_clicks_match_the_host(start_host: Any, connect: Any, witness: XWitness, artifacts: Path) -> None:
    witness.paint_quadrants(*QUADRANTS)
    _, client = approved_client(start_host, connect)
    deadline = time.monotonic() + 15
    while True:  # the first frames may still be the host's screen before the quadrants, or a blurry keyframe
        left, top, width, height = client.picture_box()
        screen = client.screen()
        samples = [screen[top + int(height * fy), left + int(width * fx)] for fy in (0.25, 0.75) for fx in (0.25, 0.75)]
        close = all(
            max(abs(int(a) - int(b)) for a, b in zip(sample, bytes.fromhex(rgb), strict=True)) <= 24
            for sample, rgb in zip(samples, QUADRANTS, strict=True)
        )
        if close or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    mss.tools.to_png(screen.tobytes(), (screen.shape[1], screen.shape[0]), output=str(artifacts / "client.png"))
    assert close, f"the client shows {[bytes(s).hex() for s in samples]} where the host shows {QUADRANTS}"
    # the host's 16:9 picture fills the client's 1280x720 window (in a 1280x800 screen), aspect kept
    assert abs(width / height - witness.width / witness.height) < 0.01, (left, top, width, height)
    assert width == CLIENT_SCREEN[0]
    # the quarters meet where they do on the host: in the middle of the picture
    row, column = screen[top + height // 4, left : left + width], screen[top : top + height, left + width // 4]
    split_x = next(x for x, pixel in enumerate(row) if pixel[1] > pixel[0])  # red to green
    split_y = next(y for y, pixel in enumerate(column) if pixel[2] > pixel[0])  # red to blue
    assert abs(split_x - width / 2) <= 3 and abs(split_y - height / 2) <= 3, (split_x, split_y)

    for fx, fy in ((0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)):
        client.xdotool(
            "mousemove", str(left + round(fx * (width - 1))), str(top + round(fy * (height - 1))), "click", "1"
        )
        press = witness.next_event("button_press")
        assert press["button"] == 1
        assert abs(press["x"] - fx * (witness.width - 1)) <= 3 and abs(press["y"] - fy * (witness.height - 1)) <= 3, (
            fx,
            fy,
            press,
        )


def test_release_chord_and_closing_leave_nothing_held(start_host: Any, connect: Any, witness: XWitness) -> None:
    host, client = approved_client(start_host, connect)
    witness.focus()
    client.xdotool("keydown", "ctrl")
    assert next_key(witness) == CONTROL_L
    client.xdotool("keydown", "alt")
    assert next_key(witness) == ALT_L
    client.xdotool("keydown", "shift")  # Ctrl+Alt+Shift: the way out
    released = {next_key(witness, "key_release"), next_key(witness, "key_release")}
    assert released == {CONTROL_L, ALT_L}, "letting go releases everything held on the host"
    client.xdotool("keyup", "shift", "alt", "ctrl")
    client.xdotool("key", "a", "mousemove", "5", "5", "click", "1")  # above the window: the pointer is free again
    assert not witness.events_during(1.0), "once released, keys and clicks stay on the client"

    left, top, width, height = client.picture_box()
    client.xdotool("mousemove", str(left + width // 2), str(top + height // 2), "click", "1")
    assert witness.next_event("button_press")["button"] == 1, "a click on the picture takes control again"
    client.xdotool("keydown", "ctrl", "mousedown", "3")
    assert next_key(witness) == CONTROL_L
    assert witness.next_event("button_press")["button"] == 3

    client.close_window()  # the window manager's close button, with Ctrl and the right button still down
    released_now: set[tuple[str, int]] = set()
    while len(released_now) < 2:
        event = json.loads(witness.wait_for(r'"event": "(key|button)_release"', 10).string)
        released_now.add((event["event"], event.get("keysym", event.get("button"))))
    assert released_now == {("key_release", CONTROL_L), ("button_release", 3)}
    host.next_link()  # the session ended: the host shows a fresh link
    assert client.proc.wait(10) == 0
    client.xdotool("keyup", "ctrl", "mouseup", "3")
    assert not witness.events_during(0.5)


def test_qr_code_from_a_picture_a_declined_request_and_a_used_link(start_host: Any, connect: Any) -> None:
    host = start_host()
    declined_link = host.next_link()  # the QR code is written too
    client = connect("--qr", str(host.qr_png))
    client.wait_for("^Waiting for approval", 30)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("n")
    client.wait_for("^Declined: The host's user declined", 15)
    client.close_window()
    assert client.proc.wait(10) == 1

    used = connect(declined_link)
    used.wait_for("^Link expired: This link was already used or has expired", 15)
    used.close_window()
    assert used.proc.wait(10) == 1


def test_a_picture_without_a_pairing_code(connect: Any, tmp_path: Path) -> None:
    import segno

    segno.make("https://example.org/not-a-pairing-link").save(str(tmp_path / "other.png"), scale=8)
    client = connect("--qr", str(tmp_path / "other.png"))
    assert client.proc.wait(10) == 2
    log = client.stderr_path.read_text()
    assert "holds 1 QR code(s), none a Proxim pairing link" in log


@contextmanager
def clipboard_holding(display_name: str, text: str) -> Iterator[None]:
    """Another application on ``display_name`` that copied ``text`` (xclip, owning the clipboard while it runs)."""
    owner = subprocess.Popen(
        ["xclip", "-quiet", "-selection", "clipboard"], stdin=subprocess.PIPE, env=child_env(DISPLAY=display_name)
    )
    assert owner.stdin is not None
    owner.stdin.write(text.encode())
    owner.stdin.close()
    wait_for_clipboard(display_name, text)
    try:
        yield
    finally:
        owner.terminate()
        owner.wait(5)


def wait_for_clipboard(display_name: str, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    held = ""
    while time.monotonic() < deadline:
        read = subprocess.run(
            ["xclip", "-o", "-selection", "clipboard"],
            env=child_env(DISPLAY=display_name),
            capture_output=True,
            timeout=5,
        )
        held = read.stdout.decode(errors="replace")
        if held == text:
            return
        time.sleep(0.1)
    pytest.fail(f"the clipboard of {display_name} holds {held!r}, not {text!r}")


def test_clipboard_both_ways_when_granted(start_host: Any, connect: Any, witness: XWitness, xvfb: str) -> None:
    host = start_host()
    client = connect(host.next_link())
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("c")  # approve with commands: the clipboard too
    client.wait_for("^Connected", 30)
    client.focus()
    witness.focus()

    with clipboard_holding(client.display_name, "copied on the client"):
        client.xdotool("key", "ctrl+v")  # pastes this computer's clipboard on the host
        wait_for_clipboard(xvfb, "copied on the client")

    with clipboard_holding(xvfb, "copied on the host"):
        d = display.Display(client.display_name)
        d.set_input_focus(X.PointerRoot, X.RevertToPointerRoot, X.CurrentTime)  # another window gets the focus
        d.close()
        wait_for_clipboard(client.display_name, "copied on the host")


def test_without_a_desktop_it_says_so() -> None:
    env = child_env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [PROXIM, "connect", "http://127.0.0.1:9/p/abc#k=secret&fp=print"], env=env, capture_output=True, timeout=20
    )
    assert done.returncode == 2
    assert b"needs a graphical desktop" in done.stderr
