"""`proxim connect` on a second X server against a real host: keys (shortcuts a browser keeps, a German layout, AltGr),
clicks, the picture read back from the client's window, the release chord, closing, the QR code from a picture."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mss
import pytest
from Xlib import X, display
from Xlib.protocol import event as xevent

from tests.support.processes import LineProcess, XWitness, child_env, xdotool
from tests.support.xserver import start_xvfb

CLIENT_SCREEN = (1280, 800)  # taller than the host's 16:9: the picture is letterboxed
PROXIM = str(Path(sys.executable).with_name("proxim"))  # the command the README tells users to run
CONTROL_L, ALT_L, SUPER_L, TAB, F4, ESCAPE = 0xFFE3, 0xFFE9, 0xFFEB, 0xFF09, 0xFFC1, 0xFF1B


class Client(LineProcess):
    """`proxim connect` running on the client's X server, and its window there."""

    def __init__(self, display_name: str, artifacts: Path, *args: str) -> None:
        self.display_name = display_name
        env = child_env(DISPLAY=display_name)
        super().__init__([PROXIM, "connect", *args], env=env, stderr_path=artifacts / "client.log")

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
        message = xevent.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        window.send_event(message, event_mask=X.NoEventMask)
        d.flush()
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
    client.xdotool("key", "y", "z", "ISO_Level3_Shift+q", "ISO_Level3_Shift+e", "shift+7")
    assert witness.typed_text(5) == "yz@€/"
