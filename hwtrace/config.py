"""Every setting of the server, its default and its environment variable (HWTRACE_<NAME>).

One line per setting: this file is the deployment documentation. ``create_app`` applies the
defaults, then ``HWTRACE_*`` variables (``app.config.from_prefixed_env``; values are parsed as
JSON where they can be, so ``HWTRACE_STORAGE_WARN_DAYS=[30,7]`` works), then a test mapping.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "INSTANCE_DIR": None,  # HWTRACE_INSTANCE_DIR; database, keys, uploads (back it up); None = ./instance in the working directory, never inside the venv
    "DATABASE_URL": None,  # HWTRACE_DATABASE_URL; None = SQLite file hwtrace.sqlite in the instance directory
    "SECRET_KEY": None,  # HWTRACE_SECRET_KEY; None = instance/secret_key (made by `hwtrace keys init`)
    "PARK_CODE": "DEMO",  # HWTRACE_PARK_CODE; the park this server's ledger belongs to (one log per park)
    "PARK_NAME": "示范化工园区",
    "PROVINCE_CODE": "32",  # HWTRACE_PROVINCE_CODE; the park's province-level division code (GB/T 2260, 2 digits): digits 5–6 of manifest numbers (部令第23号 第十五条)
    "CITY_CODE": "05",  # HWTRACE_CITY_CODE; the park's city-level division code (GB/T 2260 digits 3–4): digits 7–8 of manifest numbers  # HWTRACE_PARK_NAME; shown on pages and in the checkpoint origin
    "LEDGER_ORIGIN": None,  # HWTRACE_LEDGER_ORIGIN; checkpoint origin line; None = "hwtrace.local/<park code>"
    "LEDGER_KEY_FILE": None,  # HWTRACE_LEDGER_KEY_FILE; Ed25519 signing key; None = instance/ledger_signing.key (made by `hwtrace keys init`, never on its own)
    "LEDGER_CHECKPOINT_ENTRIES": 100,  # HWTRACE_LEDGER_CHECKPOINT_ENTRIES; sign a checkpoint once this many entries are not covered by one
    "LEDGER_CHECKPOINT_SECONDS": 60,  # HWTRACE_LEDGER_CHECKPOINT_SECONDS; sign a checkpoint when entries have waited this long (the unsigned tail is at most a minute)
    "LEDGER_CHECKPOINTER": True,  # HWTRACE_LEDGER_CHECKPOINTER; the server's background thread that signs, asks witnesses and publishes tiles (off: only `hwtrace ledger checkpoint` signs)
    "LEDGER_WITNESSES": [],  # HWTRACE_LEDGER_WITNESSES; JSON list of "<witness vkey> <URL>": witnesses (C2SP tlog-witness) asked to cosign every new checkpoint
    "LEDGER_TILES_DIR": None,  # HWTRACE_LEDGER_TILES_DIR; publish the log as C2SP tlog-tiles into this directory (serve it statically); None = not published
    "LEDGER_SIGNER_SOCKET": None,  # HWTRACE_LEDGER_SIGNER_SOCKET; production: the Unix socket of `hwtrace signer serve`, which holds the checkpoint key (the server never reads it); None = the key file (demo, tests)
    "TOKEN_TTL_HOURS": 12,  # HWTRACE_TOKEN_TTL_HOURS; life of a login token
    "DEVICE_TOKEN_DAYS": 90,  # HWTRACE_DEVICE_TOKEN_DAYS; life of a device (PDA) token, issued from a login token only
    "SESSION_IDLE_MINUTES": 60,  # HWTRACE_SESSION_IDLE_MINUTES; a page login ends after this long without a request
    "SESSION_ABSOLUTE_HOURS": 12,  # HWTRACE_SESSION_ABSOLUTE_HOURS; a page login ends this long after it began, however busy
    "SESSION_COOKIE_SECURE": None,  # HWTRACE_SESSION_COOKIE_SECURE; Secure flag on cookies: true, false, or None = when the request came over HTTPS (X-Forwarded-Proto from TRUSTED_PROXIES counts)
    "LOGIN_MAX_FAILURES": 5,  # HWTRACE_LOGIN_MAX_FAILURES; failed logins per username and address in the window before that address is refused for that username (429)
    "LOGIN_ADDRESS_MAX_FAILURES": 20,  # HWTRACE_LOGIN_ADDRESS_MAX_FAILURES; failed logins of any usernames from one address in the window before the address is refused
    "LOGIN_ACCOUNT_MAX_FAILURES": 20,  # HWTRACE_LOGIN_ACCOUNT_MAX_FAILURES; failed logins of one username from anywhere before each address gets one try at it (its owner, from an address that has not failed, still logs in)
    "LOGIN_GLOBAL_MAX_FAILURES": 200,  # HWTRACE_LOGIN_GLOBAL_MAX_FAILURES; failed logins of anyone from anywhere (password spraying) before each address gets one failure
    "LOGIN_WINDOW_SECONDS": 300,  # HWTRACE_LOGIN_WINDOW_SECONDS; window for counting failed logins (and the Retry-After of a refused one)
    "LOGIN_ATTEMPTS_KEEP_HOURS": 24,  # HWTRACE_LOGIN_ATTEMPTS_KEEP_HOURS; login attempts older than this are deleted
    "ARGON2_TIME_COST": 3,  # HWTRACE_ARGON2_TIME_COST; argon2id passes (tests lower it)
    "ARGON2_MEMORY_KIB": 65536,  # HWTRACE_ARGON2_MEMORY_KIB; argon2id memory (tests lower it)
    "MAX_CONTENT_LENGTH": 256
    * 1024,  # HWTRACE_MAX_CONTENT_LENGTH; largest request body in bytes (413 above it, chunked bodies too)
    "API_RATE_PER_TOKEN": 600,  # HWTRACE_API_RATE_PER_TOKEN; API requests one token may make per window before 429 with Retry-After (0 = no limit)
    "API_RATE_PER_ADDRESS": 1200,  # HWTRACE_API_RATE_PER_ADDRESS; API requests from one source address (behind TRUSTED_PROXIES: the client's) per window, any token or none (0 = no limit)
    "API_RATE_WINDOW_SECONDS": 60,  # HWTRACE_API_RATE_WINDOW_SECONDS; the fixed window the API rate limits count in (counters in the database: one count for every worker)
    "TOTP_REQUIRED_FOR_PARK_ADMINS": False,  # HWTRACE_TOTP_REQUIRED_FOR_PARK_ADMINS; park administrators must log in with a second factor (TOTP): without one they get no API token and only the page that enables it
    "TRUSTED_PROXIES": 0,  # HWTRACE_TRUSTED_PROXIES; reverse proxies in front whose X-Forwarded-For/-Proto/-Host are believed (0 = none: the peer is the client)
    "HSTS_SECONDS": 31536000,  # HWTRACE_HSTS_SECONDS; Strict-Transport-Security max-age on responses served over HTTPS (0 = no header)
    "STORAGE_LIMIT_DAYS": 365,  # HWTRACE_STORAGE_LIMIT_DAYS; legal storage limit (Solid Waste Law art. 81)
    "STORAGE_WARN_DAYS": [30, 7],  # HWTRACE_STORAGE_WARN_DAYS; warn this many days before the limit
    "WEIGHT_TOLERANCE_PCT": "1",  # HWTRACE_WEIGHT_TOLERANCE_PCT; dispatch/receipt difference that is a discrepancy
    "LABEL_WEIGHT_TOLERANCE_PCT": "1",  # HWTRACE_LABEL_WEIGHT_TOLERANCE_PCT; a scanned label's weight may differ this much (percent of the manifest line's, inclusive) at loading before loading is refused (the rules give no number)
    "LABEL_TO_STORE_HOURS": 24,  # HWTRACE_LABEL_TO_STORE_HOURS; a labelled batch not stored by then is a warning
    "TIMEZONE": "Asia/Shanghai",  # HWTRACE_TIMEZONE; the park's local time: business dates (codes, production dates, storage days, months)
    "PUBLIC_URL": "",  # HWTRACE_PUBLIC_URL; base URL appended to QR payloads (optional; never URL-only)
    "LOG_LEVEL": "INFO",  # HWTRACE_LOG_LEVEL; Python logging level
    "LOG_FORMAT": "json",  # HWTRACE_LOG_FORMAT; "json" (one object per line, with the request id) or "text"
    "METRICS_TOKEN": None,  # HWTRACE_METRICS_TOKEN; /metrics needs "Authorization: Bearer <token>"; None = loopback only, never through a proxy
    "MQTT_URL": None,  # HWTRACE_MQTT_URL; mqtt://[user:password@]host:port of the park's broker; /readyz checks it when set
    "SMTP_URL": None,  # HWTRACE_SMTP_URL; smtp://[user:password@]host:port (smtps://, smtp+starttls://) for `hwtrace notify`'s e-mail; None = no e-mail sent
    "SMTP_FROM": "hwtrace@localhost",  # HWTRACE_SMTP_FROM; the From address of notification e-mail
    "CHECK_SCHEMA": True,  # HWTRACE_CHECK_SCHEMA; refuse to start on a database not migrated to head
}
