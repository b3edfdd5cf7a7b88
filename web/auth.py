"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import AuditLog, User, db
from models.base import utcnow
from models.org import verify_nobody

from . import limiter

bp = Blueprint("auth", __name__)
BAD_LOGIN = "用户名或密码错误"
LOCKED = "登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=60)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths; an absolute URL here would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


def _account_key() -> str:
    # Any name typed is counted, existing or not: the lockout must not tell which names exist.
    return "login-account:" + request.form.get("username", "").strip().lower()[:60]


def _failed(response) -> bool:
    return response.status_code == 401


def _audit(action: str, user: User | None, username: str) -> None:
    db.session.add(AuditLog(user_id=user.id if action == "login" and user else None, action=action,
                            entity="User", entity_id=user.id if user else None,
                            detail=f"用户名 {username[:60]}；IP {request.remote_addr}"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed,
               scope="login-ip")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            verify_nobody(form.password.data)
        elif user.check_password(form.password.data) and user.active:
            login_user(user)
            User.stamp_login(db.session, user.id, utcnow())
            _audit("login", user, username)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        _audit("login_failed", user, username)
        db.session.commit()
        flash(BAD_LOGIN, "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


def locked_out(error):
    """429 on the login form: the same words whether or not the account exists."""
    minutes = max(1, -(-error.limit.limit.get_expiry() // 60))
    flash(LOCKED.format(minutes=minutes), "error")
    return render_template("web/login.html", form=LoginForm()), 429


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    User.end_sessions(db.session, current_user.id)  # a copy of the cookie must not live on
    db.session.commit()
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/preferences/locale", methods=["POST"])
@login_required
def set_locale():
    from models.org import LOCALES

    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        return "不支持的界面语言 / unsupported language", 400
    current_user.locale = locale
    db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/")
def root():
    return redirect(url_for("admin.index"))
