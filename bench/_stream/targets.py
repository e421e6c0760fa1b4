"""The stream benchmark's targets (one declaration each) and the verdict on a run's figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    key: str  # dotted path into the figures, e.g. "netem.loss_1pct.frozen_share"
    field: str | None  # a percentile of that key ("p95"), or None when the key holds the figure itself
    limit: float
    at_most: bool = True  # False: the figure must be at least ``limit``

    @property
    def name(self) -> str:
        return f"{self.key} {self.field}" if self.field else self.key

    def figure(self, figures: dict[str, Any]) -> float | None:
        value: Any = figures
        for part in self.key.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        if self.field is not None:
            value = value.get(self.field) if isinstance(value, dict) else None
        return float(value) if isinstance(value, int | float) else None

    def verdict(self, figures: dict[str, Any]) -> str:
        value = self.figure(figures)
        if value is None:
            return "not measured in this run"
        met = value <= self.limit if self.at_most else value >= self.limit
        if met:
            return "met"
        return f"MISSED by {abs(value - self.limit):.3g} ({value / self.limit:.2f}x the target)"


TARGETS = (
    Target("g2g_1080p_ms", "p50", 30),
    Target("g2g_1080p_ms", "p95", 50),
    Target("g2g_1080p_ms", "p99", 80),
    Target("g2g_moving_1080p_ms", "p50", 50),
    Target("g2g_moving_1080p_ms", "p95", 90),
    Target("g2g_after_idle_ms", "p50", 35),
    Target("g2g_after_idle_ms", "max", 60),
    Target("loss_restore_ms", "p50", 250),
    Target("loss_restore_ms", "max", 400),
    Target("loss_restore_ms", "unrecovered", 0),
    Target("netem.loss_1pct.frozen_share", None, 0.01),
    Target("netem.loss_3pct.frozen_share", None, 0.03),
    Target("netem.loss_1pct.g2g_ms", "p95", 120),
    Target("ffmpeg_ratio", None, 1.3, at_most=False),
    Target("fps_1080p60", None, 58, at_most=False),
    Target("cpu_cores_1080p60", None, 1.2),
    Target("idle_cpu_cores", None, 0.05),
    Target("idle_kbps", None, 20),
)


def verdicts(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(target, its limit, the figure, the verdict) for every target."""
    rows = []
    for target in TARGETS:
        value = target.figure(figures)
        limit = f"{'<=' if target.at_most else '>='} {target.limit:g}"
        rows.append((target.name, limit, "-" if value is None else f"{value:g}", target.verdict(figures)))
    return rows
