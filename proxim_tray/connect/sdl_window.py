"""The `proxim connect` window, with SDL2 (PySDL2 and the SDL2 library of pysdl2-dll): the host's frames uploaded as
they come from the decoder (YUV 4:2:0, no conversion in Python), the status panel, hints and HUD, and the keyboard and
mouse, grabbed while the window has focus and sent to the host as the page sends them.

SDL wants its window, events and clipboard on one thread (the main one on macOS): everything here runs on it; the
session's loop hands frames and states over through :meth:`offer_frame` and :meth:`offer_state`, which wake it.
"""

from __future__ import annotations

import ctypes
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pysdl2 says which SDL2 library it found
    import sdl2

from proxim_tray.connect import keymap, overlay
from proxim_tray.connect.held import HeldInput
from proxim_tray.connect.session import Shown, format_code

# Pointer buttons by SDL number, named as the protocol names them
BUTTONS = {1: "left", 2: "middle", 3: "right", 4: "back", 5: "forward"}
WHEEL_PIXELS = 100.0  # one wheel notch, in the protocol's pixels (the host's WHEEL_STEP_PIXELS)
CHORD_SCANCODES = {224, 225, 226, 228, 229, 230}  # Ctrl, Shift and Alt, both sides
CHORD_MODS = (sdl2.KMOD_CTRL, sdl2.KMOD_ALT, sdl2.KMOD_SHIFT)
CAPTURED_HINT = "Keyboard and mouse go to the remote computer. Ctrl+Alt+Shift lets go."
RELEASED_HINT = "Click the picture to control it · F full screen · 1 actual size or fit · H stats · Q quits"
HINT_SECONDS = 4.0
DESKTOP_DRIVERS = frozenset({"x11", "wayland", "windows", "cocoa"})
UBYTES = ctypes.POINTER(ctypes.c_ubyte)


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int


def content_rect(out_w: int, out_h: int, video_w: int, video_h: int, actual_size: bool) -> Rect:
    """Where the picture goes in the window: fitted with its aspect kept, or at one host pixel per pixel; centred."""
    scale = 1.0 if actual_size else min(out_w / video_w, out_h / video_h)
    w, h = round(video_w * scale), round(video_h * scale)
    return Rect((out_w - w) // 2, (out_h - h) // 2, w, h)


GL_RENDERER = 0x1F01
SOFTWARE_GL = (b"llvmpipe", b"softpipe", b"software rasterizer")


def _software_opengl(renderer: Any) -> bool:
    """Whether ``renderer`` is SDL's OpenGL one on a rasteriser that runs on the CPU (Mesa's llvmpipe, say)."""
    info = sdl2.SDL_RendererInfo()
    if sdl2.SDL_GetRendererInfo(renderer, ctypes.byref(info)) != 0 or not info.name.startswith(b"opengl"):
        return False
    address = sdl2.SDL_GL_GetProcAddress(b"glGetString")
    if not address:
        return False
    gl_get_string = ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.c_uint)(address)
    name = (gl_get_string(GL_RENDERER) or b"").lower()
    return any(software in name for software in SOFTWARE_GL)


class _Texture:
    """An SDL texture that is remade when its size changes."""

    def __init__(self, renderer: Any, pixel_format: int, access: int) -> None:
        self._renderer, self._format, self._access = renderer, pixel_format, access
        self.handle: Any = None
        self.size = (0, 0)

    def sized(self, width: int, height: int) -> Any:
        if self.size != (width, height):
            self.destroy()
            self.handle = sdl2.SDL_CreateTexture(self._renderer, self._format, self._access, width, height)
            self.size = (width, height)
        return self.handle

    def destroy(self) -> None:
        if self.handle:
            sdl2.SDL_DestroyTexture(self.handle)
        self.handle, self.size = None, (0, 0)


