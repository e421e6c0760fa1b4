"""The reliability benchmarks (bench/), short, against a real host process: docs/reliability.md has the full runs."""

from __future__ import annotations

from bench import fuzz, guess, slowreader, soak
from proxim_tray.ratelimit import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_TOTAL

SOAK_CYCLES = 10
FUZZ_COUNT = 200  # per phase
GUESS_SECONDS = 2.0
GUESS_ADDRESSES = 16
SLOW_READER_SECONDS = slowreader.DROP_WITHIN + 1


def test_a_short_soak_stays_within_its_bounds(xvfb: str) -> None:
    assert soak.verdict(soak.run(xvfb, SOAK_CYCLES)) == []


def test_fuzzed_messages_execute_nothing_and_the_host_keeps_serving(xvfb: str) -> None:
    figures = fuzz.run(xvfb, fuzz.parser().parse_args(["--count", str(FUZZ_COUNT), "--seconds", "60"]))
    assert figures["problems"] == []


def test_wrong_secrets_are_checked_only_up_to_the_limits_and_the_owner_still_pairs() -> None:
    figures = guess.run(GUESS_SECONDS, GUESS_ADDRESSES)
    one, many = figures["one_address"], figures["many_addresses"]
    assert one["checked_guesses"] <= MAX_FAILURES_PER_ADDRESS, one
    assert many["checked_guesses"] <= MAX_FAILURES_TOTAL, many
    assert one["answers"].get("rate_limited", 0) > 0, one
    assert (one["owner_answer"], many["owner_answer"]) == (guess.ACCEPTED, guess.ACCEPTED)


def test_a_client_that_stops_reading_is_dropped_and_host_memory_stays_flat() -> None:
    assert slowreader.run(SLOW_READER_SECONDS)["problems"] == []
