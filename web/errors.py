"""One error policy: every refused request gets a Chinese page with its 4xx status, never Werkzeug's
English default; an expected failure is never a 500."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from models import db

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请检查后重试。"),
    403: ("没有权限", "您的角色不能访问此页面。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或不属于您的特约店。"),
    405: ("操作不允许", "此页面不支持这种操作方式，请从页面上的按钮进入。"),
    409: ("数据冲突", "此记录刚刚已被他人修改或处理，请刷新页面后重试。"),
    410: ("页面已失效", "此页面已失效，请重新开始操作。"),
    413: ("内容过大", "提交的内容超过了上限，未保存任何数据。"),
    415: ("文件类型不支持", "只能上传 .xlsx 或 .csv 文件。"),
    429: ("操作过于频繁", "请求过于频繁，请稍后再试。"),
    500: ("系统出错", "系统处理时出错，未保存任何数据。请稍后重试；如反复出现，请联系总部管理员。"),
}
CSRF = ("页面已过期", "页面已过期或缺少安全校验，未保存任何数据。请刷新页面后重新提交。")


def error_page(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render_template("web/error.html", status=status, title=title or default_title,
                           message=message or default_message), status


def init_errors(app: Flask) -> None:
    from .auth import locked_out

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return error_page(400, *CSRF)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        if request.endpoint == "auth.login":
            return locked_out(error)
        return error_page(429)

    # The net under the views' own checks: a value the database cannot hold (a 40-digit id) and a
    # write that lost a race to another user are the user's or the moment's fault, not a crash.
    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def unusable_value(error: Exception):
        db.session.rollback()
        return error_page(400, message="请求中的数值超出范围或格式不正确，未保存任何数据。")

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def lost_race(error: Exception):
        db.session.rollback()
        return error_page(409)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.response is not None:
            return error  # redirects and ready-made responses pass through
        return error_page(error.code)
