"""The desktop-to-desktop benchmark (bench/connect.py), briefly, so that it keeps running and measuring both clients:
docs/performance.md has the full run."""

from __future__ import annotations

from bench import connect


def test_the_connect_benchmark_measures_both_clients() -> None:
    figures = connect.run(changes=3)
    for kind in ("native", "chromium"):
        g2g = figures[kind]["g2g_ms"]
        assert g2g["n"] == 3, "every change is accounted for: seen, or counted as the timeout"
        assert 0 < g2g["p50"] <= connect.TIMEOUT_MS
        assert figures[kind]["client_cpu_pct_of_core"] > 0
