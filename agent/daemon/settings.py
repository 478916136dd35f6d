"""Daemon settings: one pydantic-settings model fed by a file, the environment and CLI flags.

Precedence, highest first::

    CLI flags (cosmo-agent daemon --http ...)  keyword arguments of DaemonSettings
    environment COSMO_DAEMON_*                 nested with "__": COSMO_DAEMON_INTERVALS__SCREENING_S
    settings file (YAML, TOML or JSON)         --config FILE / COSMO_DAEMON_CONFIG_FILE
    defaults                                   the field defaults below

Relative paths are relative to the working directory.  Secrets (``http_token``) are
``SecretStr`` and never printed.

>>> s = DaemonSettings(mission="m.yaml", state_dir="/tmp/x", intervals={"screening_s": 60})
>>> s.intervals.screening_s, s.state_url()
(60.0, 'sqlite:////tmp/x/state.sqlite')
>>> s.http_address() is None
True
"""

from __future__ import annotations

import ipaddress
import json
import logging
import tomllib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = [
    "CycleBudgets",
    "DaemonSettings",
    "JobIntervals",
    "SettingsFileError",
    "WebhookSettings",
    "read_settings_file",
]

_log = logging.getLogger("cosmo_agent.daemon")

ScaleOut = Literal["auto", "inline", "process", "dask"]
"""Where screening shards run.

``auto``: a Dask cluster when ``dask_scheduler`` is set, else a local process pool;
``inline``: in the daemon's own thread (tests, tiny fleets); ``process``: a local pool of
``workers`` processes; ``dask``: the cluster at ``dask_scheduler``."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JobIntervals(_Section):
    """Seconds between runs of each job (wall clock)."""

    catalog_s: float = Field(default=3600.0, gt=0.0)
    screening_s: float = Field(default=1800.0, gt=0.0)
    space_weather_s: float = Field(default=900.0, gt=0.0)
    contacts_s: float = Field(default=21600.0, gt=0.0)
    staleness_s: float = Field(default=3600.0, gt=0.0)
    replan_s: float = Field(default=60.0, gt=0.0)
    delivery_s: float = Field(default=30.0, gt=0.0)
    maintenance_s: float = Field(default=3600.0, gt=0.0)


class CycleBudgets(_Section):
    """Wall-time budget of one run of each job, seconds; an overrun is alerted, not cut short."""

    catalog_s: float = Field(default=120.0, gt=0.0)
    screening_s: float = Field(default=600.0, gt=0.0)
    space_weather_s: float = Field(default=60.0, gt=0.0)
    contacts_s: float = Field(default=120.0, gt=0.0)
    staleness_s: float = Field(default=30.0, gt=0.0)
    replan_s: float = Field(default=300.0, gt=0.0)


class WebhookSettings(_Section):
    """An HTTP endpoint receiving each alert as a JSON POST (``Idempotency-Key`` header set).

    ``retries`` more attempts follow a failed one, ``backoff_s * 2**n`` apart; a delivery that
    still fails goes to the dead-letter file and is re-delivered ``redeliver_after_s`` later.
    """

    url: str = Field(pattern=r"^https?://")
    retries: int = Field(default=3, ge=0, le=10)
    backoff_s: float = Field(default=1.0, ge=0.0, le=300.0)
    timeout_s: float = Field(default=5.0, gt=0.0, le=120.0)
    redeliver_after_s: float = Field(default=60.0, gt=0.0)


class SettingsFileError(ValueError):
    """A settings file that cannot be read; the message names the file."""


def read_settings_file(path: Path) -> dict[str, object]:
    """The mapping in a YAML (.yaml/.yml), TOML (.toml) or JSON (.json) settings file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsFileError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: object = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise SettingsFileError(f"{path}: settings files are .yaml, .yml, .toml or .json")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SettingsFileError(f"{path}: not valid {suffix[1:].upper()} ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsFileError(f"{path}: the settings file must be a mapping of setting: value")
    section = data.get("daemon")
    return section if isinstance(section, dict) else data


class _SettingsFile(PydanticBaseSettingsSource):
    """The file named by ``config_file`` in the sources above it (CLI flags or environment)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[object, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ reads the whole file

    def __call__(self) -> dict[str, object]:
        path = self.current_state.get("config_file")
        return read_settings_file(Path(path)) if path else {}


class DaemonSettings(BaseSettings):
    """Everything the fleet-monitoring daemon can be told; see the module docstring for sources."""

    model_config = SettingsConfigDict(
        env_prefix="COSMO_DAEMON_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    mission: Path | None = Field(default=None, description="the mission YAML (fleet, sources)")
    config_file: Path | None = Field(default=None, description="YAML/TOML/JSON settings file")
    state_dir: Path = Field(
        default=Path("cosmo-daemon-state"),
        description="databases, catalog snapshots, the alert JSONL file and the dead letters",
    )
    state_db_url: str | None = Field(
        default=None,
        description="the state database (--database): SQLite in state_dir by default, or "
        "postgresql://USER@HOST:PORT/DB, where daemons elect one leader and the others stand by",
    )
    jobstore_url: str | None = Field(
        default=None, description="SQLAlchemy URL of APScheduler's job store (default: the "
        "state database when it is PostgreSQL, else SQLite in state_dir)",
    )  # fmt: skip
    leader_poll_s: float = Field(
        default=1.0, gt=0.0, le=60.0,
        description="PostgreSQL: how often a standby tries to take over and the leader checks"
        " its lock (the takeover time after a leader dies is at most this plus one cycle)",
    )  # fmt: skip
    plan_dir: str | None = Field(
        default=None, min_length=1,
        description="accepted plans as JSON files: a folder or an s3:// URL"
        " (default: state_dir/plans)",
    )  # fmt: skip
    clock: str = Field(default="real", description="real | fixed:ISO | sim:ISO[@RATE]")
    intervals: JobIntervals = Field(default_factory=JobIntervals)
    budgets: CycleBudgets = Field(default_factory=CycleBudgets)

    # screening
    screening_span_h: float = Field(default=24.0, gt=0.0, le=168.0)
    screening_step_s: float = Field(
        default=20.0, ge=5.0, le=120.0,
        description="the orbital screener's fine sampling step around each approach (s)",
    )
    screening_threshold_km: float | None = Field(default=None, gt=0.0, le=100.0)
    screener: Literal["auto", "orbital"] = "auto"
    """``auto`` and ``orbital`` are both ``cosmo_agent.orbital.screening.screen``; ``builtin``
    (a second, grid screener, retired) is read as ``orbital`` with a warning."""
    scaleout: ScaleOut = "auto"
    workers: int = Field(default=2, ge=1, le=256)
    shard_size: int = Field(default=25, ge=1, le=10_000)
    dask_scheduler: str | None = Field(default=None, description="tcp://host:8786")
    event_close_after_s: float = Field(default=600.0, ge=0.0, description="past TCA + this")
    pc_watch: float | None = Field(default=None, gt=0.0, lt=1.0)
    pc_alert: float | None = Field(default=None, gt=0.0, lt=1.0)
    pc_emergency: float | None = Field(default=None, gt=0.0, lt=1.0)
    contacts_span_h: float = Field(default=24.0, gt=0.0, le=168.0)

    # alerts
    stdout_alerts: bool = True
    jsonl_path: Path | None = Field(default=None, description="default: state_dir/alerts.jsonl")
    dead_letter_path: Path | None = Field(
        default=None, description="default: state_dir/dead-letter.jsonl"
    )
    webhook: WebhookSettings | None = None

    # re-planning
    replan: bool = True
    planner: str = Field(default="rules", min_length=1)

    # HTTP
    http: str | None = Field(default=None, description="HOST:PORT; off when unset")
    http_token: SecretStr | None = None
    http_max_body_bytes: int = Field(
        default=1 << 20, ge=0, le=1 << 30,
        description="request bodies larger than this are answered 413 unread",
    )  # fmt: skip
    http_refresh_s: float = Field(
        default=5.0, ge=0.2, le=3600.0,
        description="how often the dashboard page (GET /) polls its data",
    )  # fmt: skip

    # bounds (memory stays flat over weeks)
    history_per_event: int = Field(default=200, ge=1)
    job_runs_kept: int = Field(default=500, ge=10)
    plans_kept: int = Field(default=100, ge=1)
    retention_days: float = Field(default=30.0, gt=0.0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _SettingsFile(settings_cls)

    @field_validator("screener", mode="before")
    @classmethod
    def _retired_screener(cls, v: object) -> object:
        if v == "builtin":
            _log.warning("screener 'builtin' is retired; screening with the orbital screener")
            return "orbital"
        return v

    @field_validator("state_db_url", "jobstore_url")
    @classmethod
    def _database(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        scheme, sep, rest = v.partition("://")
        if not sep:
            raise ValueError(f"{v!r} is not a database URL: use postgresql://USER@HOST:PORT/DB"
                             " or sqlite:///PATH")  # fmt: skip
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return f"postgresql+psycopg://{rest}"  # SQLAlchemy's psycopg 3 driver
        if scheme == "sqlite":
            return v
        raise ValueError(f"database scheme {scheme!r} is not supported: use postgresql://..."
                         " (PostgreSQL, with failover) or sqlite:///PATH (embedded)")

    @field_validator("http")
    @classmethod
    def _bind(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        host, port = _split_bind(v)
        return f"{host}:{port}"

    @model_validator(mode="after")
    def _exposed_needs_token(self) -> DaemonSettings:
        address = self.http_address()
        if address is not None and not _is_loopback(address[0]) and self.http_token is None:
            raise ValueError(
                f"http binds {address[0]}, which is not a loopback address: set http_token "
                "(COSMO_DAEMON_HTTP_TOKEN) so that requests need 'Authorization: Bearer ...', "
                "or bind 127.0.0.1"
            )
        thresholds = [t for t in (self.pc_watch, self.pc_alert, self.pc_emergency) if t]
        if thresholds != sorted(thresholds):
            raise ValueError("pc_watch <= pc_alert <= pc_emergency is required")
        return self

    # -- derived values --------------------------------------------------------------------

    def http_address(self) -> tuple[str, int] | None:
        """``(host, port)`` of the HTTP server, or None when it is off."""
        return None if self.http is None else _split_bind(self.http)

    def state_url(self) -> str:
        """The state database URL (SQLite file in ``state_dir`` by default)."""
        return self.state_db_url or f"sqlite:///{self.state_dir.absolute() / 'state.sqlite'}"

    def postgres(self) -> bool:
        """Whether the state database is PostgreSQL (leader election, standby daemons)."""
        return self.state_url().startswith("postgresql")

    def jobs_url(self) -> str:
        """APScheduler's job-store URL (the state database when it is PostgreSQL, so that a
        standby taking over finds the jobs' next run times; else SQLite in ``state_dir``)."""
        if self.jobstore_url:
            return self.jobstore_url
        if self.postgres():
            return self.state_url()
        return f"sqlite:///{self.state_dir.absolute() / 'jobs.sqlite'}"

    def plans(self) -> str:
        """Where accepted plans are written as JSON files."""
        return self.plan_dir or str(self.state_dir / "plans")

    def alerts_jsonl(self) -> Path:
        """The JSONL alert file."""
        return self.jsonl_path or self.state_dir / "alerts.jsonl"

    def dead_letters(self) -> Path:
        """The dead-letter JSONL file of webhook deliveries that failed."""
        return self.dead_letter_path or self.state_dir / "dead-letter.jsonl"

    def resolved_scaleout(self) -> Literal["inline", "process", "dask"]:
        """``scaleout`` with ``auto`` resolved."""
        if self.scaleout == "auto":
            return "dask" if self.dask_scheduler else "process"
        return self.scaleout


def _split_bind(text: str) -> tuple[str, int]:
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host, port_text = "", text.strip()
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"http {text!r} must be HOST:PORT, e.g. 127.0.0.1:8787") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"http port {port} is outside 0..65535")
    return host, port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
