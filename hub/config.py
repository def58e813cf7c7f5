"""One Settings object, read from HUB_* environment variables and validated at start."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LANGUAGES = ("sr-Latn", "sr-Cyrl", "en")
MIN_SECRET_LENGTH = 32


class ConfigError(ValueError):
    """A setting has a value the hub cannot work with; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: start the embedded Redis
    smtp_url: str | None  # None: write .eml files to data_dir/outbox
    secret_key: str
    base_url: str
    allowed_origins: tuple[str, ...]
    default_language: str = "sr-Latn"
    mail_from: str = "Stručne mreže SKGO <hub@localhost>"  # the whole From header
    session_idle_minutes: int = 120
    session_max_hours: int = 24 * 14
    invitation_days: int = 7
    reset_hours: int = 2
    signin_max_failures: int = 5
    posts_per_minute: int = 30  # per person, threads and replies together; 0: no limit
    uploads_per_minute: int = 20  # files per person; 0: no limit
    votes_per_minute: int = 30  # ballots cast or changed per person; 0: no limit
    upload_quota_files: int = 20  # files a person may have uploaded and not attached; 0: any
    upload_quota_mb: int = 60  # and their total size; 0: any
    signin_window_seconds: int = 900
    max_body_bytes: int = 1_048_576
    trusted_proxies: tuple[str, ...] = ()
    log_format: str = "json"
    run_worker: bool = True
    processes: int = 1  # `hub serve`'s serving processes; 0: one per core (HUB_PROCESSES=auto)
    # Initiatives (docs/initiatives.md): the number's prefix, and the compile job's limits.
    initiative_prefix: str = "SKGO"
    compile_timeout: int = 120  # seconds a compile run may take (arq's job timeout)
    compile_max_tries: int = 3  # failed runs before the revision is `failed`
    reenqueue_after: int = 60  # seconds before the reconciler hands a waiting intent to arq again
    notify_mail_delay: int = 600  # seconds a notification waits before it is mailed (N2)
    digest_hour: int = 7  # UTC hour the digests go out (daily; weekly on Mondays)
    extra: Mapping[str, str] = field(default_factory=dict)

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a browser's `Origin` header is the hub's own (the origin of base_url, or the
        `Host` the request reached) or one of allowed_origins: the one Origin rule, for the
        CSRF check of requests and for the WebSocket handshake. Whether a missing or `null`
        Origin is checked at all is the caller's choice."""
        origin = origin.rstrip("/")
        base = urlsplit(self.base_url)
        own = {f"{base.scheme}://{base.netloc}"}
        if host:
            own |= {f"http://{host}", f"https://{host}"}
        return origin in own or origin in self.allowed_origins

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default, minimum=0)
    if value > 23:
        raise ConfigError(f"{name} must be an hour from 0 to 23, got {value}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name} must start with one of {allowed}, got {raw!r}")
    return raw


def _prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("HUB_INITIATIVE_PREFIX", "").strip() or "SKGO"
    if not re.fullmatch(r"[A-Z0-9]{1,20}", prefix):
        raise ConfigError("HUB_INITIATIVE_PREFIX must be 1-20 capital letters A-Z or digits")
    return prefix


def _processes(env: Mapping[str, str]) -> int:
    """HUB_PROCESSES: a whole number of serving processes, or `auto` (0): one per core."""
    raw = env.get("HUB_PROCESSES", "").strip().lower()
    if raw == "auto":
        return 0
    try:
        return _int(env, "HUB_PROCESSES", 1, minimum=0)
    except ConfigError:
        message = f"HUB_PROCESSES must be a whole number or auto, got {env['HUB_PROCESSES']!r}"
        raise ConfigError(message) from None


