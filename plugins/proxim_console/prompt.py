"""Reading standard input without blocking the event loop: answers to approval requests, otherwise commands."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable

from proxim_tray import ACCESS_LEVELS, Access, ApprovalRequest

NON_TTY_REMINDER_EVERY = 10
CHOICES = ", ".join(f"{level.answer} = {level.button.lower()}" for level in ACCESS_LEVELS) + ", anything else rejects"


def chosen_access(answer: str) -> Access | None:
    """The access an answer at the prompt grants ("yes" and a level's console command count too), None to reject."""
    answer = " ".join(answer.lower().split())
    answer = ACCESS_LEVELS[0].answer if answer == "yes" else answer
    return next((level for level in ACCESS_LEVELS if answer in (level.answer, level.command)), None)


def chosen_grant(answer: str, request: ApprovalRequest) -> tuple[Access, frozenset[str]] | None:
    """The access level an answer grants and the plugin permissions it adds (``y +files``), None to reject."""
    words = answer.lower().split()
    extras = {word[1:] for word in words if word.startswith("+")}
    offered = {spec.name for spec in request.optional}
    access = chosen_access(" ".join(word for word in words if not word.startswith("+")))
    if access is None or not extras <= offered:
        return None
    return access, frozenset(extras)


def offer_line(request: ApprovalRequest) -> str | None:
    """What the prompt says of the plugin permissions on offer (off unless the answer adds them)."""
    if not request.optional:
        return None
    extras = ", ".join(f"+{spec.name} ({spec.label})" for spec in request.optional)
    return f"Also allow, off unless you add it to your answer: {extras}; for example y +{request.optional[0].name}."


class ConsolePrompt:
    """Lines from standard input, read by a daemon thread and handled on the loop, one at a time.

    While a request waits for its answer a line answers it; otherwise it goes to ``on_command``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_command: Callable[[str], None]) -> None:
        self._loop = loop
        self._on_command = on_command
        self._answer: asyncio.Future[str] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def start(cls, on_command: Callable[[str], None]) -> ConsolePrompt:
        prompt = cls(asyncio.get_running_loop(), on_command)
        threading.Thread(target=prompt._read_stdin, name="proxim-stdin", daemon=True).start()
        return prompt

    def _read_stdin(self) -> None:
        for line in sys.stdin:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the host is exiting
                self._loop.call_soon_threadsafe(self._take_line, line.strip())

    def _take_line(self, line: str) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(line)
        elif line:
            self._on_command(line)

    def ask(self, request: ApprovalRequest) -> None:
        task = self._loop.create_task(self._ask(request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ask(self, request: ApprovalRequest) -> None:
        device = request.device
        print(f"\nConnection request from {device.quoted_name} at {device.address}", flush=True)
        print(
            f"Verification code: {request.code[:3]} {request.code[3:]} (the device shows the same digits)",
            flush=True,
        )
        print(f"Answer {CHOICES}.", flush=True)
        offer = offer_line(request)
        if offer is not None:
            print(offer, flush=True)
        tty = sys.stdout.isatty()
        question = f"Approve connection from {device.quoted_name}? [y/N]"
        if not tty:
            print(f"{question} ({round(request.seconds_left())} s to decide)", flush=True)
        answer_task = self._answer = self._loop.create_future()
        decided_task = asyncio.ensure_future(request.decided())
        try:
            while True:
                left = round(request.seconds_left())
                if tty:
                    print(f"\r{question} {left:>2} s ", end="", flush=True)
                elif left and left % NON_TTY_REMINDER_EVERY == 0 and left < request.timeout - 1:
                    print(f"  {left} s left", flush=True)
                done, _ = await asyncio.wait({answer_task, decided_task}, timeout=1.0)
                if answer_task in done:
                    grant = chosen_grant(answer_task.result(), request)
                    if grant is not None:
                        access, extras = grant
                        request.approve(access.permissions | extras, by="console")
                        also = "".join(f"; {spec.label.lower()}" for spec in request.optional if spec.name in extras)
                        said = f"Approved: {access.effect}{also}."
                        print(said if not tty else f"\n{said}", flush=True)
                    else:
                        request.reject(by="console")
                        print("Rejected." if not tty else "\nRejected.", flush=True)
                    return
                if decided_task in done:
                    if decided_task.cancelled():
                        print("\nThe request was withdrawn.", flush=True)
                    elif decided_task.result().by == "timeout":
                        print("\nNo answer in time: rejected.", flush=True)
                    else:
                        print(
                            f"\nDecided elsewhere ({decided_task.result().by or 'another surface'}).",
                            flush=True,
                        )
                    return
        finally:
            self._answer = None
            answer_task.cancel()
            decided_task.cancel()