class RemoteWindow:
    def __init__(self, title: str, send: Callable[[dict[str, Any]], None], ask_clipboard: Callable[[], None]) -> None:
        self._send = send
        self._ask_clipboard = ask_clipboard
        self.held = HeldInput(send)
        self._lock = threading.Lock()
        self._frame: av.VideoFrame | None = None
        self._clipboard_in: str | None = None
        self._synced_clipboard: str | None = None
        self.shown = Shown()
        self.captured = False
        self.released_by_chord = False
        self.actual_size = False
        self.show_hud = False
        self.right_alt_is_altgr = False  # learnt from the first character Right Alt changes
        self._hint_until = 0.0
        self._pending_move: dict[str, float] | None = None
        self._dirty = True  # the window needs drawing even without a new frame or text (shown, resized, exposed)

        for hint, value in (
            (sdl2.SDL_HINT_GRAB_KEYBOARD, b"1"),  # the grab takes the keyboard too: Alt+Tab, Super go to the host
            (sdl2.SDL_HINT_ALLOW_ALT_TAB_WHILE_GRABBED, b"0"),
            (sdl2.SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, b"0"),
            (sdl2.SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, b"1"),
            (sdl2.SDL_HINT_RENDER_SCALE_QUALITY, b"1"),
            (sdl2.SDL_HINT_IME_SHOW_UI, b"1"),
        ):
            sdl2.SDL_SetHint(hint, value)
        if sdl2.SDL_Init(sdl2.SDL_INIT_VIDEO) != 0:
            raise RuntimeError(f"cannot open a window: {sdl2.SDL_GetError().decode(errors='replace')}")
        driver = (sdl2.SDL_GetCurrentVideoDriver() or b"").decode()
        if driver not in DESKTOP_DRIVERS:
            sdl2.SDL_Quit()  # SDL would draw off screen (no DISPLAY) or take over the console (KMS)
            raise RuntimeError(f"cannot open a window: no desktop here (SDL's video driver would be {driver!r})")
        flags = sdl2.SDL_WINDOW_RESIZABLE | sdl2.SDL_WINDOW_SHOWN | sdl2.SDL_WINDOW_ALLOW_HIGHDPI
        pos = sdl2.SDL_WINDOWPOS_CENTERED
        self.window = sdl2.SDL_CreateWindow(title.encode(), pos, pos, 1280, 720, flags)
        self.renderer = sdl2.SDL_CreateRenderer(self.window, -1, 0)
        if self.renderer and _software_opengl(self.renderer):
            # OpenGL drawn by the CPU (no GPU: a VM, Xvfb) costs more than SDL's own software renderer (22 % against
            # 14 % of a core, docs/performance.md)
            sdl2.SDL_DestroyRenderer(self.renderer)
            sdl2.SDL_SetHint(sdl2.SDL_HINT_FRAMEBUFFER_ACCELERATION, b"0")  # its window surface through X itself
            self.renderer = sdl2.SDL_CreateRenderer(self.window, -1, sdl2.SDL_RENDERER_SOFTWARE)
        if not self.window or not self.renderer:
            raise RuntimeError(f"cannot open a window: {sdl2.SDL_GetError().decode(errors='replace')}")
        self._video = _Texture(self.renderer, sdl2.SDL_PIXELFORMAT_IYUV, sdl2.SDL_TEXTUREACCESS_STREAMING)
        self._panel = _Texture(self.renderer, sdl2.SDL_PIXELFORMAT_RGBA32, sdl2.SDL_TEXTUREACCESS_STATIC)
        self._hints = _Texture(self.renderer, sdl2.SDL_PIXELFORMAT_RGBA32, sdl2.SDL_TEXTUREACCESS_STATIC)
        for texture in (self._panel, self._hints):
            texture.sized(1, 1)
        self._panel_text: list[overlay.Line] = []
        self._hint_text: list[overlay.Line] = []
        self._wake_type = sdl2.SDL_RegisterEvents(1)
        sdl2.SDL_StartTextInput()

    # ---------------------------------------------------------------- from the session's thread

    def offer_frame(self, frame: av.VideoFrame) -> None:
        with self._lock:
            self._frame = frame
        self._wake()

    def offer_state(self, shown: Shown) -> None:
        with self._lock:
            self.shown = shown
        self._wake()

    def offer_clipboard(self, text: str) -> None:
        with self._lock:
            self._clipboard_in = text
        self._wake()

    def request_quit(self) -> None:
        """Closes the window as its close button does (from a signal handler, say)."""
        event = sdl2.SDL_Event()
        event.type = sdl2.SDL_QUIT
        sdl2.SDL_PushEvent(ctypes.byref(event))

    def _wake(self) -> None:
        event = sdl2.SDL_Event()
        event.type = self._wake_type
        sdl2.SDL_PushEvent(ctypes.byref(event))

    # ---------------------------------------------------------------- the main thread

    def run(self) -> None:
        """Shows and handles events until the user closes the window."""
        event = sdl2.SDL_Event()
        while True:
            if sdl2.SDL_WaitEventTimeout(ctypes.byref(event), 250):
                if not self._handle(event):
                    return
                while sdl2.SDL_PollEvent(ctypes.byref(event)):
                    if not self._handle(event):
                        return
            self._flush_move()
            self._draw()

    def close(self) -> None:
        self.release()
        for texture in (self._video, self._panel, self._hints):
            texture.destroy()
        sdl2.SDL_DestroyRenderer(self.renderer)
        sdl2.SDL_DestroyWindow(self.window)
        sdl2.SDL_Quit()

    def _handle(self, event: sdl2.SDL_Event) -> bool:
        """Handles one event; False when the window was closed."""
        kind = event.type
        if kind == sdl2.SDL_QUIT:
            return False
        if kind == sdl2.SDL_WINDOWEVENT:
            self._window_event(event.window.event)
        elif kind == sdl2.SDL_KEYDOWN:
            return self._key_down(event.key)
        elif kind == sdl2.SDL_KEYUP:
            self._key_up(event.key)
        elif kind == sdl2.SDL_MOUSEBUTTONDOWN:
            self._button_down(event.button)
        elif kind == sdl2.SDL_MOUSEBUTTONUP:
            self._button_up(event.button)
        elif not self._controlling:
            pass
        elif kind == sdl2.SDL_TEXTINPUT:
            self._send({"t": "text", "text": event.text.text.decode(errors="replace")})  # an IME's commit
        elif kind == sdl2.SDL_MOUSEMOTION:
            self._pending_move = self._host_point(event.motion.x, event.motion.y) or self._pending_move
        elif kind == sdl2.SDL_MOUSEWHEEL:
            self._wheel(event.wheel)
        return True

    @property
    def _controlling(self) -> bool:
        return self.captured and self.shown.can_control

    # ---------------------------------------------------------------- capture

    def _capture(self) -> None:
        if not self.shown.can_control:
            return
        self.captured = True
        self.released_by_chord = False
        sdl2.SDL_SetWindowKeyboardGrab(self.window, sdl2.SDL_TRUE)
        sdl2.SDL_SetWindowMouseGrab(self.window, sdl2.SDL_TRUE)
        self._hint_until = time.monotonic() + HINT_SECONDS

    def release(self) -> None:
        """Lets go of the keyboard and mouse here, and of everything held on the host."""
        if self.captured and self.shown.state == "live":
            self.held.release_all()
        self.captured = False
        self._pending_move = None
        sdl2.SDL_SetWindowKeyboardGrab(self.window, sdl2.SDL_FALSE)
        sdl2.SDL_SetWindowMouseGrab(self.window, sdl2.SDL_FALSE)

    def _focused(self) -> bool:
        return bool(sdl2.SDL_GetWindowFlags(self.window) & sdl2.SDL_WINDOW_INPUT_FOCUS)

    def _window_event(self, kind: int) -> None:
        self._dirty = True
        if kind == sdl2.SDL_WINDOWEVENT_SIZE_CHANGED:
            self._panel_text, self._hint_text = [], []  # wrapped again for the new width
        if kind == sdl2.SDL_WINDOWEVENT_FOCUS_LOST:
            self.release()
            if self.shown.clipboard:
                self._ask_clipboard()  # what was copied on the host is there to paste here

    # ---------------------------------------------------------------- keys

    def _key_down(self, key: sdl2.SDL_KeyboardEvent) -> bool:
        scancode, sym = key.keysym.scancode, key.keysym.sym
        mod = key.keysym.mod  # as it was when the key went down (SDL's current state is already further on)
        if not self.captured:
            return self._local_key(scancode)
        if scancode in CHORD_SCANCODES and all(mod & bits for bits in CHORD_MODS):
            self.released_by_chord = True
            self.release()
            return True
        text = self._text_typed_by_this_key()  # taken off the queue even for a repeat: the host repeats by itself
        if key.repeat or not self.shown.can_control:
            return True
        code = keymap.code_of(scancode)
        if text and text.lower() != keymap.key_without_text(sym, []).lower() and self._right_alt_held(mod):
            self._right_alt_is_altgr()  # Right Alt gave this key another character: it is AltGr here
        mods = keymap.modifiers(mod, self.right_alt_is_altgr)
        if code == "KeyV" and "Control" in mods and self._paste_local_clipboard():
            return True
        if text is not None and len(text) != 1:
            self._send({"t": "text", "text": text})
            return True
        name = text or keymap.named_key(scancode, sym, self.right_alt_is_altgr) or keymap.key_without_text(sym, mods)
        if name == "AltGraph":
            return True
        self.held.press({"t": "kd", "key": name, "code": code, "mods": mods})
        return True

    def _key_up(self, key: sdl2.SDL_KeyboardEvent) -> None:
        if not self.captured:
            return
        scancode, sym = key.keysym.scancode, key.keysym.sym
        mods = keymap.modifiers(key.keysym.mod, self.right_alt_is_altgr)
        name = keymap.named_key(scancode, sym, self.right_alt_is_altgr) or keymap.key_without_text(sym, mods)
        self.held.lift({"t": "ku", "key": name, "code": keymap.code_of(scancode), "mods": mods})

    def _right_alt_held(self, mod: int) -> bool:
        return bool(mod & sdl2.KMOD_RALT) and not self.right_alt_is_altgr

    def _right_alt_is_altgr(self) -> None:
        """From now on Right Alt is AltGr on this layout: it only picks characters here, which the host types by
        meaning, so it is let go on the host and no longer sent (an Alt held there would turn "@" into Alt+@)."""
        self.right_alt_is_altgr = True
        self.held.lift({"t": "ku", "key": "Alt", "code": "AltRight", "mods": []})

    def _text_typed_by_this_key(self) -> str | None:
        """The text SDL queued right behind a key press (it follows the press in the same batch), taken off the
        queue: the character the layout gives the key with its modifiers, as a browser's ``key``."""
        sdl2.SDL_PumpEvents()
        event = sdl2.SDL_Event()
        if (
            sdl2.SDL_PeepEvents(ctypes.byref(event), 1, sdl2.SDL_PEEKEVENT, sdl2.SDL_FIRSTEVENT, sdl2.SDL_LASTEVENT)
            != 1
        ):
            return None
        if event.type != sdl2.SDL_TEXTINPUT:
            return None
        sdl2.SDL_PeepEvents(ctypes.byref(event), 1, sdl2.SDL_GETEVENT, sdl2.SDL_TEXTINPUT, sdl2.SDL_TEXTINPUT)
        return str(event.text.text.decode(errors="replace"))

    def _paste_local_clipboard(self) -> bool:
        """Ctrl+V after something was copied here: the host pastes this computer's clipboard instead of its own."""
        if not self.shown.clipboard or not sdl2.SDL_HasClipboardText():
            return False
        text = sdl2.SDL_GetClipboardText().decode(errors="replace")
        if not text or text == self._synced_clipboard:
            return False
        self._synced_clipboard = text
        self._send({"t": "clip_set", "text": text})
        return True

    def _local_key(self, scancode: int) -> bool:
        """Keys while released: the window's own shortcuts."""
        code = keymap.code_of(scancode)
        if code == "KeyF":
            fullscreen = sdl2.SDL_GetWindowFlags(self.window) & sdl2.SDL_WINDOW_FULLSCREEN_DESKTOP
            sdl2.SDL_SetWindowFullscreen(self.window, 0 if fullscreen else sdl2.SDL_WINDOW_FULLSCREEN_DESKTOP)
        elif code in ("Digit1", "Numpad1"):
            self.actual_size = not self.actual_size
            self._dirty = True
        elif code == "KeyH":
            self.show_hud = not self.show_hud
        elif code == "KeyQ":
            return False
        return True

    # ---------------------------------------------------------------- mouse

    def _output_scale(self) -> tuple[float, float]:
        """Renderer pixels per window coordinate (more than 1 on high-density screens)."""
        ww, wh, ow, oh = ctypes.c_int(), ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        sdl2.SDL_GetWindowSize(self.window, ctypes.byref(ww), ctypes.byref(wh))
        sdl2.SDL_GetRendererOutputSize(self.renderer, ctypes.byref(ow), ctypes.byref(oh))
        return ow.value / max(1, ww.value), oh.value / max(1, wh.value)

    def _picture_rect(self) -> Rect | None:
        video_w, video_h = self._video.size
        if not video_w:
            return None
        ow, oh = ctypes.c_int(), ctypes.c_int()
        sdl2.SDL_GetRendererOutputSize(self.renderer, ctypes.byref(ow), ctypes.byref(oh))
        return content_rect(ow.value, oh.value, video_w, video_h, self.actual_size)

    def _host_point(self, x: int, y: int) -> dict[str, float] | None:
        """The normalised host position under a window point, or None outside the picture."""
        rect = self._picture_rect()
        if rect is None:
            return None
        sx, sy = self._output_scale()
        rel_x, rel_y = (x * sx - rect.x) / rect.w, (y * sy - rect.y) / rect.h
        if not (0 <= rel_x <= 1 and 0 <= rel_y <= 1):
            return None
        return {"x": round(rel_x, 5), "y": round(rel_y, 5)}

    def _wheel(self, wheel: sdl2.SDL_MouseWheelEvent) -> None:
        dx, dy = wheel.preciseX * WHEEL_PIXELS, -wheel.preciseY * WHEEL_PIXELS
        if wheel.direction == sdl2.SDL_MOUSEWHEEL_FLIPPED:
            dx, dy = -dx, -dy
        self._send({"t": "wheel", "dx": dx, "dy": dy})

    def _flush_move(self) -> None:
        if self._pending_move is not None:
            self._send({"t": "move", **self._pending_move})
            self._pending_move = None

    def _button_down(self, button: sdl2.SDL_MouseButtonEvent) -> None:
        point = self._host_point(button.x, button.y)
        if point is None or self.shown.state != "live":
            return
        if not self.captured:
            self._capture()
        name = BUTTONS.get(button.button)
        if name and self.captured and self.shown.can_control:
            self._pending_move = None  # the press carries a newer position
            self.held.press({"t": "down", "b": name, **point})

    def _button_up(self, button: sdl2.SDL_MouseButtonEvent) -> None:
        name = BUTTONS.get(button.button)
        if name and self.held.holds(name):
            self._pending_move = None
            point = self._host_point(button.x, button.y) or {}
            self.held.lift({"t": "up", "b": name, **point})

    # ---------------------------------------------------------------- drawing

    def _draw(self) -> None:
        with self._lock:
            frame, self._frame = self._frame, None
            shown = self.shown
            clipboard, self._clipboard_in = self._clipboard_in, None
        if clipboard is not None:
            self._synced_clipboard = clipboard
            sdl2.SDL_SetClipboardText(clipboard.encode())
        if self.captured and not shown.can_control:
            self.release()
        elif not self.captured and not self.released_by_chord and shown.can_control and self._focused():
            self._capture()  # the window has the focus (it may have had it before the session was live)
        if frame is not None:
            self._upload(frame)
        overlays_changed = self._update_overlays(shown)
        if frame is None and not overlays_changed and not self._dirty:
            return  # the X server keeps what was presented: drawing it again would only cost CPU
        self._dirty = False
        sdl2.SDL_SetRenderDrawColor(self.renderer, 0, 0, 0, 255)
        sdl2.SDL_RenderClear(self.renderer)
        ow, oh = ctypes.c_int(), ctypes.c_int()
        sdl2.SDL_GetRendererOutputSize(self.renderer, ctypes.byref(ow), ctypes.byref(oh))
        rect = self._picture_rect()
        if rect is not None and shown.state == "live":
            sdl2.SDL_RenderCopy(self.renderer, self._video.handle, None, sdl2.SDL_Rect(rect.x, rect.y, rect.w, rect.h))
        if self._panel_text:
            w, h = self._panel.size
            sdl2.SDL_RenderCopy(
                self.renderer, self._panel.handle, None, sdl2.SDL_Rect((ow.value - w) // 2, (oh.value - h) // 2, w, h)
            )
        if self._hint_text:
            w, h = self._hints.size
            sdl2.SDL_RenderCopy(self.renderer, self._hints.handle, None, sdl2.SDL_Rect((ow.value - w) // 2, 8, w, h))
        sdl2.SDL_RenderPresent(self.renderer)

    def _upload(self, frame: av.VideoFrame) -> None:
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        texture = self._video.sized(frame.width, frame.height)
        y, u, v = frame.planes
        sdl2.SDL_UpdateYUVTexture(
            texture,
            None,
            ctypes.cast(y.buffer_ptr, UBYTES),
            y.line_size,
            ctypes.cast(u.buffer_ptr, UBYTES),
            u.line_size,
            ctypes.cast(v.buffer_ptr, UBYTES),
            v.line_size,
        )

    def _update_overlays(self, shown: Shown) -> bool:
        """Renders the panel's and hints' text again where it changed; whether any did."""
        panel = self._panel_lines(shown)
        hints = self._hint_lines(shown)
        ow = ctypes.c_int()
        sdl2.SDL_GetRendererOutputSize(self.renderer, ctypes.byref(ow), None)
        changed = False
        if panel != self._panel_text:
            self._panel_text, changed = panel, True
            self._upload_text(self._panel, panel, ow.value)
        if hints != self._hint_text:
            self._hint_text, changed = hints, True
            self._upload_text(self._hints, hints, ow.value)
        return changed

    def _panel_lines(self, shown: Shown) -> list[overlay.Line]:
        if shown.state == "live":
            return []
        lines = [
            overlay.Line(shown.headline, 28, alarm=shown.headline == "Do not approve"),
            overlay.Line(shown.message),
        ]
        if shown.state == "pending":
            left = max(0, int(shown.deadline - time.monotonic() + 0.999))
            lines += [
                overlay.Line("Verification code on this computer", 14),
                overlay.Line(format_code(shown.code), 44),
                overlay.Line(f"The host reports {format_code(shown.host_code)} · {left} seconds left to approve", 14),
            ]
        return lines

    def _hint_lines(self, shown: Shown) -> list[overlay.Line]:
        if shown.state != "live":
            return []
        lines = []
        if shown.paused:
            lines.append(overlay.Line(shown.paused, 14))
        elif "control" not in shown.permissions:
            lines.append(overlay.Line("View only: the host's user did not grant control.", 14))
        elif not self.captured:
            lines.append(overlay.Line(RELEASED_HINT, 14))
        elif time.monotonic() < self._hint_until:
            lines.append(overlay.Line(CAPTURED_HINT, 14))
        if self.show_hud and shown.hud:
            lines.append(overlay.Line(shown.hud, 14))
        return lines

    def _upload_text(self, texture: _Texture, lines: list[overlay.Line], max_width: int) -> None:
        if not lines:
            return
        picture = overlay.render(lines, max(200, max_width - 40))
        handle = texture.sized(picture.width, picture.height)
        sdl2.SDL_SetTextureBlendMode(handle, sdl2.SDL_BLENDMODE_BLEND)
        sdl2.SDL_UpdateTexture(handle, None, picture.rgba, picture.width * 4)
