"""The results of a run as JSON and as the Markdown table of bench/results/latest.md."""

from __future__ import annotations

import operator
import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import FAILED, OK, ConfigurationResult

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


# Machine and commit


def machine_info() -> dict[str, Any]:
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "available_cores": len(os.sched_getaffinity(0)),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def git_commit() -> dict[str, Any]:
    """Return the checked-out commit and whether tracked files differ from it."""

    def git(*arguments: str) -> str:
        completed = subprocess.run(  # noqa: S603 - read-only git queries
            ["git", *arguments],  # noqa: S607
            cwd=REPOSITORY_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return completed.stdout.strip() if completed.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or "unknown",
        "short": git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


# Ratios and targets


@dataclass(frozen=True)
class Target:
    """A bound that a ratio must meet: comparison is one of >=, >, <=."""

    comparison: str
    bound: float
    unit: str = ""

    def met_by(self, value: float) -> bool:
        compare: Callable[[float, float], bool] = {
            ">=": operator.ge,
            ">": operator.gt,
            "<=": operator.le,
        }[self.comparison]
        return compare(value, self.bound)

    def describe(self) -> str:
        return f"{self.comparison} {self.bound:g}{self.unit}"


@dataclass(frozen=True)
class Ratio:
    name: str
    compute: Callable[[ConfigurationResult], float | None]
    target: Target | None


def _rate(key: str) -> Callable[[ConfigurationResult], float | None]:
    def read(configuration: ConfigurationResult) -> float | None:
        scenario = configuration.find(key)
        return scenario.rate if scenario is not None else None

    return read


def _latency(key: str, name: str) -> Callable[[ConfigurationResult], float | None]:
    def read(configuration: ConfigurationResult) -> float | None:
        scenario = configuration.find(key)
        return scenario.latency(name) if scenario is not None else None

    return read


def _divide(
    numerator: Callable[[ConfigurationResult], float | None],
    denominator: Callable[[ConfigurationResult], float | None],
) -> Callable[[ConfigurationResult], float | None]:
    def compute(configuration: ConfigurationResult) -> float | None:
        top, bottom = numerator(configuration), denominator(configuration)
        if top is None or bottom is None or bottom == 0:
            return None
        return top / bottom

    return compute


def ratios(large_members: int, small_members: int) -> list[Ratio]:
    large, small = f"{large_members:,}", f"{small_members:,}"
    return [
        Ratio(
            "GET /v1/me / baseline, req/s",
            _divide(_rate("me"), _rate("baseline")),
            Target(">=", 0.4),
        ),
        Ratio(
            "refresh / baseline, req/s",
            _divide(_rate("refresh"), _rate("baseline")),
            Target(">=", 0.15),
        ),
        Ratio(
            "sign-in / hashing limit, req/s",
            _divide(_rate("sign-in"), _rate("hashing-limit")),
            Target(">=", 0.9),
        ),
        Ratio(
            "GET /v1/me p99 during sign-in flood / alone",
            _divide(_latency("me-under-sign-in", "p99"), _latency("me", "p99")),
            Target("<=", 5),
        ),
        Ratio(
            f"deep page / first page, p50, {large} members",
            _divide(
                _latency("organisation-large-deep-page", "p50"),
                _latency("organisation-large-first-page", "p50"),
            ),
            Target("<=", 1.5),
        ),
        Ratio(
            f"deep page / first page, p50, {small} members",
            _divide(
                _latency("organisation-small-deep-page", "p50"),
                _latency("organisation-small-first-page", "p50"),
            ),
            Target("<=", 1.5),
        ),
        Ratio(
            f"statistics p50 at {large} members, 1 connection (ms)",
            _latency("organisation-large-statistics-1-connection", "p50"),
            Target("<=", 25, " ms"),
        ),
        Ratio(
            f"statistics p50, {large} / {small} members",
            _divide(
                _latency("organisation-large-statistics", "p50"),
                _latency("organisation-small-statistics", "p50"),
            ),
            None,
        ),
        Ratio(
            "Elenchos / peer, GET me, req/s", _divide(_rate("me"), _rate("peer-me")), Target(">", 1)
        ),
        Ratio(
            "Elenchos / peer, sign-in, req/s",
            _divide(_rate("sign-in"), _rate("peer-sign-in")),
            Target(">", 1),
        ),
    ]


def evaluate_ratios(
    configurations: list[ConfigurationResult], large_members: int, small_members: int
) -> list[dict[str, Any]]:
    rows = []
    for configuration in configurations:
        for ratio in ratios(large_members, small_members):
            value = ratio.compute(configuration)
            if value is None:
                result = "not measured"
            elif ratio.target is None:
                result = "no target"
            else:
                result = "pass" if ratio.target.met_by(value) else "miss"
            rows.append(
                {
                    "name": ratio.name,
                    "workers": configuration.workers,
                    "value": round(value, 3) if value is not None else None,
                    "target": ratio.target.describe() if ratio.target else None,
                    "result": result,
                }
            )
    return rows


# JSON and Markdown


def failed_scenarios(configurations: list[ConfigurationResult]) -> list[str]:
    return [
        f"{configuration.workers} worker(s): {scenario.title}: {scenario.reason}"
        for configuration in configurations
        for scenario in configuration.scenarios
        if scenario.status == FAILED
    ]


def render_markdown(document: dict[str, Any]) -> str:
    lines = _header(document)
    for configuration in document["configurations"]:
        lines += _scenario_table(configuration)
    lines += _ratio_table(document["ratios"])
    lines += _query_plans(document["query_plans"])
    return "\n".join(lines) + "\n"


def _header(document: dict[str, Any]) -> list[str]:
    git = document["git"]
    machine = document["machine"]
    run = document["run"]
    commit = git["short"] + (" with uncommitted changes" if git["dirty"] else "")
    kind = "Quick smoke run" if run["quick"] else "Benchmark"
    warmup = f"{run['warmup']:g} s warm-up" if run["warmup"] > 0 else "no warm-up"
    return [
        f"# {kind} of Elenchos, {document['started_at'][:10]} ({commit})",
        "",
        f"- Machine: {machine['cpu_model']}, {machine['cpu_count']} cores "
        f"({machine['available_cores']} available), {machine['memory_gib']} GiB, "
        f"Linux {machine['kernel']}, Python {machine['python']}",
        f"- PostgreSQL: {document['postgres']['version']} ({document['postgres']['source']})",
        f"- Load generator: {document['load_generator']}, 1 thread, "
        f"{run['connections']} connections unless the row says otherwise",
        f"- Each row: {warmup}, then {run['duration']:g} s measured; {run['argon2']}",
        f"- Errors are socket errors, timeouts and HTTP statuses of 400 and above, "
        f"warm-up included; any error fails the run. Total: {document['errors_total']}",
        "",
    ]


def _scenario_table(configuration: dict[str, Any]) -> list[str]:
    lines = [
        f"## {configuration['workers']} worker(s): {configuration['layout']}",
        "",
        "| # | scenario | req/s | p50 ms | p95 ms | p99 ms | errors | wrk CPU "
        "| peak RSS MiB per worker |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    # Scenarios run in the order that their preparation needs; the table lists them by number.
    for scenario in sorted(configuration["scenarios"], key=lambda each: each["number"]):
        lines.append(_scenario_row(scenario))
    return [*lines, ""]


def _scenario_row(scenario: dict[str, Any]) -> str:
    number, title = scenario["number"], scenario["title"]
    if scenario["status"] != OK:
        # The first line names the failure; the JSON file keeps the rest, such as a log tail.
        lines = scenario["reason"].splitlines() or [""]
        reason = lines[0].replace("|", "/")[:300]
        return f"| {number} | {title} | {scenario['status']}: {reason} | | | | | | |"

    limit = scenario["hashing_limit"]
    if limit is not None:
        return f"| {number} | {title} | {limit['rate']:.1f} | | | | | | |"

    load = scenario["load"]
    latency = load["latency_ms"]
    peaks = " / ".join(f"{peak / MIB:.0f}" for peak in scenario["peak_rss_bytes"]) or "?"
    if scenario["peak_rss_scope"] != "scenario":
        peaks += " (since start)"
    notes = f" ({'; '.join(load['notes'])})" if load["notes"] else ""
    return (
        f"| {number} | {title}{notes} | {load['requests_per_second']:.1f} | "
        f"{latency['p50']:.2f} | {latency['p95']:.2f} | {latency['p99']:.2f} | "
        f"{load['error_count'] + scenario['warmup_errors']} | "
        f"{load['load_generator_cpu_share']:.0%} | {peaks} |"
    )


def _ratio_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Ratios and targets",
        "",
        "| ratio | workers | value | target | result |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        value = f"{row['value']:.3g}" if row["value"] is not None else "n/a"
        target = row["target"] or "-"
        lines.append(f"| {row['name']} | {row['workers']} | {value} | {target} | {row['result']} |")
    return [*lines, ""]


def _query_plans(plans: list[dict[str, Any]]) -> list[str]:
    lines = ["## Query plans", ""]
    if not plans:
        return [*lines, "Not captured: the organisation scenarios did not run.", ""]
    for entry in plans:
        if "error" in entry:
            lines += [f"Not captured: {entry['error']}", ""]
            continue
        lines += [f"### {entry['request']}", ""]
        for number, statement in enumerate(entry["statements"], start=1):
            lines += [
                f"Statement {number}:",
                "",
                "```sql",
                statement["sql"],
                "```",
                "",
                "```text",
                statement["plan"],
                "```",
                "",
            ]
    return lines
