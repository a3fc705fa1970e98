"""Results of a run: one ScenarioResult per table row, grouped by server configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.hashing import HashingLimit
from bench.load import LoadResult
from bench.processes import CoreLayout

OK = "ok"
NOT_AVAILABLE = "not available"
FAILED = "failed"


@dataclass
class ScenarioResult:
    """One row of the table.

    number is the scenario's number in bench/README.md. status is OK,
    NOT_AVAILABLE (the endpoint does not exist yet) or FAILED (an error or a
    non-zero error count, which fails the run).
    """

    key: str
    number: int
    title: str
    status: str = OK
    reason: str = ""
    load: LoadResult | None = None
    warmup_errors: int = 0
    peak_rss_bytes: list[int] = field(default_factory=list)
    # "scenario" when the peak was reset before the measured run, else "process lifetime".
    peak_rss_scope: str = "scenario"
    hashing_limit: HashingLimit | None = None

    @property
    def error_count(self) -> int:
        measured = self.load.error_count if self.load is not None else 0
        return measured + self.warmup_errors

    @property
    def rate(self) -> float | None:
        if self.status != OK:
            return None
        if self.hashing_limit is not None:
            return self.hashing_limit.rate
        return self.load.rate if self.load is not None else None

    def latency(self, name: str) -> float | None:
        if self.status != OK or self.load is None:
            return None
        return self.load.latency_ms.get(name)

    def fail(self, reason: str) -> None:
        self.status = FAILED
        self.reason = reason

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "load": self.load.to_json() if self.load is not None else None,
            "warmup_errors": self.warmup_errors,
            "peak_rss_bytes": self.peak_rss_bytes,
            "peak_rss_scope": self.peak_rss_scope,
            "hashing_limit": (
                self.hashing_limit.to_json() if self.hashing_limit is not None else None
            ),
        }


@dataclass
class ConfigurationResult:
    """Every scenario run against servers with the same worker count and core layout."""

    workers: int
    layout: CoreLayout
    scenarios: list[ScenarioResult] = field(default_factory=list)

    def add(self, result: ScenarioResult) -> ScenarioResult:
        self.scenarios.append(result)
        return result

    def find(self, key: str) -> ScenarioResult | None:
        for scenario in self.scenarios:
            if scenario.key == key:
                return scenario
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "layout": self.layout.describe(),
            "server_cores": sorted(self.layout.server) if self.layout.server else None,
            "load_generator_cores": sorted(self.layout.load) if self.layout.load else None,
            "scenarios": [scenario.to_json() for scenario in self.scenarios],
        }
