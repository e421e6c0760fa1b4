"""Telling the local user's input from what Proxim injected, with the X RECORD extension.

XTEST events carry no mark of where they came from, so the backend notes every event it injects in an
:class:`InjectedEvents` ledger just before injecting it, and the watcher counts as local only what the ledger does
not account for. The X server repeats a held key by itself (autorepeat): those events are Proxim's too, so the ledger
also knows which keycodes Proxim holds.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# an injected event that never showed up (a move to where the pointer already was) is forgotten after this
EXPECTATION_SECONDS = 1.0
MAX_EXPECTED = 4096
START_TIMEOUT = 5.0


class InjectedEvents:
    """Events the backend injected and the watcher has not yet seen: (X event type, detail) with a deadline."""

    def __init__(self) -> None:
        self._expected: deque[tuple[int, Any, float]] = deque(maxlen=MAX_EXPECTED)
        # keycode -> until when its key events are ours: while held, and briefly after its release, which may reach
        # the watcher after a last repeat
        self._held_keys: dict[int, float] = {}
        self._lock = threading.Lock()

    def expect(self, event_type: int, detail: Any) -> None:
        with self._lock:
            self._expected.append((event_type, detail, time.monotonic() + EXPECTATION_SECONDS))

    def key_held(self, keycode: int, down: bool) -> None:
        with self._lock:
            self._held_keys[keycode] = math.inf if down else time.monotonic() + EXPECTATION_SECONDS

    def repeats_held_key(self, keycode: int) -> bool:
        """True when a key event for ``keycode`` is the X server repeating a key Proxim holds."""
        now = time.monotonic()
        with self._lock:
            for stale in [code for code, until in self._held_keys.items() if until < now]:
                del self._held_keys[stale]
            return keycode in self._held_keys

    def account_for(self, event_type: int, detail: Any) -> bool:
        """True when the event is one we injected (it is then crossed off)."""
        now = time.monotonic()
        with self._lock:
            while self._expected and self._expected[0][2] < now:
                self._expected.popleft()
            for index, (kind, expected_detail, _) in enumerate(self._expected):
                if kind == event_type and expected_detail == detail:
                    del self._expected[index]
                    return True
        return False


class LocalInputWatcher:
    """A thread that records the server's device events and calls ``on_local_input`` for those not injected."""

    def __init__(self, injected: InjectedEvents, on_local_input: Callable[[], None]) -> None:
        from Xlib import X, display
        from Xlib.ext import record

        self._injected = injected
        self._on_local_input = on_local_input
        self._record_display = display.Display()
        self._control_display = display.Display()
        if not self._record_display.has_extension("RECORD"):
            self._record_display.close()
            self._control_display.close()
            raise RuntimeError("the X server lacks the RECORD extension")
        self._context = self._record_display.record_create_context(
            0,
            [record.AllClients],
            [
                {
                    "core_requests": (0, 0),
                    "core_replies": (0, 0),
                    "ext_requests": (0, 0, 0, 0),
                    "ext_replies": (0, 0, 0, 0),
                    "delivered_events": (0, 0),
                    "device_events": (X.KeyPress, X.MotionNotify),
                    "errors": (0, 0),
                    "client_started": False,
                    "client_died": False,
                }
            ],
        )
        self._recording = threading.Event()
        self._thread = threading.Thread(target=self._run, name="proxim-local-input", daemon=True)
        self._thread.start()
        # return only once recording: a stop() before that would be lost, and the thread would record forever
        if not self._recording.wait(START_TIMEOUT):
            self.stop()
            raise RuntimeError(f"the X server did not start recording within {START_TIMEOUT:g} s")

    def _run(self) -> None:
        from Xlib.error import ConnectionClosedError

        try:
            self._record_display.record_enable_context(self._context, self._on_record)
        except ConnectionClosedError:
            logger.info("the X server closed: no more local input to watch")
            return
        except Exception:
            logger.exception("watching local input failed; remote input will not yield to the local user")
        with contextlib.suppress(Exception):  # the display may be gone already
            self._record_display.record_free_context(self._context)
            self._record_display.close()

    def _on_record(self, reply: Any) -> None:
        from Xlib import X
        from Xlib.ext import record
        from Xlib.protocol import rq

        if reply.category == record.StartOfData:
            self._recording.set()
            return
        if reply.category != record.FromServer or reply.client_swapped or not reply.data:
            return
        data = reply.data
        parser = rq.EventField(None)
        while data:
            event, data = parser.parse_binary_value(data, self._record_display.display, None, None)
            if event.type == X.MotionNotify:
                detail: Any = (event.root_x, event.root_y)
            else:
                detail = event.detail
            if self._injected.account_for(event.type, detail):
                continue
            if event.type in (X.KeyPress, X.KeyRelease) and self._injected.repeats_held_key(event.detail):
                continue
            self._on_local_input()

    def stop(self) -> None:
        """Stop recording and wait for the thread. Blocks briefly."""
        with contextlib.suppress(Exception):  # the X server may be gone; the thread then ends by itself
            self._control_display.record_disable_context(self._context)
            self._control_display.flush()
        self._thread.join(timeout=2.0)
        self._control_display.close()
