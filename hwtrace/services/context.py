"""What every use case needs: the database, the park's ledger log, the signing key, settings and
a clock. Built once per app (or CLI run) and passed in; nothing is created at import time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import ledger
from hwtrace.db import Database
from hwtrace.domain.loading import LABEL_WEIGHT_TOLERANCE_PCT
from hwtrace.domain.manifest_numbers import check_division_codes
from hwtrace.store.unit_of_work import UnitOfWork
from ledger.signer import RemoteSigner


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Settings:
    """The settings the use cases read (see hwtrace.config for their variables)."""

    park_code: str
    park_name: str
    ledger_origin: str
    token_ttl_hours: int
    login_max_failures: int
    login_window_seconds: int
    argon2_time_cost: int
    argon2_memory_kib: int
    storage_limit_days: int
    storage_warn_days: tuple[int, ...]
    weight_tolerance_pct: Decimal
    public_url: str
    # A label's weight against its manifest line's at loading (第十三条第三款; no number in
    # the rules: docs/standards.md).
    label_weight_tolerance_pct: Decimal = LABEL_WEIGHT_TOLERANCE_PCT
    label_to_store_hours: int = 24
    timezone: str = "Asia/Shanghai"
    checkpoint_entries: int = 100
    checkpoint_seconds: float = 60.0
    checkpointer: bool = True
    witnesses: tuple[str, ...] = ()
    tiles_dir: str | None = None
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    login_address_max_failures: int = 20
    login_account_max_failures: int = 20
    login_global_max_failures: int = 200
    login_attempts_keep_hours: int = 24
    device_token_days: int = 90
    api_rate_per_token: int = 0
    api_rate_per_address: int = 0
    api_rate_window_seconds: int = 60
    totp_required_for_park_admins: bool = False
    province_code: str = "32"
    city_code: str = "05"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Build from a Flask-style config mapping."""
        park_code = str(config["PARK_CODE"])
        # A malformed division code would issue wrong manifest numbers: refuse to start.
        province, city = check_division_codes(
            str(config.get("PROVINCE_CODE", "32")), str(config.get("CITY_CODE", "05"))
        )
        return cls(
            park_code=park_code,
            park_name=str(config["PARK_NAME"]),
            province_code=province,
            city_code=city,
            ledger_origin=str(config.get("LEDGER_ORIGIN") or f"hwtrace.local/{park_code}"),
            token_ttl_hours=int(config["TOKEN_TTL_HOURS"]),
            login_max_failures=int(config["LOGIN_MAX_FAILURES"]),
            login_window_seconds=int(config["LOGIN_WINDOW_SECONDS"]),
            argon2_time_cost=int(config["ARGON2_TIME_COST"]),
            argon2_memory_kib=int(config["ARGON2_MEMORY_KIB"]),
            storage_limit_days=int(config["STORAGE_LIMIT_DAYS"]),
            storage_warn_days=tuple(int(d) for d in config["STORAGE_WARN_DAYS"]),
            weight_tolerance_pct=Decimal(str(config["WEIGHT_TOLERANCE_PCT"])),
            label_weight_tolerance_pct=Decimal(
                str(config.get("LABEL_WEIGHT_TOLERANCE_PCT", LABEL_WEIGHT_TOLERANCE_PCT))
            ),
            public_url=str(config.get("PUBLIC_URL") or ""),
            label_to_store_hours=int(config["LABEL_TO_STORE_HOURS"]),
            timezone=str(config["TIMEZONE"]),
            checkpoint_entries=int(config.get("LEDGER_CHECKPOINT_ENTRIES", 100)),
            checkpoint_seconds=float(config.get("LEDGER_CHECKPOINT_SECONDS", 60)),
            checkpointer=bool(config.get("LEDGER_CHECKPOINTER", True)),
            witnesses=tuple(str(w) for w in config.get("LEDGER_WITNESSES") or ()),
            tiles_dir=str(config["LEDGER_TILES_DIR"]) if config.get("LEDGER_TILES_DIR") else None,
            session_idle_minutes=int(config["SESSION_IDLE_MINUTES"]),
            session_absolute_hours=int(config["SESSION_ABSOLUTE_HOURS"]),
            login_address_max_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]),
            login_account_max_failures=int(config["LOGIN_ACCOUNT_MAX_FAILURES"]),
            login_global_max_failures=int(config["LOGIN_GLOBAL_MAX_FAILURES"]),
            login_attempts_keep_hours=int(config["LOGIN_ATTEMPTS_KEEP_HOURS"]),
            device_token_days=int(config["DEVICE_TOKEN_DAYS"]),
            api_rate_per_token=int(config.get("API_RATE_PER_TOKEN") or 0),
            api_rate_per_address=int(config.get("API_RATE_PER_ADDRESS") or 0),
            api_rate_window_seconds=int(config.get("API_RATE_WINDOW_SECONDS") or 60),
            totp_required_for_park_admins=bool(config.get("TOTP_REQUIRED_FOR_PARK_ADMINS")),
        )


@dataclass
class Context:
    """Dependencies of the use cases."""

    db: Database
    settings: Settings
    signer_loader: Callable[[], ledger.Signer | RemoteSigner]
    clock: Callable[[], dt.datetime] = field(default=_utcnow)
    # Called with the last sequence number after a unit of work commits entries (the
    # checkpointer's wake-up); None when nothing listens.
    on_commit: Callable[[int], None] | None = None
    _signer: ledger.Signer | RemoteSigner | None = field(default=None, init=False, repr=False)

    @property
    def signer(self) -> ledger.Signer | RemoteSigner:
        """Return the ledger's signing key, read on first use (commands that never sign run
        without one; the loader raises ``hwtrace.keys.KeyMissing`` when it does not exist)."""
        if self._signer is None:
            self._signer = self.signer_loader()
        return self._signer

    @property
    def log(self) -> ledger.Log:
        """Return the park's ledger log (one log per park)."""
        return ledger.Log(self.settings.park_code, origin=self.settings.ledger_origin)

    def uow(self) -> UnitOfWork:
        """Return a new unit of work on the park's log."""
        return UnitOfWork(self.db, self.log, self.clock, self.on_commit)

    def now(self) -> dt.datetime:
        """Return the current time from the context's clock."""
        return self.clock()

    def local_now(self) -> dt.datetime:
        """Return the current time in the park's time zone (for business dates)."""
        return self.clock().astimezone(ZoneInfo(self.settings.timezone))

    def today(self) -> dt.date:
        """Return today's date in the park's time zone (a code made at 07:00 in Suzhou carries
        that day's date, not the UTC date)."""
        return self.local_now().date()
