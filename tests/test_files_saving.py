"""Where a received file lands: inside the target folder whatever its name says, under a name no other file has,
complete or not at all; refused before writing when too large for the cap or the disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from proxim_files.saving import PART_SUFFIX, IncomingFile, SaveRefused

from tests.support.tmpfs import small_tmpfs

HOSTILE = [
    ("../../.bashrc", "bashrc"),
    ("/etc/passwd", "passwd"),
    ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
    ("..", "file"),
    ("a\x00b.txt", "ab.txt"),
    ("line\nbreak\r.txt", "line break .txt"),
    ("CON.txt", "_CON.txt"),
    ("lpt1", "_lpt1"),
    ("what?<>|*.txt", "what_____.txt"),
    ("gpj\u202e.exe", "gpj.exe"),
    ("  .hidden  ", "hidden"),
]


def receive(folder: Path, name: str, data: bytes, max_size: int = 1 << 30) -> Path:
    incoming = IncomingFile(folder, name, len(data), max_size)
    incoming.open()
    incoming.write(data)
    return incoming.finish()


@pytest.mark.parametrize(("name", "expected"), HOSTILE)
def test_a_hostile_name_lands_inside_the_folder_under_a_plain_name(tmp_path: Path, name: str, expected: str) -> None:
    folder = tmp_path / "Downloads"
    path = receive(folder, name, b"payload")
    assert path == folder / expected
    assert path.read_bytes() == b"payload"
    everything = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert everything == [Path("Downloads"), Path("Downloads", expected)]


def test_an_over_long_name_is_shortened_keeping_its_extension(tmp_path: Path) -> None:
    path = receive(tmp_path, "é" * 400 + ".tar.gz", b"x")
    assert path.suffix == ".gz" and len(path.name.encode()) <= 200
    assert path.parent == tmp_path


def test_no_file_is_overwritten(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"mine")
    (tmp_path / "report (1).pdf").symlink_to(tmp_path / "elsewhere")
    path = receive(tmp_path, "report.pdf", b"theirs")
    assert path.name == "report (2).pdf"
    assert (tmp_path / "report.pdf").read_bytes() == b"mine"
    assert not (tmp_path / "elsewhere").exists()


def test_a_name_taken_while_receiving_is_not_overwritten(tmp_path: Path) -> None:
    incoming = IncomingFile(tmp_path, "notes.txt", 3, 1 << 20)
    incoming.open()
    incoming.write(b"new")
    (tmp_path / "notes.txt").write_bytes(b"old")
    assert incoming.finish().name == "notes (1).txt"
    assert (tmp_path / "notes.txt").read_bytes() == b"old"


def test_the_partial_file_is_removed_when_discarded_and_more_than_announced_is_refused(tmp_path: Path) -> None:
    incoming = IncomingFile(tmp_path, "big.bin", 4, 1 << 20)
    incoming.open()
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin" + PART_SUFFIX]
    with pytest.raises(SaveRefused) as refused:
        incoming.write(b"12345")
    assert refused.value.code == "size_mismatch"
    incoming.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_file_over_the_cap_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(SaveRefused) as refused:
        IncomingFile(tmp_path, "movie.mkv", 3_000_000, 2_000_000).open()
    assert refused.value.code == "too_large"
    assert "3.0 MB" in refused.value.message and "2.0 MB" in refused.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB disk of its own."""
    with small_tmpfs(tmp_path, 24) as mount:
        yield mount


def test_a_full_disk_refuses_before_writing_and_a_disk_filled_meanwhile_leaves_no_partial_file(
    small_disk: Path,
) -> None:
    with pytest.raises(SaveRefused) as refused:
        IncomingFile(small_disk, "large.iso", 20 * 1024 * 1024, 1 << 30).open()
    assert refused.value.code == "no_space"
    assert list(small_disk.iterdir()) == []

    incoming = IncomingFile(small_disk, "fits.bin", 6 * 1024 * 1024, 1 << 30)
    incoming.open()
    (small_disk / "filler").write_bytes(b"\0" * (20 * 1024 * 1024))  # someone else fills the disk meanwhile
    with pytest.raises(SaveRefused) as full:
        for _ in range(6):
            incoming.write(b"\1" * 1024 * 1024)
    assert full.value.code == "no_space"
    incoming.discard()
    assert [p.name for p in small_disk.iterdir()] == ["filler"]
