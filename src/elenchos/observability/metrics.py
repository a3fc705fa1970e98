"""Prometheus metrics, one registry per container so tests and embedders never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Bucket bounds in seconds, from a token check to a slow argon2 sign-in.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The service's counters, gauges and histograms.

    NOTE: each uvicorn worker process keeps its own registry, so with
    --workers above 1 a scrape returns one worker's numbers.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "elenchos_http_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "elenchos_http_request_duration_seconds",
            "HTTP request latency by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sign_ins = Counter(
            "elenchos_sign_ins_total",
            "Sign-in attempts by outcome (success or the problem code).",
            ["outcome"],
            registry=self.registry,
        )
        self.refresh_reuse = Counter(
            "elenchos_refresh_token_reuse_detected_total",
            "Retired refresh tokens presented again; each revokes its session.",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "elenchos_rate_limit_rejections_total",
            "Requests rejected by a rate limit, by limit name.",
            ["limit"],
            registry=self.registry,
        )
        self.outbox_events = Counter(
            "elenchos_outbox_messages_total",
            "Outbox delivery attempts by outcome: sent, retried or failed.",
            ["event"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "elenchos_outbox_pending_messages",
            "Outbox messages waiting to be sent, read at scrape time.",
            registry=self.registry,
        )
        self.outbox_oldest_pending_age = Gauge(
            "elenchos_outbox_oldest_pending_age_seconds",
            "Age of the oldest unsent outbox message, read at scrape time.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
