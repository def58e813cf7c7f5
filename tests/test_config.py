"""load_settings: defaults, one clear error per bad variable, the secret key kept on disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.config import ConfigError, load_settings


def env_in(data_dir: Path, **variables: str) -> dict[str, str]:
    return {"HUB_DATA_DIR": str(data_dir), **variables}


async def test_defaults(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(env_in(data))
    assert settings.data_dir == data
    assert settings.database_url == f"sqlite+aiosqlite:///{data / 'hub.db'}"
    assert settings.redis_url is None  # the embedded Redis
    assert settings.smtp_url is None  # .eml files in the outbox
    assert settings.outbox_dir == data / "outbox"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.secure_cookies is False
    assert settings.allowed_origins == ()
    assert settings.trusted_proxies == ()
    assert settings.default_language == "sr-Latn"
    assert settings.log_format == "json"
    assert settings.mail_from == "Stručne mreže SKGO <hub@localhost>"  # no domain in an IP
    assert settings.session_idle_minutes == 120
    assert settings.max_body_bytes == 1_048_576
    assert len(settings.secret_key) >= 32


async def test_the_data_dir_defaults_to_var_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.data_dir == tmp_path / "var"
    assert (tmp_path / "var" / "secret_key").exists()


async def test_values_are_read_and_trimmed(tmp_path: Path) -> None:
    settings = load_settings(
        env_in(
            tmp_path,
            HUB_BASE_URL=" https://hub.example.org/ ",
            HUB_ALLOWED_ORIGINS="https://a.example.org/, https://b.example.org",
            HUB_REDIS_URL="redis://127.0.0.1:6379/3",
            HUB_SMTP_URL="smtp://mail.example.org:25",
            HUB_SECRET_KEY="s" * 32,
            HUB_DEFAULT_LANGUAGE="sr-Cyrl",
            HUB_LOG_FORMAT="text",
            HUB_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1",
            HUB_SESSION_IDLE_MINUTES="30",
            HUB_MAX_BODY_BYTES="2048",
        )
    )
    assert settings.base_url == "https://hub.example.org"
    assert settings.secure_cookies is True
    assert settings.mail_from == "Стручне мреже СКГО <hub@hub.example.org>"  # sr-Cyrl
    assert settings.allowed_origins == ("https://a.example.org", "https://b.example.org")
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.smtp_url == "smtp://mail.example.org:25"
    assert settings.secret_key == "s" * 32
    assert settings.default_language == "sr-Cyrl"
    assert settings.log_format == "text"
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert settings.session_idle_minutes == 30
    assert settings.max_body_bytes == 2048
    assert not (tmp_path / "secret_key").exists()  # a given key is never written down


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/hub", "postgresql+asyncpg://u:p@db:5432/hub"),
        ("postgresql://u@db/hub", "postgresql+asyncpg://u@db/hub"),
        ("postgresql+asyncpg://u@db/hub", "postgresql+asyncpg://u@db/hub"),
        ("sqlite:////srv/hub/hub.db", "sqlite+aiosqlite:////srv/hub/hub.db"),
        ("sqlite+aiosqlite:///hub.db", "sqlite+aiosqlite:///hub.db"),
    ],
)
async def test_database_urls_are_mapped_to_the_async_drivers(
    tmp_path: Path, given: str, expected: str
) -> None:
    settings = load_settings(env_in(tmp_path, HUB_DATABASE_URL=given))
    assert settings.database_url == expected
    assert settings.is_sqlite == expected.startswith("sqlite")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", "Stručne mreže SKGO <hub@hub.example.org>"),
        ("mreze@skgo.org", "Stručne mreže SKGO <mreze@skgo.org>"),
        ("SKGO <mreze@skgo.org>", "SKGO <mreze@skgo.org>"),
        ('"Mreže, SKGO" <mreze@skgo.org>', '"Mreže, SKGO" <mreze@skgo.org>'),
    ],
)
async def test_mail_from_gets_a_display_name(tmp_path: Path, given: str, expected: str) -> None:
    env = env_in(tmp_path, HUB_BASE_URL="https://hub.example.org", HUB_MAIL_FROM=given)
    assert load_settings(env).mail_from == expected


# Each bad value, and the variable its error must name.
INVALID = [
    ("HUB_DATABASE_URL", "mysql://u@db/hub"),
    ("HUB_DATABASE_URL", "not a url"),
    ("HUB_DATABASE_URL", "postgresql://u@db:port/hub"),
    ("HUB_REDIS_URL", "http://127.0.0.1:6379"),
    ("HUB_SMTP_URL", "imap://mail.example.org"),
    ("HUB_SECRET_KEY", "too-short"),
    ("HUB_BASE_URL", "ftp://hub.example.org"),
    ("HUB_BASE_URL", "hub.example.org"),
    ("HUB_ALLOWED_ORIGINS", "https://ok.example.org,javascript:alert(1)"),
    ("HUB_ALLOWED_ORIGINS", "https://"),
    ("HUB_DEFAULT_LANGUAGE", "de"),
    ("HUB_LOG_FORMAT", "xml"),
    ("HUB_TRUSTED_PROXIES", "10.0.0.1, proxy.example.org"),
    ("HUB_SESSION_IDLE_MINUTES", "soon"),
    ("HUB_SESSION_IDLE_MINUTES", "0"),
    ("HUB_SESSION_MAX_HOURS", "-1"),
    ("HUB_MAX_BODY_BYTES", "100"),
    ("HUB_MAIL_FROM", "hub"),
    ("HUB_MAIL_FROM", "SKGO <>"),
    ("HUB_MAIL_FROM", "hub@example.org\nBcc: someone@example.org"),
    ("HUB_DIGEST_HOUR", "24"),
    ("HUB_DIGEST_HOUR", "-1"),
    ("HUB_DIGEST_HOUR", "seven"),
]


@pytest.mark.parametrize(("variable", "value"), INVALID, ids=[f"{v}={x}" for v, x in INVALID])
async def test_an_invalid_variable_is_named_and_nothing_is_written(
    tmp_path: Path, variable: str, value: str
) -> None:
    data = tmp_path / "data"
    with pytest.raises(ConfigError, match=variable):
        load_settings(env_in(data, **{variable: value}))
    assert not data.exists()  # not even the generated secret key


async def test_the_digest_hour(tmp_path: Path) -> None:
    assert load_settings(env_in(tmp_path / "a")).digest_hour == 7
    assert load_settings(env_in(tmp_path / "b", HUB_DIGEST_HOUR="0")).digest_hour == 0
    assert load_settings(env_in(tmp_path / "c", HUB_DIGEST_HOUR="23")).digest_hour == 23


async def test_a_data_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(ConfigError, match="HUB_DATA_DIR"):
        load_settings(env_in(not_a_dir))


async def test_the_secret_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = load_settings(env_in(tmp_path)).secret_key
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings(env_in(tmp_path)).secret_key == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary left
    other = tmp_path / "other"
    assert load_settings(env_in(other)).secret_key != first


async def test_a_kept_key_that_is_too_short_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        load_settings(env_in(tmp_path))


async def test_a_data_dir_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="HUB_DATA_DIR"):
        load_settings(env_in(tmp_path / "file" / "data"))


async def test_the_origin_rule_of_requests_and_sockets(tmp_path: Path) -> None:
    settings = load_settings(
        env_in(
            tmp_path / "data",
            HUB_BASE_URL="https://hub.example.org",
            HUB_ALLOWED_ORIGINS="https://partner.example.org",
        )
    )
    for own in ("https://hub.example.org", "https://hub.example.org/", "http://10.0.0.5:8000"):
        assert settings.origin_allowed(own, "10.0.0.5:8000"), own
    assert settings.origin_allowed("https://partner.example.org", "")
    for foreign in ("https://evil.example", "http://hub.example.org", "null", "http://", ""):
        assert not settings.origin_allowed(foreign, ""), foreign
