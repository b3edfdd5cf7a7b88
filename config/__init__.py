"""Settings read from the environment through typed helpers.

A bad value stops start-up with a message naming the variable and the value
(healthchecks' style), instead of surfacing later as a confusing runtime error.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
NO_SECRET_KEY = ("SECRET_KEY must be set to a random value of at least 16 characters in production "
                 "(e.g. python -c 'import secrets; print(secrets.token_hex())')")


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_database_url(name: str, default: str) -> str:
    raw = os.environ.get(name) or default
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"{name}={raw!r} is not a database URL "
                          "(expected sqlite:///path or postgresql+psycopg://user@host/db)") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"{name}={raw!r}: only sqlite and postgresql are supported")
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the installed driver; bare postgresql:// would ask for psycopg2.
        raw = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return raw


def instance_secret(directory: Path) -> str:
    """A random key kept in instance/secret_key, made on first start: a key in the code would be
    public, and with it anyone can sign a session cookie for any user."""
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        draft = directory / f".secret_key.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # complete or absent, never half-written; the first worker wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def env_rate(name: str, default: str) -> str:
    """A rate limit in Flask-Limiter's words ("20 per minute", "5/second; 100/hour")."""
    from limits import parse_many

    raw = os.environ.get(name) or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a rate limit (e.g. '20 per minute')") from None
    return raw


class BaseConfig:
    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self.default_secret_key()
        self.SQLALCHEMY_DATABASE_URI = env_database_url(
            "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'campaign_desk.db'}")
        self.PREFECT_API_URL = env_str("PREFECT_API_URL", "http://127.0.0.1:4200/api")
        self.PREFECT_UI_URL = env_str("PREFECT_UI_URL", "http://127.0.0.1:4200")
        self.PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:5000")  # in the QR codes
        self.SIGN_IN_LIST_REFRESH_SECONDS = env_int("SIGN_IN_LIST_REFRESH_SECONDS", 10, minimum=2)
        self.SMTP_HOST = env_str("SMTP_HOST", "")
        self.SMTP_PORT = env_int("SMTP_PORT", 25, minimum=1)
        self.MAIL_FROM = env_str("MAIL_FROM", "campaign-desk@localhost")
        self.MAX_CONTENT_LENGTH = env_int("MAX_UPLOAD_MB", 20, minimum=1) * 1024 * 1024
        self.IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000, minimum=1)
        # files at least this large are checked and written by the import-file flow, with a progress page
        self.IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 512 * 1024, minimum=0)
        self.PACKET_DIR = env_str("PACKET_DIR", "")  # default: instance/packets
        self.WKHTMLTOPDF = env_str("WKHTMLTOPDF", "/usr/bin/wkhtmltopdf")
        self.BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.FLASK_ADMIN_SWATCH = "cerulean"
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        self.WTF_CSRF_TIME_LIMIT = None  # a coordinator's form may stay open all day
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False
        self.HSTS = False
        # memory:// is per process; give several gunicorn workers a shared redis:// or memcached://.
        self.RATELIMIT_STORAGE_URI = env_str("RATELIMIT_STORAGE_URI", "memory://")
        # The customers' phone pages: a shop's guests share its Wi-Fi address, so the per-address
        # limit is generous; one link is pressed by one customer.
        self.PHONE_LIMIT_PER_IP = env_rate("PHONE_LIMIT_PER_IP", "300 per minute")
        self.PHONE_LIMIT_PER_LINK = env_rate("PHONE_LIMIT_PER_LINK", "20 per minute")
        self.PHONE_LIMIT_PER_POSTER = env_rate("PHONE_LIMIT_PER_POSTER", "200 per minute")
        # Sign-in throttling: failed attempts per user name and per client address.
        self.LOGIN_LIMIT_PER_ACCOUNT = env_rate("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
        self.LOGIN_LIMIT_PER_IP = env_rate("LOGIN_LIMIT_PER_IP", "30 per 15 minutes")
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0, minimum=0)  # trusted proxies setting X-Forwarded-*

    def default_secret_key(self) -> str:
        return instance_secret(INSTANCE)


class DevelopmentConfig(BaseConfig):
    DEBUG = False


class TestConfig(BaseConfig):
    __test__ = False  # a settings class, not a pytest test case

    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = env_database_url("TEST_DATABASE_URL", "sqlite://")

    def default_secret_key(self) -> str:
        return secrets.token_hex(32)


class ProductionConfig(BaseConfig):
    def __init__(self) -> None:
        super().__init__()
        if len(self.SECRET_KEY) < 16:
            raise ConfigError(NO_SECRET_KEY)
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
        self.HSTS = env_bool("HSTS", True)  # production runs behind TLS

    def default_secret_key(self) -> str:
        raise ConfigError(NO_SECRET_KEY)  # several machines share one key: a per-machine file would not do


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> BaseConfig:
    name = name or env_str("CAMPAIGN_DESK_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"CAMPAIGN_DESK_ENV={name!r} must be one of {', '.join(CONFIGS)}") from None
