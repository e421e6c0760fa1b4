"""The stream benchmark (bench/stream.py), briefly, so that it keeps running and keeps measuring what a user sees:
docs/performance.md has the full runs."""

from __future__ import annotations

from typing import Any

from bench import stream
from bench._stream.measures import G2G_TIMEOUT_MS, RESTORE_TIMEOUT_MS, change_latencies, receipt_split
from bench._stream.targets import verdicts


def test_the_quick_stream_benchmark_measures_the_browser(lab: Any) -> None:
    # (``lab`` only checks that namespaces can be made; the benchmark makes its own)
    figures = stream.run(stream.quick_plan())
    plan = stream.quick_plan()
    # every change is accounted for: seen, or counted as the timeout and reported
    assert figures["g2g_1080p_ms"]["n"] == plan.changes
    assert 0 < figures["g2g_1080p_ms"]["p50"] <= G2G_TIMEOUT_MS
    assert figures["g2g_moving_1080p_ms"]["n"] == plan.changes // 2
    # each lost frame's picture came back in Chromium
    restore = figures["loss_restore_ms"]
    assert restore["losses"] == restore["recovered"] == plan.losses, figures["recovery"]
    assert 0 < restore["max"] < RESTORE_TIMEOUT_MS
    still = figures["loss_restore_still_ms"]
    assert still["losses"] == still["recovered"] == plan.losses, figures["recovery_still"]
    conditions = figures["netem"]
    assert conditions["loss_0pct"]["packets_dropped"] == 0
    assert conditions["loss_3pct"]["packets_dropped"] > 0
    low, high = stream.JITTER_MS
    for name in stream.CONDITIONS:
        # every frame between browser and host crossed the air, delayed by the jitter (in order: a little more)
        assert conditions[name]["air"]["frames"] > 100
        assert low <= conditions[name]["air"]["mean_delay_ms"] <= high + 5
        assert conditions[name]["g2g_ms"]["n"] == plan.condition_changes
        assert 0 <= conditions[name]["frozen_share"] <= 1
    # the capture clock maps Chromium's RTP timestamps back to capture times: a live picture is a few frames old
    assert 0 < conditions["loss_0pct"]["picture_age_ms"]["p50"] < 1000
    # ``proxim host`` with the web client live: its CPU and every datagram of the session on a still screen (the
    # heartbeat frame, RTCP, the page's control heartbeats) are counted
    assert 0 < figures["idle_cpu_cores"] < 1
    assert 0 < figures["idle_kbps"] < 1000
    assert "nftables" in figures["proxim_host_idle"]["kbps_from"]
    # where the time goes around the frame's receipt in Chromium (rVFC receiveTime) is known for the changes seen
    split = figures["g2g_1080p_ms"]["split_ms"]
    assert split["to_received"]["n"] > 0 and 0 < split["to_received"]["p50"] < figures["g2g_1080p_ms"]["p50"]
    table = stream.table_rows(figures)
    assert any(row[0].startswith("lost frame -> picture correct again") for row in table)
    verdict = {name: verdict for name, _, _, verdict in verdicts(figures)}
    assert verdict["ffmpeg_ratio"] == "not measured in this run"  # the quick run has no baselines
    assert verdict["loss_restore_ms unrecovered"] == "met"


def test_a_change_is_seen_by_itself_or_by_a_later_one_and_never_seen_counts_as_the_timeout() -> None:
    sent = [(1, 1000.0), (2, 1050.0), (3, 2000.0), (4, 3000.0)]
    # change 1 was overtaken by change 2 before a frame showed it; change 4 never reached the glass
    marks = [(2, 1090.0, 0), (3, 2030.0, 0)]
    latencies, unseen = change_latencies(sent, marks)
    assert latencies == [90.0, 40.0, 30.0, G2G_TIMEOUT_MS]
    assert unseen == 1


def test_the_glass_to_glass_time_splits_at_the_frames_receipt() -> None:
    sent = [(1, 1000.0), (2, 2000.0)]
    # level, shown, RTP timestamp, received (epoch ms), decoding (ms)
    marks = [(1, 1030.0, 0, 1012.0, 3.0), (2, 2040.0, 0, 2010.0, 5.0)]
    split = receipt_split(sent, marks)
    assert split["to_received"]["max"] == 12.0 and split["to_received"]["n"] == 2
    assert split["received_to_glass"]["max"] == 30.0
    assert split["decoding"]["max"] == 5.0
