"""Media and volume commands: the XF86 media keys, pressed through the session's input backend, so whatever the
desktop binds to them (the media player, the volume control) reacts as it would to a real keyboard."""

from __future__ import annotations

import os
from collections.abc import Callable

from proxim_tray import Command, CommandContext

# command name, label, the browser's KeyboardEvent.key for the media key
MEDIA_KEYS = (
    ("media_play_pause", "Play / pause", "MediaPlayPause"),
    ("media_next", "Next track", "MediaTrackNext"),
    ("media_previous", "Previous track", "MediaTrackPrevious"),
    ("volume_up", "Volume up", "AudioVolumeUp"),
    ("volume_down", "Volume down", "AudioVolumeDown"),
    ("volume_mute", "Mute", "AudioVolumeMute"),
)


def _press(key: str) -> Callable[[CommandContext], None]:
    def run(context: CommandContext) -> None:
        context.input.key(key, "", True)
        context.input.key(key, "", False)

    return run


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY"))


MEDIA_COMMANDS = tuple(Command(name, label, _press(key), available=_has_display) for name, label, key in MEDIA_KEYS)
