"""Web concerns bound to the app: security, i18n, migrations, blueprints, CLI."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import Babel, LazyString, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from models import User, db
from models.base import LOCAL_TZ
from models.scoping import parse_id

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)

# No inline script: scripts come from this site or carry the request's nonce (Flask-Admin's
# inline <script> blocks get it through Admin(csp_nonce_generator=...)); inline event handlers
# are served by static/campaign-desk.js. Styles stay 'unsafe-inline' for Flask-Admin's and
# Select2's style="" attributes — a style cannot run code.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


def csp_nonce() -> str:
    return getattr(request, "csp_nonce", "")


def init_migrate(app: Flask) -> None:
    migrations = Path(__file__).resolve().parent.parent / "migrations"
    from models.search import include_object

    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True, compare_type=True,
                     include_object=include_object)


def init_security(app: Flask) -> None:
    if app.config["PROXY_HOPS"]:  # the client's address and scheme as the TLS proxy saw them
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    csrf.init_app(app)
    limiter.init_app(app)
    # one Talisman per app: it keeps its settings on itself, not on the app
    Talisman(app, force_https=False, session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
             strict_transport_security=app.config["HSTS"], content_security_policy=CSP,
             content_security_policy_nonce_in=["script-src"], frame_options="SAMEORIGIN",
             referrer_policy="same-origin")

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "id:token" (User.get_id): a cookie signed before logout or a password change names a
        # token the user no longer holds.
        user_id, _, token = session_id.partition(":")
        pk = parse_id(user_id)
        user = db.session.get(User, pk) if pk is not None and token else None
        return user if user is not None and user.active and user.holds_session(token) else None


def select_locale() -> str:
    if not has_request_context():  # CLI, flows, app start-up: the default language
        return "zh_Hans_CN"
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale
    return "en" if request.accept_languages.best_match(["zh", "en"]) == "en" else "zh_Hans_CN"


def bilingual(zh: str, en: str) -> LazyString:
    """A UI string in the user's language; the Chinese seed word is the default."""
    return LazyString(lambda: en if str(get_locale()) == "en" else zh)


def english_name(code: str) -> str:
    """English from the code's own names (DESIGN §1): held_on → "Held on", WorkOrder → "Work order"."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_id", "").replace("_", " ")
    return words[:1].upper() + words[1:].lower()


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(LOCAL_TZ)


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")

    @app.template_filter("choice")
    def choice_filter(obj: object, key: str) -> str:
        """The Chinese label of a coded column value: {{ approval|choice('decision') }} → 批准."""
        value = getattr(obj, key, None)
        column = type(obj).__table__.columns.get(key)
        return (column.info.get("choices") or {}).get(value, value or "") if column is not None else ""

    @app.template_filter("local")
    def local_filter(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else to_local(value).strftime(fmt)


def init_web(app: Flask) -> None:
    from .auth import bp as auth_bp
    from .customer import bp as customer_bp
    from .health import bp as health_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(customer_bp)
    csrf.exempt(customer_bp)  # checked in its views once the link's token is known good
    from reports.qr import public_url, qr_svg

    app.jinja_env.globals.update(public_url=public_url, qr_svg=qr_svg)
    app.register_blueprint(health_bp)
    csrf.exempt(health_bp)


def init_cli(app: Flask) -> None:
    from .cli import register

    register(app)
