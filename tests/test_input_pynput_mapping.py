"""The pynput backend's platform tables, checked on any machine: keys, buttons and wheel for Windows and macOS too."""

from __future__ import annotations

import pytest
from proxim_input_pynput.keys import Target, target_for
from proxim_input_pynput.pointer import WHEEL_RESOLUTION, button_name, pynput_scroll


@pytest.mark.parametrize(
    ("key", "code", "platform", "expected"),
    [
        ("a", "KeyA", "win32", Target("char", "a")),  # a character the browser named: the layout decides
        ("A", "KeyA", "darwin", Target("char", "A")),
        (" ", "Space", "win32", Target("named", "space")),
        ("Enter", "Enter", "darwin", Target("named", "enter")),
        ("Shift", "ShiftRight", "win32", Target("named", "shift_r")),
        ("Meta", "MetaLeft", "darwin", Target("named", "cmd_l")),
        ("AltGraph", "AltRight", "linux", Target("named", "alt_gr")),
        ("F12", "F12", "darwin", Target("named", "f12")),
        ("AudioVolumeUp", "", "win32", Target("named", "media_volume_up")),
        # a key the browser could not name: by its position, as a virtual key (Windows) or key code (macOS)
        ("Unidentified", "KeyQ", "win32", Target("code", 0x51)),
        ("Unidentified", "KeyQ", "darwin", Target("code", 0x0C)),
        ("Unidentified", "Digit5", "darwin", Target("code", 0x17)),
        ("Unidentified", "Slash", "win32", Target("code", 0xBF)),
        ("Unidentified", "KeyQ", "linux", Target("char", "q")),
        ("Dead", "Equal", "win32", None),  # the composed character arrives by itself
        ("Unidentified", "Lang1", "darwin", None),
        ("Hyper", "", "linux", None),
    ],
)
def test_browser_keys_map_to_pynput(key: str, code: str, platform: str, expected: Target | None) -> None:
    assert target_for(key, code, platform) == expected


def test_buttons_and_wheel_per_platform() -> None:
    assert [button_name(b, "win32") for b in ("left", "back", "forward")] == ["left", "x1", "x2"]
    assert [button_name(b, "linux") for b in ("middle", "back", "forward")] == ["middle", "button8", "button9"]
    assert button_name("back", "darwin") is None  # pressed through Quartz (proxim_input_pynput/macos.py)
    # the protocol scrolls positive down and right; pynput positive up, and right except on macOS
    assert pynput_scroll(1, 2, "linux") == (1, -2)
    assert pynput_scroll(1, 2, "darwin") == (-1, -2)
    # Windows takes fractions of a notch, which pynput multiplies by 120 and truncates: every step count survives
    for steps in range(-240, 241):
        dx, dy = pynput_scroll(steps, steps, "win32")
        assert (int(dx * 120), int(dy * 120)) == (steps, -steps)
    assert WHEEL_RESOLUTION == {"win32": 120, "darwin": 10}
