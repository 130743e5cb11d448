"""What every wrk-measured scenario family shares: a scenario, the measuring loop and the table.

A family (bench/gateway_read.py, bench/scale.py, ...) builds its `Scenario`s; `measure` runs each
after the consumers have drained and a short unmeasured warm-up; `print_table` prints
requests/s, p50, p99 and errors, and each scenario's ratio to the one it names in `compare_to`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench import quiet, wrk
from shared.settings import Settings


@dataclass(frozen=True)
class Scenario:
    name: str
    url: str  # absolute: base URL + path and query
    method: str = "GET"
    body: str = ""
    api_key: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    compare_to: str | None = None  # the scenario whose requests/s this one is divided by


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def ms(us: int) -> str:
    return f"{us / 1000:.1f} ms"


def measure(scenarios: Sequence[Scenario], load: wrk.Load, warmup_s: int, settings: Settings) -> dict[str, wrk.Result]:
    results: dict[str, wrk.Result] = {}
    for scenario in scenarios:
        if left := asyncio.run(quiet.wait_for_consumers(settings)):
            say(f"consumers still have {left} events queued; measuring anyway")
        options = {
            "method": scenario.method,
            "body": scenario.body,
            "api_key": scenario.api_key,
            "headers": scenario.headers,
        }
        if warmup_s:
            wrk.run(scenario.url, load, duration_s=warmup_s, **options)  # type: ignore[arg-type]
        r = results[scenario.name] = wrk.run(scenario.url, load, **options)  # type: ignore[arg-type]
        say(
            f"{scenario.name}: {r.rps:,.0f} req/s, p50 {ms(r.p50_us)}, p99 {ms(r.p99_us)}"
            + (f", {r.errors} errors" if r.errors else "")
        )
    return results


def print_table(title: str, scenarios: Sequence[Scenario], results: Mapping[str, wrk.Result], legend: str) -> None:
    """`legend` says what the ratios divide: requests/s (and p99) of a scenario by those of the
    scenario it names in `compare_to`."""
    width = max(len(s.name) for s in scenarios) + 2
    print(f"\n{title}")
    print(
        f"{'scenario':<{width}} {'req/s':>9} {'p50':>10} {'p99':>10} {'errors':>7} {'req/s ratio':>12} {'p99 ratio':>10}"
    )
    for scenario in scenarios:
        r = results[scenario.name]
        base = results.get(scenario.compare_to or "")
        rps = f"{r.rps / base.rps:.2f}" if base and base.rps else "—"
        p99 = f"{r.p99_us / base.p99_us:.2f}×" if base and base.p99_us else "—"
        print(
            f"{scenario.name:<{width}} {r.rps:>9,.0f} {ms(r.p50_us):>10} {ms(r.p99_us):>10} {r.errors:>7} {rps:>12} {p99:>10}"
        )
    print(f"({legend})")
