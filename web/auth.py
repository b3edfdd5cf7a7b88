"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import User, db
from models.audit import record
from models.base import utcnow

bp = Blueprint("auth", __name__)
BAD_LOGIN = "用户名或密码错误"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=60)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths; an absolute URL here would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            user.last_login_at = utcnow()
            record(db.session, user=user, action="login", entity=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(BAD_LOGIN, "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
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