def compile_timeout(env: Mapping[str, str] | None = None) -> int:
    """HUB_COMPILE_TIMEOUT: read at import by the worker's settings, which arq fixes then."""
    return _int(os.environ if env is None else env, "HUB_COMPILE_TIMEOUT", 120, minimum=2)


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """HUB_SECRET_KEY, or the key kept in data_dir (made on first start): call it last,
    once every other variable is valid, so a configuration error writes nothing."""
    key = env.get("HUB_SECRET_KEY", "").strip()
    if key:
        if len(key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"HUB_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long"
            )
        return key
    path = data_dir / "secret_key"
    try:
        if not path.exists():
            _write_new_key(path)
        key = path.read_text().strip()
    except OSError as exc:
        message = f"HUB_DATA_DIR: cannot keep the secret key in {str(path)!r}: {exc.strerror}"
        raise ConfigError(message) from exc
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"HUB_SECRET_KEY is unset and {str(path)!r} holds no usable key: "
            "delete that file to have one generated, or set HUB_SECRET_KEY"
        )
    return key


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and linked into place, so two processes starting at once
    # agree on one key and neither reads a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    raw = env.get("HUB_DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite+aiosqlite:///{data_dir / 'hub.db'}"
    scheme = urlsplit(raw).scheme
    # Accept the plain forms people paste and map them to the async drivers.
    aliases = {
        "sqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
    }
    if scheme in aliases:
        raw = aliases[scheme] + raw[len(scheme) :]
    elif scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ConfigError(
            f"HUB_DATABASE_URL must be a sqlite:// or postgresql:// URL, got scheme {scheme!r}"
        )
    try:
        make_url(raw).port  # noqa: B018  (parsing the port is what checks it)
    except (ArgumentError, ValueError):
        raise ConfigError("HUB_DATABASE_URL is not a valid database URL") from None
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration; raise ConfigError naming the bad variable."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("HUB_DATA_DIR", "").strip() or "var").resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"HUB_DATA_DIR {str(data_dir)!r} exists and is not a directory")
    base_url = env.get("HUB_BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ConfigError(f"HUB_BASE_URL must be an http:// or https:// URL, got {base_url!r}")
    origins = tuple(
        o.strip().rstrip("/") for o in env.get("HUB_ALLOWED_ORIGINS", "").split(",") if o.strip()
    )
    for origin in origins:
        if urlsplit(origin).scheme not in ("http", "https") or not urlsplit(origin).netloc:
            raise ConfigError(
                f"HUB_ALLOWED_ORIGINS entries must be http(s) origins, got {origin!r}"
            )
    language = env.get("HUB_DEFAULT_LANGUAGE", "sr-Latn").strip() or "sr-Latn"
    if language not in LANGUAGES:
        raise ConfigError(f"HUB_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    log_format = env.get("HUB_LOG_FORMAT", "json").strip() or "json"
    if log_format not in ("json", "text"):
        raise ConfigError("HUB_LOG_FORMAT must be json or text")
    proxies = _proxies(env)
    settings = Settings(
        data_dir=data_dir,
        database_url=_database_url(env, data_dir),
        redis_url=_url(env, "HUB_REDIS_URL", ("redis", "rediss", "unix")),
        smtp_url=_url(env, "HUB_SMTP_URL", ("smtp", "smtps")),
        secret_key="",
        base_url=base_url,
        allowed_origins=origins,
        default_language=language,
        mail_from=_mail_from(env, base_url, language),
        session_idle_minutes=_int(env, "HUB_SESSION_IDLE_MINUTES", 120),
        session_max_hours=_int(env, "HUB_SESSION_MAX_HOURS", 24 * 14),
        max_body_bytes=_int(env, "HUB_MAX_BODY_BYTES", 1_048_576, minimum=1024),
        posts_per_minute=_int(env, "HUB_POSTS_PER_MINUTE", 30, minimum=0),
        uploads_per_minute=_int(env, "HUB_UPLOADS_PER_MINUTE", 20, minimum=0),
        votes_per_minute=_int(env, "HUB_VOTES_PER_MINUTE", 30, minimum=0),
        upload_quota_files=_int(env, "HUB_UPLOAD_QUOTA_FILES", 20, minimum=0),
        upload_quota_mb=_int(env, "HUB_UPLOAD_QUOTA_MB", 60, minimum=0),
        trusted_proxies=proxies,
        log_format=log_format,
        initiative_prefix=_prefix(env),
        compile_timeout=compile_timeout(env),
        compile_max_tries=_int(env, "HUB_COMPILE_MAX_TRIES", 3),
        reenqueue_after=_int(env, "HUB_JOB_REENQUEUE_SECONDS", 60),
        notify_mail_delay=_int(env, "HUB_NOTIFY_MAIL_DELAY", 600, minimum=0),
        digest_hour=_hour(env, "HUB_DIGEST_HOUR", 7),
        processes=_processes(env),
    )
    # Last: the only step that may write a file (a generated key), so it runs only when
    # everything else is valid.
    return settings.with_(secret_key=_secret_key(env, data_dir))


# The name mail comes from: the site's title in the default language (base.html's "SKGO expert
# networks"; tests/test_mail_text.py keeps the two the same).
MAIL_NAMES = {
    "sr-Latn": "Stručne mreže SKGO",
    "sr-Cyrl": "Стручне мреже СКГО",
    "en": "SKGO expert networks",
}
_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _mail_from(env: Mapping[str, str], base_url: str, language: str) -> str:
    """The From header: HUB_MAIL_FROM (an address, or `Name <address>`), by default `hub@` the
    host of the base URL (`hub@localhost` when that is an IP address or has no dot); an address
    alone gets the site's name as its display name."""
    raw = env.get("HUB_MAIL_FROM", "").strip()
    if not raw:
        host = urlsplit(base_url).hostname or ""
        raw = f"hub@{host if '.' in host and not _is_ip(host) else 'localhost'}"
    name, address = parseaddr(raw)
    if not _ADDRESS.fullmatch(address) or "\n" in raw or "\r" in raw:
        raise ConfigError(
            "HUB_MAIL_FROM must be an e-mail address, or a name and an address as "
            f"'Name <hub@example.org>', got {raw!r}"
        )
    return str(Address(display_name=name or MAIL_NAMES[language], addr_spec=address))


def _proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    proxies = tuple(p.strip() for p in env.get("HUB_TRUSTED_PROXIES", "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"HUB_TRUSTED_PROXIES entries must be IP addresses or networks, got {proxy!r}"
            ) from None
    return proxies
