"""Writing a received file into the target folder: never outside it, never over another file, never half.

The bytes go to ``NAME.part`` in the target folder, created exclusively; only once every byte the sender announced has
arrived is it given its final name, which no other file has (``report (1).pdf`` when ``report.pdf`` exists). A
transfer that ends any other way removes its ``.part``. Before anything is written the size is checked against the
cap and the free space. The methods block: call them off the event loop.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

import platformdirs

from proxim_files.names import safe_name, split_suffix

PART_SUFFIX = ".part"
# space left free on the target's file system after a file is written, so receiving cannot fill it to the brim
FREE_SPACE_MARGIN = 16 * 1024 * 1024
MAX_COPIES = 9999


class SaveRefused(Exception):
    """The file cannot be saved; ``code`` is the protocol's reason, the message says why to people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def downloads_folder() -> Path:
    """The user's Downloads folder (XDG ``XDG_DOWNLOAD_DIR`` on Linux)."""
    return Path(platformdirs.user_downloads_dir())


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


class IncomingFile:
    """One file being received into ``folder``: :meth:`open`, :meth:`write` its bytes, then :meth:`finish` or
    :meth:`discard`."""

    def __init__(self, folder: Path, name: str, size: int, max_size: int) -> None:
        self.folder = folder
        self.size = size
        self.max_size = max_size
        self.wanted = safe_name(name)
        self.written = 0
        self.path: Path | None = None  # the final name, once finished
        self._part: Path | None = None
        self._fd: int | None = None

    def open(self) -> None:
        """Check the cap and the free space, then create the ``.part`` file (raises SaveRefused)."""
        if self.size > self.max_size:
            raise SaveRefused(
                "too_large",
                f"the file is {human_size(self.size)}, more than this host accepts ({human_size(self.max_size)})",
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.folder).free
        except OSError as exc:
            raise SaveRefused("disk_error", f"cannot use the folder {self.folder}: {exc.strerror or exc}") from exc
        if free < self.size + FREE_SPACE_MARGIN:
            raise SaveRefused(
                "no_space",
                f"not enough free space in {self.folder} for {human_size(self.size)} "
                f"({human_size(max(0, free - FREE_SPACE_MARGIN))} free)",
            )
        for candidate in self._candidates():
            part = candidate.with_name(candidate.name + PART_SUFFIX)
            if candidate.exists() or candidate.is_symlink():
                continue
            try:
                # exclusive and without following a link: nobody else's file is opened, wherever a link points
                self._fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise _refusal(exc, self.folder) from exc
            self._part = part
            return
        raise SaveRefused("disk_error", f"too many files named like {self.wanted!r} in {self.folder}")

    def _candidates(self) -> list[Path]:
        stem, suffix = split_suffix(self.wanted)
        names = [self.wanted, *(f"{stem} ({n}){suffix}" for n in range(1, MAX_COPIES + 1))]
        return [self.folder / name for name in names]

    def write(self, data: bytes) -> None:
        """Append ``data``; more than the announced size is refused (raises SaveRefused)."""
        assert self._fd is not None, "open first"
        if self.written + len(data) > self.size:
            raise SaveRefused("size_mismatch", f"the sender sent more than the {self.size} bytes it announced")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            raise _refusal(exc, self.folder) from exc
        self.written += len(data)

    def finish(self) -> Path:
        """Every byte arrived: give the file its final name, one no other file has, and return it."""
        assert self._fd is not None and self._part is not None, "open first"
        if self.written != self.size:
            raise SaveRefused("size_mismatch", f"{self.written} bytes arrived, {self.size} were announced")
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise _refusal(exc, self.folder) from exc
        finally:
            os.close(self._fd)
            self._fd = None
        for candidate in self._candidates():
            try:
                os.link(self._part, candidate)  # fails if the name was taken meanwhile: nothing is overwritten
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise _refusal(exc, self.folder) from exc
                if candidate.exists() or candidate.is_symlink():  # a file system without hard links (FAT)
                    continue
                os.rename(self._part, candidate)
            else:
                os.unlink(self._part)
            self._part = None
            self.path = candidate
            return candidate
        raise SaveRefused("disk_error", f"too many files named like {self.wanted!r} in {self.folder}")

    def discard(self) -> None:
        """Remove the partial file (cancelled, failed, disconnected); safe to call twice."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._part is not None:
            with contextlib.suppress(FileNotFoundError):
                self._part.unlink()
            self._part = None


def _refusal(exc: OSError, folder: Path) -> SaveRefused:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return SaveRefused("no_space", f"the disk holding {folder} is full")
    return SaveRefused("disk_error", f"cannot write in {folder}: {exc.strerror or exc}")
