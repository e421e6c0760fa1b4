"""System commands and the clipboard, through the Linux commands plugin, on a real X server with xclip."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable

import pytest

from proxim_tray import FULL_CONTROL, VIEW_ONLY, Permission
from tests.conftest import HostProcess
from tests.support.control_host import approved_client, connected_host, until
from tests.support.processes import XWitness, child_env

WITH_COMMANDS = FULL_CONTROL | {Permission.COMMANDS}
XF86_AUDIO_RAISE_VOLUME = 0x1008FF13
XF86_AUDIO_PLAY = 0x1008FF14
CONTROL_MASK = 0x4
MEDIA_AND_VOLUME = {"media_play_pause", "media_next", "media_previous", "volume_up", "volume_down", "volume_mute"}


@pytest.fixture
def host_display(host_display: str, monkeypatch: pytest.MonkeyPatch) -> str:
    # no login session and no desktop here: locking the screen cannot work, so it must not be offered
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    monkeypatch.delenv("XDG_CURRENT_DESKTOP", raising=False)
    return host_display


def xclip(display_name: str, *args: str, text: str | None = None) -> str:
    result = subprocess.run(
        ["xclip", "-selection", "clipboard", *args],
        input=text,
        env=child_env(DISPLAY=display_name),
        stdout=subprocess.PIPE if text is None else subprocess.DEVNULL,
        text=True,
        check=True,
        timeout=5,
    )
    return result.stdout or ""


async def test_only_available_commands_are_offered(host_display: str) -> None:
    async with connected_host(WITH_COMMANDS) as host:
        names = {command["name"] for command in host.hello["commands"]}
        assert names == MEDIA_AND_VOLUME
        assert all(command["label"] for command in host.hello["commands"])
        assert "clipboard" in host.hello["capabilities"]
        host.send("cmd", name="lock_screen")
        refusal = await host.next_control("error")
        assert refusal["code"] == "unknown_command"


async def test_media_and_volume_keys_reach_x(host_display: str, witness: XWitness) -> None:
    async with connected_host(WITH_COMMANDS) as host:
        await asyncio.to_thread(witness.focus)
        host.send("cmd", name="volume_up")
        assert (await asyncio.to_thread(witness.next_event, "key_press"))["keysym"] == XF86_AUDIO_RAISE_VOLUME
        host.send("cmd", name="media_play_pause")
        assert (await asyncio.to_thread(witness.next_event, "key_press"))["keysym"] == XF86_AUDIO_PLAY


async def test_commands_need_their_permission(host_display: str, witness: XWitness) -> None:
    async with connected_host(FULL_CONTROL) as host:
        for message in ({"t": "cmd", "name": "volume_up"}, {"t": "clip_get"}, {"t": "clip_set", "text": "x"}):
            host.client.control(message)
            assert (await host.next_control("error"))["code"] == "not_permitted"
        # granted during the session: the next command runs, and it is the first key X sees
        host.app.sessions.set_permissions(WITH_COMMANDS)
        assert "commands" in (await host.next_control("perm"))["permissions"]
        await asyncio.to_thread(witness.focus)
        host.send("cmd", name="volume_up")
        assert (await asyncio.to_thread(witness.next_event, "key_press"))["keysym"] == XF86_AUDIO_RAISE_VOLUME


async def test_clipboard_both_ways(host_display: str, witness: XWitness) -> None:
    async with connected_host(WITH_COMMANDS) as host:
        await asyncio.to_thread(xclip, host_display, "-in", text="from the host: Grüße 😀")
        host.send("clip_get")
        assert await host.next_control("clip") == {"t": "clip", "text": "from the host: Grüße 😀"}

        await asyncio.to_thread(witness.focus)
        host.send("clip_set", text="from the phone: ¡hola! 👋")
        await until(
            lambda: xclip(host_display, "-out") == "from the phone: ¡hola! 👋", 5, "the text on the host's clipboard"
        )
        # and pasted: Ctrl+V reaches the focused window
        paste = await asyncio.to_thread(witness.next_event, "key_press")
        while paste["text"] != "v":
            paste = await asyncio.to_thread(witness.next_event, "key_press")
        assert paste["state"] & CONTROL_MASK


async def test_clipboard_without_control_is_set_but_not_pasted(host_display: str, witness: XWitness) -> None:
    async with connected_host(VIEW_ONLY | {Permission.COMMANDS}) as host:
        await asyncio.to_thread(xclip, host_display, "-in", text="before")  # xclip -out fails on an empty one
        await asyncio.to_thread(witness.focus)
        text = "for the host's user to paste"
        host.send("clip_set", text=text)
        await until(lambda: xclip(host_display, "-out") == text, 5, "the text on the host's clipboard")
        host.send("bogus")  # its reply marks the point by which Ctrl+V would have been typed
        assert (await host.next_control("error"))["code"] == "bad_message"
        typed = await asyncio.to_thread(witness.events_during, 0.5)
        assert typed == [], f"a session without control typed on the host: {typed}"


async def test_the_console_grants_commands(start_host: Callable[..., HostProcess], witness: XWitness) -> None:
    """At the approval prompt and while the session runs."""
    host = start_host()
    client, hello = await approved_client(host, answer="c")
    try:
        assert hello["permissions"] == ["commands", "control", "view"]
        await asyncio.to_thread(witness.focus)
        client.control({"t": "cmd", "name": "volume_up"})
        assert (await asyncio.to_thread(witness.next_event, "key_press"))["keysym"] == XF86_AUDIO_RAISE_VOLUME
        for typed, permissions in (("control", ["control", "view"]), ("commands", ["commands", "control", "view"])):
            host.send(typed)
            await asyncio.to_thread(host.wait_for, r"^Control.*: the device may use mouse and keyboard")
            while (message := await asyncio.wait_for(client.control_messages.get(), 5))["t"] != "perm":
                pass
            assert message["permissions"] == permissions
    finally:
        await client.close()
