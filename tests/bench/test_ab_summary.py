"""bench.ab's summary: medians over rounds, and the change judged round by round."""

from __future__ import annotations

from bench.ab import summary


def _round(before_cpu: float, after_cpu: float) -> dict[str, dict[str, dict[str, float]]]:
    other = {"throughput": 0.9, "chat_p50_beyond_floor_ms": 100.0}
    return {
        "ratios": {
            "before": {"cpu_per_request": before_cpu, **other},
            "after": {"cpu_per_request": after_cpu, **other},
        }
    }


def test_the_change_is_the_median_of_each_rounds_own_difference() -> None:
    # The machine drifts (round 2 is slow for both); each round's own difference is still -0.1.
    rounds = [_round(1.6, 1.5), _round(2.2, 2.1), _round(1.5, 1.4)]

    cpu = summary(rounds)["cpu_per_request"]

    assert cpu["before"] == 1.6
    assert cpu["after"] == 1.5
    assert cpu["change"] == -0.1
    assert (cpu["change_min"], cpu["change_max"]) == (-0.1, -0.1)
    assert summary(rounds)["throughput"]["change"] == 0.0


def test_no_rounds_summarize_to_nothing() -> None:
    assert summary([]) == {}
