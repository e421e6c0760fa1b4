"""Remote input for one session: validate, check the grant, inject in order, and never leave anything pressed.

Everything a session pressed is released when the session ends, the channel closes, the client says it lost focus
(``release``), the client falls silent for ``HEARTBEAT_TIMEOUT``, the grant is withdrawn, or the local user takes over.
Withdrawing the grant, pausing, the local user and the session's end also drop the input still queued, and every
queued job checks the grant and the pause again just before it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from proxim_tray import protocol
from proxim_tray.approval import Permission
from proxim_tray.backends import InputBackend, ScreenGeometry
from proxim_tray.commands import CLIPBOARD_COMMANDS, CLIPBOARD_GET, CLIPBOARD_SET, Command, CommandContext
from proxim_tray.errors import ProtocolError
from proxim_tray.injection import InjectionQueue

logger = logging.getLogger(__name__)

WHEEL_STEP_PIXELS = 100.0
HEARTBEAT_TIMEOUT = 1.0
HEARTBEAT_CHECK_INTERVAL = 0.05
DEFAULT_LOCAL_PRIORITY = 2.0
# a local event is reported to the loop at most this often; the pause lasts from the last one
LOCAL_INPUT_SIGNAL_INTERVAL = 0.05
MESSAGES_PER_SECOND = 2000.0
MESSAGE_BURST = 500.0
ERRORS_PER_SECOND = 20.0
MAX_HELD_KEYS = 32  # more than any keyboard's rollover; also bounds the releases that may exceed the queue's limit
# queued work (see InjectionQueue): a character the layout has is 1; one it may lack costs a keycode lending, which
# remaps the keyboard for every X client (measured 15-40 times slower on Xvfb); a command may start a program
LENDING_COST = 16
COMMAND_COST = 32
# text is typed this many characters at a time, the grant and pause checked before each
TEXT_CHUNK = 16


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class RemoteControl:
    """Turns control messages into backend calls on one worker thread, so events keep their order."""

    def __init__(
        self,
        backend: InputBackend,
        geometry: ScreenGeometry,
        permissions: frozenset[Permission],
        reply: Callable[[dict[str, Any]], None],
        commands: list[Command] | None = None,
        local_priority: float = DEFAULT_LOCAL_PRIORITY,
        paused: bool = False,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._backend = backend
        self._geometry = geometry
        self.permissions = permissions
        self.paused = paused
        self._reply = reply
        self._commands = {command.name: command for command in commands or ()}
        self.queue = InjectionQueue(may_run=self._may_run)
        self._messages = TokenBucket(MESSAGES_PER_SECOND, MESSAGE_BURST)
        self._errors = TokenBucket(ERRORS_PER_SECOND, ERRORS_PER_SECOND)
        self._buttons_down: set[str] = set()
        self._keys_down: dict[str, tuple[str, str]] = {}
        self._wheel_rest = [0.0, 0.0]
        self._move_rest = [0.0, 0.0]
        self._last_message = self._loop.time()
        self._watchdog = self._loop.call_later(HEARTBEAT_CHECK_INTERVAL, self._check_heartbeat)
        self._local_priority = local_priority
        self._local_until: float | None = None
        self._local_timer: asyncio.TimerHandle | None = None
        self._last_local_signal = 0.0
        self._local_seen = -math.inf  # the watcher's last local event (monotonic), read by the input thread
        # opening the watcher's X connections blocks briefly: it starts on an executor thread
        self._watching: asyncio.Future[Callable[[], None] | None] | None = None
        if local_priority > 0 and type(backend).watch_local_input is not InputBackend.watch_local_input:
            self._watching = self._loop.run_in_executor(None, backend.watch_local_input, self._local_input_seen)
        self._closed = False

    # -- what the client is told -------------------------------------------------------------------------------------

    def capabilities(self) -> list[str]:
        found = ["pointer", "wheel", "keys", "text"]
        if type(self._backend).move_relative is not InputBackend.move_relative:
            found.append("relative_pointer")
        if self._watching is not None:
            found.append("local_priority")
        if all(name in self._commands for name in CLIPBOARD_COMMANDS):
            found.append("clipboard")
        return found

    def watches_local_input(self) -> bool:
        """True once the backend's watcher runs (it starts on an executor thread, a few milliseconds after this)."""
        watching = self._watching
        if watching is None or not watching.done() or watching.cancelled() or watching.exception() is not None:
            return False
        return watching.result() is not None

    def hello(self) -> dict[str, Any]:
        commands = [
            {"name": command.name, "label": command.label}
            for command in self._commands.values()
            if command.name not in CLIPBOARD_COMMANDS
        ]
        return hello_message(self._geometry, self.permissions, commands, self.capabilities())

    def _refuse(self, code: str, message: str) -> None:
        # an error answers each refused message, but a flood of bad messages must not become a flood of replies
        if self._errors.take():
            self._reply({"t": "error", "code": code, "message": message})
        else:
            logger.debug("not reporting %s to the client: too many errors", code)

    # -- incoming messages -------------------------------------------------------------------------------------------

    def handle(self, raw: str | bytes) -> None:
        if self._closed:
            return
        self._last_message = self._loop.time()
        if not self._messages.take():
            self._refuse("rate_limited", f"more than {MESSAGES_PER_SECOND:g} control messages a second; slow down")
            return
        try:
            message = protocol.parse_control(raw)
        except ProtocolError as exc:
            self._refuse(exc.code, exc.message)
            return
        if isinstance(message, protocol.Heartbeat):
            return
        if isinstance(message, protocol.Ping):
            self._reply({"t": "pong", "id": message.id})
            return
        if isinstance(message, protocol.ReleaseAll):
            self.release_all()
            return
        try:
            command = self._command_for(message)
        except ProtocolError as exc:
            self._refuse(exc.code, exc.message)
            return
        needed = command.permission if command is not None else Permission.CONTROL
        if needed not in self.permissions:
            self._refuse("not_permitted", _NOT_PERMITTED[needed])
            return
        if self.paused or self._local_until is not None:
            return  # the client was told ``paused``; what it sends meanwhile is dropped
        if command is not None:
            self._run_command(command, message)
        else:
            self._dispatch(message)

    def _command_for(self, message: protocol.ControlMessage) -> Command | None:
        match message:
            case protocol.RunCommand(name) if name not in CLIPBOARD_COMMANDS and name in self._commands:
                return self._commands[name]
            case protocol.RunCommand(name):
                raise ProtocolError("unknown_command", f"this host offers no command {name!r}")
            case protocol.ClipboardGet():
                name = CLIPBOARD_GET
            case protocol.ClipboardSet():
                name = CLIPBOARD_SET
            case _:
                return None
        if name not in self._commands:
            raise ProtocolError("unknown_command", "this host cannot share its clipboard")
        return self._commands[name]

    def _may_run(self, needs: object) -> bool:
        """Whether input needing ``needs`` may be injected now; called on the input thread just before each job."""
        if self._closed or self.paused or self._local_until is not None or needs not in self.permissions:
            return False
        # the loop may be busy with a burst of messages: the input thread stops as soon as the watcher saw the user
        return time.monotonic() - self._local_seen >= self._local_priority

    def _run_command(self, command: Command, message: protocol.ControlMessage) -> None:
        text = message.text if isinstance(message, protocol.ClipboardSet) else ""

        def run() -> None:
            # decided when it runs: the grant may have changed while the command waited
            context = CommandContext(self._backend, text, may_type=self._may_run(Permission.CONTROL))
            try:
                result = command.run(context)
            except Exception as exc:
                logger.exception("command %s failed", command.name)
                self._reply_threadsafe({"t": "error", "code": "command_failed", "message": f"{command.label}: {exc}"})
                return
            if command.name == CLIPBOARD_GET:
                self._reply_threadsafe({"t": "clip", "text": result or ""})

        if not self.queue.put(run, cost=COMMAND_COST, needs=command.permission):
            self._refuse("rate_limited", "the host is still busy with earlier input; try again")

    def _reply_threadsafe(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the host is gone
            self._loop.call_soon_threadsafe(self._reply, message)

    def _put(self, function: Callable[..., Any], *args: Any, coalesce: bool = False, cost: int = 1) -> bool:
        """Queue input that needs ``control``."""
        return self.queue.put(function, *args, coalesce=coalesce, cost=cost, needs=Permission.CONTROL)

    def _dispatch(self, message: protocol.ControlMessage) -> None:
        backend, queued = self._backend, True
        match message:
            case protocol.PointerMove(x, y):
                queued = self._put(backend.move, *self._geometry.to_pixels(x, y), coalesce=True)
            case protocol.PointerRelative(dx, dy):
                steps = _whole_steps(self._move_rest, dx, dy, 1.0)
                if steps != (0, 0):
                    queued = self._put(backend.move_relative, *steps)
            case protocol.PointerButton(button, down, x, y):
                queued = self._button(button, down, x, y)
            case protocol.Wheel(dx, dy):
                resolution = backend.wheel_resolution
                steps = _whole_steps(self._wheel_rest, dx, dy, WHEEL_STEP_PIXELS / resolution)
                if steps != (0, 0):
                    notches = -(-(abs(steps[0]) + abs(steps[1])) // resolution)
                    queued = self._put(backend.scroll, *steps, cost=notches)
            case protocol.Key(key, code, down, mods):
                if mods is not None:
                    self._release_modifiers_not_in(mods, held_as=code or key)
                queued = self._key(key, code, down)
            case protocol.Text(text):
                queued = self._put(self._type_text, text, cost=text_cost(text))
        if not queued:
            self._refuse("rate_limited", "the host is still busy with earlier input; this event was dropped")

    def _type_text(self, text: str) -> None:
        """On the input thread: type ``text`` a chunk at a time, stopping as soon as control is withdrawn."""
        for start in range(0, len(text), TEXT_CHUNK):
            if not self._may_run(Permission.CONTROL):
                return
            self._backend.type_text(text[start : start + TEXT_CHUNK])

    def _button(self, button: str, down: bool, x: float | None, y: float | None) -> bool:
        if x is not None and y is not None and not self._put(self._backend.move, *self._geometry.to_pixels(x, y)):
            return False
        if down:
            if button in self._buttons_down:
                return True
            if not self._put(self._backend.button, button, True):
                return False
            self._buttons_down.add(button)
            return True
        if button in self._buttons_down:
            self._buttons_down.discard(button)
            self.queue.put(self._backend.button, button, False, urgent=True)
        return True

    def _key(self, key: str, code: str, down: bool) -> bool:
        held_as = code or key
        if down:
            if held_as not in self._keys_down and len(self._keys_down) >= MAX_HELD_KEYS:
                self._refuse("bad_message", f"more than {MAX_HELD_KEYS} keys held at once; release some first")
                return True
            if not self._put(self._backend.key, key, code, True):
                return False
            self._keys_down.setdefault(held_as, (key, code))
            return True
        if held_as in self._keys_down:
            # release exactly what was pressed, even if the modifiers changed the reported key since
            key, code = self._keys_down.pop(held_as)
            self.queue.put(self._backend.key, key, code, False, urgent=True)
        return True

    def _release_modifiers_not_in(self, mods: frozenset[str], held_as: str) -> None:
        """A modifier the client no longer reports as held lost its key-up (a focus change): release it now."""
        for pressed, (key, _) in list(self._keys_down.items()):
            if key in protocol.MODIFIERS and key not in mods and pressed != held_as:
                self._key(key, pressed, False)

    # -- the grant and the pause -------------------------------------------------------------------------------------

    def set_permissions(self, permissions: frozenset[Permission]) -> None:
        withdrawn = self.permissions - permissions
        self.permissions = permissions
        if withdrawn:
            self._stop_input()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self._stop_input()

    def _stop_input(self) -> None:
        """Release everything held and forget the input still queued (the releases stay)."""
        self.release_all()
        dropped = self.queue.drop_pending()
        if dropped:
            logger.info("dropped %d queued input events", dropped)

    # -- releasing ---------------------------------------------------------------------------------------------------

    def release_all(self) -> None:
        for key, code in reversed(list(self._keys_down.values())):
            self.queue.put(self._backend.key, key, code, False, urgent=True)
        for button in self._buttons_down:
            self.queue.put(self._backend.button, button, False, urgent=True)
        self._keys_down.clear()
        self._buttons_down.clear()

    def holds_anything(self) -> bool:
        return bool(self._keys_down or self._buttons_down)

    def _check_heartbeat(self) -> None:
        silence = self._loop.time() - self._last_message
        if silence > HEARTBEAT_TIMEOUT and self.holds_anything():
            logger.warning("no message from the client for %.1f s: releasing the keys and buttons it held", silence)
            self.release_all()
        self._watchdog = self._loop.call_later(HEARTBEAT_CHECK_INTERVAL, self._check_heartbeat)

    # -- local priority ----------------------------------------------------------------------------------------------

    def _local_input_seen(self) -> None:
        """Called by the backend's watcher thread for every local event."""
        now = self._local_seen = time.monotonic()
        if now - self._last_local_signal < LOCAL_INPUT_SIGNAL_INTERVAL:
            return
        self._last_local_signal = now
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the host is gone
            self._loop.call_soon_threadsafe(self._local_input)

    def _local_input(self) -> None:
        if self._closed:
            return
        first = self._local_until is None
        self._local_until = self._loop.time() + self._local_priority
        if first:
            logger.info("the local user is active: remote input paused for %g s", self._local_priority)
            self._stop_input()
            self._reply({"t": "paused", "reason": "local_input", "seconds": self._local_priority})
            self._local_timer = self._loop.call_later(self._local_priority, self._end_local_pause)

    def _end_local_pause(self) -> None:
        if self._local_until is None:
            return
        left = self._local_until - self._loop.time()
        if left > 0:
            self._local_timer = self._loop.call_later(left, self._end_local_pause)
            return
        self._local_until = None
        logger.info("the local user is idle: remote input resumed")
        self._reply({"t": "resumed", "reason": "local_input"})

    # -- the end -----------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        """Release everything held, wait until the backend has done it, then stop the worker."""
        if self._closed:
            return
        self._closed = True
        self._watchdog.cancel()
        if self._local_timer is not None:
            self._local_timer.cancel()
        self._stop_input()
        await self._loop.run_in_executor(None, self.queue.close)
        stop_watching = None
        if self._watching is not None:
            try:
                stop_watching = await self._watching
            except Exception:
                logger.exception("the input backend could not watch local input")
        if stop_watching is not None:
            await self._loop.run_in_executor(None, stop_watching)


_NOT_PERMITTED = {
    Permission.CONTROL: "this session is view only: the host's user has not granted control",
    Permission.COMMANDS: "the host's user has not granted system commands and the clipboard to this session",
    Permission.VIEW: "this session may not view the screen",
}


def text_cost(text: str) -> int:
    """The queue's work for typing ``text``: a character outside printable ASCII may need a keycode lent to it."""
    return sum(1 if " " <= char <= "~" or char == "\n" else LENDING_COST for char in text)


def _whole_steps(rest: list[float], dx: float, dy: float, step: float) -> tuple[int, int]:
    """Add ``dx``, ``dy`` to the fractions kept in ``rest`` and take out the whole steps."""
    rest[0] += dx / step
    rest[1] += dy / step
    steps = (int(rest[0]), int(rest[1]))
    rest[0] -= steps[0]
    rest[1] -= steps[1]
    return steps


def hello_message(
    geometry: ScreenGeometry,
    permissions: frozenset[Permission],
    commands: list[dict[str, str]],
    capabilities: list[str],
) -> dict[str, Any]:
    """The host's first control message: the shared screen, what this session may do, and what the host offers."""
    return {
        "t": "hello",
        "v": protocol.VERSION,
        "screen": {"w": geometry.width, "h": geometry.height},
        "permissions": sorted(permissions),
        "commands": commands,
        "capabilities": capabilities,
    }
