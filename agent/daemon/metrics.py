"""The daemon's Prometheus metrics, in a registry of its own (never the global one).

>>> m = DaemonMetrics()
>>> m.job_failures.labels(job="screening").inc()
>>> b"cosmo_daemon_job_failures_total" in m.render()
True
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["DaemonMetrics"]

# screening cycles take seconds to minutes; other jobs milliseconds to seconds
_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200)


class DaemonMetrics:
    """Cycle durations, events by level, feed ages, job failures, degraded runs, alerts and
    deliveries."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.cycle_duration = Histogram(
            "cosmo_daemon_cycle_duration_seconds", "Wall time of one job run", ["job"],
            buckets=_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.events = Gauge(
            "cosmo_daemon_events", "Open conjunction events by current level", ["level"],
            registry=r,
        )  # fmt: skip
        self.feed_age = Gauge(
            "cosmo_daemon_feed_age_seconds",
            "Age of each input at the daemon clock (catalog: since the last good refresh;"
            " elements: oldest fleet element set; space weather: per product)",
            ["feed"], registry=r,
        )  # fmt: skip
        self.job_failures = Counter(
            "cosmo_daemon_job_failures", "Job runs that failed", ["job"], registry=r
        )
        self.over_budget = Counter(
            "cosmo_daemon_over_budget", "Job runs that exceeded their budget", ["job"],
            registry=r,
        )  # fmt: skip
        self.alerts = Counter(
            "cosmo_daemon_alerts", "Alerts raised, by severity", ["severity"], registry=r
        )
        self.deliveries = Counter(
            "cosmo_daemon_deliveries", "Delivery attempts by sink and outcome",
            ["sink", "outcome"], registry=r,
        )  # fmt: skip
        self.backlog = Gauge(
            "cosmo_daemon_delivery_backlog", "Undelivered alerts per sink", ["sink"], registry=r
        )
        self.ready = Gauge(
            "cosmo_daemon_ready",
            "1 while the last screening cycle screened the whole fleet (see /readyz)",
            registry=r,
        )  # fmt: skip
        self.degraded = Gauge(
            "cosmo_daemon_degraded",
            "1 while the job's last completed run was degraded or failed (partial, or on"
            " missing or stale data; reasons in /readyz and the log), 0 after a clean run",
            ["job"], registry=r,
        )  # fmt: skip
        self.degraded_cycles = Counter(
            "cosmo_daemon_degraded_cycles", "Job runs that ended degraded", ["job"], registry=r
        )

    def render(self) -> bytes:
        """The exposition text of this registry."""
        return bytes(generate_latest(self.registry))
