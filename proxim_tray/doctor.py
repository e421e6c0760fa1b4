"""``proxim doctor``: what works on this machine, and what to do about what does not."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from proxim_tray import firewall, gtk
from proxim_tray.backends import Backend
from proxim_tray.config import HostConfig
from proxim_tray.links import NO_ADDRESS, Listening, plan
from proxim_tray.netaddr import inventory
from proxim_tray.session_type import wayland_session

if TYPE_CHECKING:
    from proxim_tray.app import App
    from proxim_tray.plugins import PluginHost


SYSTEM_NAMES = {"win32": "Windows", "darwin": "macOS"}
WINDOWS_INPUT_LIMITS = (
    "Windows keeps a normal process's input out of the secure desktop (UAC prompts, the lock screen, Ctrl+Alt+Del) "
    "and out of windows of programs run as administrator: the phone sees them but cannot click or type there; "
    "start Proxim as administrator to control elevated windows"
)


def display_server(platform: str = sys.platform) -> tuple[str, str | None]:
    """The display server kind and, if it is a problem, what to do."""
    if platform != "linux":
        return SYSTEM_NAMES.get(platform, platform), None
    if wayland_session():
        return "Wayland (shared through the desktop portal)", None
    if os.environ.get("DISPLAY"):
        return f"X11 ({os.environ['DISPLAY']})", None
    return "none", "no display: run Proxim inside a desktop session (DISPLAY is not set)"


def backend_problem(factory: Callable[[HostConfig], Backend], config: HostConfig) -> str | None:
    """Why the backend ``factory`` builds cannot work here, or None when it can."""
    try:
        backend = factory(config)
        reason = backend.unavailable_reason()
        backend.close()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
    return reason


def backend_description(factory: Callable[[HostConfig], Backend], config: HostConfig) -> str:
    backend = factory(config)
    try:
        uses = backend.describe()
    except Exception as exc:
        uses = f"{backend.name} ({type(exc).__name__}: {exc})"
    finally:
        backend.close()
    return uses if uses.startswith(backend.name) else f"{backend.name}: {uses}"


def plugin_usability(app: App) -> dict[str, str]:
    """Why a plugin's backends cannot work here, by plugin name (absent means usable)."""
    reasons: dict[str, str] = {}
    for registry in (app.capture_sources, app.input_backends):
        for name, factory in registry.factories.items():
            plugin_name = _owner(app.plugins, factory)
            reason = backend_problem(factory, app.config)
            if reason and plugin_name:
                reasons[plugin_name] = f"{registry.kind} backend {name}: {reason}"
    return reasons


def _owner(plugins: PluginHost, factory: object) -> str | None:
    module = getattr(factory, "__module__", "")
    for info in plugins.plugins():
        plugin = plugins.plugin_object(info.name)
        if plugin is not None and module.startswith(getattr(plugin, "__name__", "\0")):
            return info.name
    return None


def network_lines(config: HostConfig) -> tuple[bool, str, list[str]]:
    """Whether a phone can get a link, the summary, and one line per address: which is tried first, and why the
    others are only alternatives or not used at all."""
    forced = config.advertise_addr
    lines = []
    first = None
    for entry, why in plan(Listening.planned(config.bind, config.port), inventory()):
        if why is not None:
            verdict = f"not used: {why}"
        elif forced:
            verdict = f"not used: --advertise-addr chooses {forced}"
        elif first is None:
            first = entry
            verdict = "tried first"
        else:
            verdict = "tried next: an alternative link when it answers"
        lines.append(f"{entry.describe()}: {verdict}")
    if forced:
        return True, f"the link uses {forced} (--advertise-addr); the host warns if it does not answer", lines
    if first is None:
        return False, f"{NO_ADDRESS}: connect this computer to a network, or pass --advertise-addr", lines
    summary = f"the link uses {first.address} on {first.interface} when it answers (the host checks before showing it)"
    return True, summary, lines


def notifications(platform: str = sys.platform) -> tuple[bool, str]:
    """The doctor's notifications line: whether they can show, and how or what to do."""
    if platform == "win32":
        return True, "Windows notifications (desktop-notifier); Focus assist hides them: approve in the tray then"
    if platform == "darwin":
        return True, (
            "Notification Center (desktop-notifier); macOS asks once whether Python may notify: allow it, or later in "
            "System Settings > Notifications"
        )
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True, "session D-Bus found" + ("" if shutil.which("notify-send") else " (notify-send missing)")
    return False, "no session D-Bus: desktop notifications are off; approve in the terminal or the tray"


def run(plugins: PluginHost, config: HostConfig) -> int:
    from proxim_tray.app import App

    app = App(config, plugins)
    problems = 0

    def line(topic: str, ok: bool, text: str) -> None:
        nonlocal problems
        problems += not ok
        print(f"{'OK  ' if ok else 'FIX '} {topic:<18} {text}")

    kind, advice = display_server()
    line("display server", advice is None, kind if advice is None else f"{kind}: {advice}")
    for label, registry, chosen in (
        ("screen capture", app.capture_sources, config.capture),
        ("input injection", app.input_backends, config.input),
    ):
        factory = registry.factories.get(chosen)
        if factory is None:
            line(label, False, f"no {registry.kind} backend {chosen!r}: is its plugin installed and enabled?")
            continue
        reason, uses = backend_problem(factory, app.config), ""
        if reason is None:
            uses = backend_description(factory, app.config)
        line(label, reason is None, uses if reason is None else f"{chosen}: {reason}")
    tray = plugins.call_first_sync("proxim_make_tray", app=app)
    tray_reason = "no tray plugin is loaded" if tray is None else tray.unavailable_reason()
    line(
        "tray",
        tray_reason is None,
        "available" if tray_reason is None else f"{tray_reason} (console mode is used)",
    )
    if sys.platform == "win32" and config.input == "pynput":
        line("input limits", True, WINDOWS_INPUT_LIMITS)
    without_gtk = gtk.missing()
    if without_gtk:
        line("GTK", False, without_gtk)
    line("notifications", *notifications())
    reachable, summary, addresses = network_lines(config)
    line("network address", reachable, summary)
    for text in addresses:
        print(f"{'':<4} {'':<18} {text}")
    line("firewall", *firewall.advice(config.port, config.media_port))
    for failure in plugins.failures:
        line("plugin", False, f"{failure.name} failed to load: {failure.error}")
    return 0 if problems == 0 else 1
