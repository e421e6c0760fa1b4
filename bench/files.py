"""File transfer throughput over loopback: ``python -m bench files [--size MB] [--json PATH]``.

A host process (the plugin test kit's host with the ``files`` plugin; bench/_files_host.py) and Debian's Chromium on
this machine. Measured, each for one file of ``--size`` MB (200 by default):

- baseline: the page sends the same bytes on a channel whose host end throws them away (the data channel and the
  host's channel machinery, without the plugin's protocol and disk);
- upload: the file picked in the page's menu, until the page says the host saved it (written, synced, renamed);
- download: ``send PATH`` on the host, until the page holds the whole file.

For each: MB/s (10^6 bytes) and the host process's CPU over the transfer (its user + system time from /proc, in
cores). The target is at least 20 MB/s with the host below one core. A transfer that does not finish counts as 0 MB/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

CHROMIUM = os.environ.get("PROXIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"]
TARGET_MB_S = 20.0
TARGET_CORES = 1.0
DEADLINE = 600.0  # seconds a transfer may take before it counts as lost

# the page sends `size` bytes on the sink channel with the same backpressure as files.js, then asks for the count
SINK = """async (size) => {
  const dc = window.Proxim.session.channel('sink');
  const chunk = new Uint8Array(64 * 1024);
  dc.bufferedAmountLowThreshold = 1 << 20;
  let sent = 0;
  while (sent < size) {
    if (dc.bufferedAmount > (4 << 20)) {
      await new Promise((resolve) => dc.addEventListener('bufferedamountlow', resolve, { once: true }));
      continue;
    }
    const length = Math.min(chunk.length, size - sent);
    dc.send(length === chunk.length ? chunk : chunk.subarray(0, length));
    sent += length;
  }
  return new Promise((resolve) => {
    dc.addEventListener('message', (event) => resolve(JSON.parse(event.data).bytes), { once: true });
    dc.send(JSON.stringify({ t: 'count' }));
  });
}"""


@dataclass
class Figure:
    name: str
    bytes: int
    seconds: float
    host_cpu_seconds: float
    completed: bool

    @property
    def mb_s(self) -> float:
        return self.bytes / self.seconds / 1e6 if self.completed and self.seconds > 0 else 0.0

    @property
    def host_cores(self) -> float:
        return self.host_cpu_seconds / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"mb_s": round(self.mb_s, 2), "host_cores": round(self.host_cores, 3)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Measure:
    def __init__(self, name: str, size: int, pid: int) -> None:
        self.name, self.size, self.pid = name, size, pid

    def __enter__(self) -> Measure:
        self.cpu0, self.t0 = cpu_seconds(self.pid), time.perf_counter()
        self.figure: Figure | None = None
        return self

    def done(self, completed: bool) -> Figure:
        seconds = time.perf_counter() - self.t0
        self.figure = Figure(self.name, self.size, seconds, cpu_seconds(self.pid) - self.cpu0, completed)
        return self.figure

    def __exit__(self, *exc: object) -> None:
        if self.figure is None:
            self.done(False)


async def row_says(page: Page, direction: str, fragment: str) -> None:
    await page.locator(f".files-row[data-direction={direction}]", has_text=fragment).wait_for(
        state="attached", timeout=DEADLINE * 1000
    )


def payload(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(size // len(block)):
            out.write(block)
        out.write(os.urandom(size % len(block)))
    return path


def start_host(downloads: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench._files_host", str(downloads)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


async def run(host: subprocess.Popen[str], source: Path, downloads: Path) -> list[Figure]:
    size = source.stat().st_size  # noqa: ASYNC240 (once, before anything is measured)
    assert host.stdin is not None and host.stdout is not None
    figures: list[Figure] = []
    try:
        link = (await asyncio.to_thread(host.stdout.readline)).strip()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.goto(link)
            await page.wait_for_selector("body[data-state=live]", timeout=30_000)
            await page.wait_for_function("window.Proxim.session.channel('sink') && window.proximFiles.channel")

            with Measure("baseline", size, host.pid) as measure:
                counted = await page.evaluate(SINK, size)
                figures.append(measure.done(counted == size))

            with Measure("upload", size, host.pid) as measure:
                await page.click("#menu-toggle")
                async with page.expect_file_chooser() as chooser:
                    await page.click("#files-send")
                await (await chooser.value).set_files(source)
                await row_says(page, "up", "Saved on the computer")
                saved = downloads / source.name
                figures.append(measure.done(saved.stat().st_size == size))

            with Measure("download", size, host.pid) as measure:
                host.stdin.write(f"send {source}\n")
                host.stdin.flush()
                await row_says(page, "down", "Received")
                figures.append(measure.done(True))
            await browser.close()
    finally:
        host.terminate()
        host.wait(10)
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench files", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, metavar="MB", help="the file's size in MB (default 200)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    size = args.size * 1_000_000
    with tempfile.TemporaryDirectory(prefix="proxim-bench-files-") as workdir:
        source = payload(Path(workdir, "payload.bin"), size)
        downloads = Path(workdir, "Downloads")
        figures = asyncio.run(run(start_host(downloads), source, downloads))
    names = {figure.name for figure in figures}
    figures += [Figure(name, size, 0.0, 0.0, False) for name in ("baseline", "upload", "download") if name not in names]
    load = os.getloadavg()[0]
    print(f"file of {size / 1e6:.0f} MB over loopback, load average {load:.1f} on {os.cpu_count()} cores")
    for figure in figures:
        rate = f"{figure.mb_s:6.1f} MB/s  {figure.seconds:6.1f} s  host CPU {figure.host_cores:.2f} cores"
        print(f"  {figure.name:9} {rate}" + ("" if figure.completed else "  (did not complete)"))
    met = all(f.mb_s >= TARGET_MB_S and f.host_cores < TARGET_CORES for f in figures if f.name != "baseline")
    print(f"target {TARGET_MB_S:g} MB/s with the host below {TARGET_CORES:g} core: {'met' if met else 'not met'}")
    if args.json:
        summary = {"size": size, "load_average": load, "cores": os.cpu_count(), "target_met": met}
        args.json.write_text(json.dumps({"summary": summary, "figures": [f.as_dict() for f in figures]}, indent=2))
    return 0 if all(f.completed for f in figures) else 1
