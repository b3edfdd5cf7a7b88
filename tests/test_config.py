import pytest

from app import create_app
from config import ConfigError, load_config


def test_it_refuses_a_bad_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://x@y/z")
    with pytest.raises(ConfigError, match="DATABASE_URL='mysql://x@y/z'"):
        load_config("development")


def test_it_refuses_garbage_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    with pytest.raises(ConfigError, match="DATABASE_URL='not a url' is not a database URL"):
        create_app("development")


def test_it_refuses_production_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config("production")


def test_it_starts_production_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    config = load_config("production")
    assert config.SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize("name,value,message", [
    ("SMTP_PORT", "twenty-five", "SMTP_PORT='twenty-five' is not an integer"),
    ("SMTP_PORT", "0", "SMTP_PORT='0' must be at least 1"),
    ("MAX_UPLOAD_MB", "-3", "MAX_UPLOAD_MB='-3' must be at least 1"),
    ("PHONE_LIMIT_PER_LINK", "lots", "PHONE_LIMIT_PER_LINK='lots' is not a rate limit"),
])
def test_it_names_the_bad_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config("development")


def test_it_refuses_an_unknown_environment(monkeypatch):
    with pytest.raises(ConfigError, match="CAMPAIGN_DESK_ENV='staging'"):
        load_config("staging")


def test_it_upgrades_bare_postgresql_urls_to_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/campaign")
    assert load_config("development").SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")


def test_it_makes_a_random_secret_key_in_instance_when_none_is_set(monkeypatch, tmp_path):
    import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "instance")
    first = load_config("development").SECRET_KEY
    assert len(first) == 64 and first != "dev-only-not-secret"
    assert load_config("development").SECRET_KEY == first  # kept: sessions survive a restart
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "other")
    assert load_config("development").SECRET_KEY != first


def test_it_refuses_a_short_secret_key_in_production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config("production")
