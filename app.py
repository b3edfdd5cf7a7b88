"""Campaign Desk WSGI entry: `gunicorn app:app`, `flask --app app ...`."""
from __future__ import annotations

from flask import Flask

from config import BaseConfig, load_config


def create_app(config: BaseConfig | str | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config if isinstance(config, BaseConfig) else load_config(config))

    from admin import init_admin
    from models import init_db
    from web import init_cli, init_i18n, init_migrate, init_security, init_web
    from web.errors import init_errors

    init_db(app)
    init_migrate(app)
    init_security(app)
    init_i18n(app)
    init_web(app)
    init_errors(app)
    init_admin(app)
    init_cli(app)
    return app


_app: Flask | None = None


def __getattr__(name: str) -> Flask:
    """`app` for gunicorn and the flask CLI, built on first use so importing create_app has no side effects."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_app()
    return _app
