"""Flask-Admin: menu grouped by phase; every screen is a SecureModelView."""
from __future__ import annotations

import time

from flask import Flask, current_app
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from jinja2 import BaseLoader, Environment

from web import bilingual, csp_nonce, english_name

from .base import TRANSLATIONS, HomeView

CATEGORIES = {"提出": "Planning", "准备": "Preparation", "申请": "Application", "执行": "Execution",
              "测评": "Evaluation", "基础数据": "Base data", "系统": "System"}


class HandlersAsData(BaseLoader):
    """Flask-Admin's templates with onclick="…" renamed to data-onclick="…": under the CSP the
    browser would refuse (and report) them; static/campaign-desk.js runs what they name."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: Environment, template: str):
        source, filename, uptodate = self.inner.get_source(environment, template)
        if filename and "/flask_admin/templates/" in filename:
            source = source.replace(' onclick="', ' data-onclick="')
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


class HQLink(MenuLink):
    """The Prefect UI shows every campaign and every dealer: for the HQ administrator only."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.role == "hq_admin"


def init_admin(app: Flask) -> Admin:
    app.jinja_env.loader = HandlersAsData(app.jinja_env.loader)
    from .gates import GateView
    from .awards import AwardView
    from .results import ResultsView
    from .verification import VerificationView
    from .packet import PacketView
    from .views import SCREENS

    admin = Admin(app, name="服务活动管理台", index_view=HomeView(name=bilingual("首页", "Home"), url="/admin"),
                  translations_path=str(TRANSLATIONS),
                  theme=Bootstrap4Theme(swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=True,
                                        base_template="admin/campaign_base.html"),
                  csp_nonce_generator=csp_nonce)
    by_category = {c: [s for s in SCREENS if s[2] == c] for c in CATEGORIES}
    for category in CATEGORIES:
        for view_cls, model, _, name in by_category[category]:
            admin.add_view(view_cls(model, name=bilingual(name, english_name(model.__name__)),
                                    category=bilingual(category, CATEGORIES[category]),
                                    endpoint=model.__tablename__))
    admin.add_view(ResultsView(name=bilingual("活动测评", "Campaign results"), url="/admin/results",
                               category=bilingual("测评", CATEGORIES["测评"])))
    admin.add_view(VerificationView(name=bilingual("呼叫中心核实", "Call-center verification"),
                                    category=bilingual("测评", CATEGORIES["测评"])))
    admin.add_view(AwardView(name=bilingual("评选/奖励", "Awards"), category=bilingual("测评", CATEGORIES["测评"])))
    admin.add_view(GateView(name=bilingual("活动关口", "Campaign gates"),
                            category=bilingual("系统", CATEGORIES["系统"])))
    admin.add_view(PacketView(name=bilingual("现场辅导资料包", "Coaching packet")))
    admin.add_link(HQLink(name=bilingual("Prefect 流程", "Prefect runs"), url=app.config["PREFECT_UI_URL"],
                            category=bilingual("系统", CATEGORIES["系统"])))
    app.context_processor(lambda: {"flow_engine_problem": flow_engine_problem})
    return admin


_STATUS: dict[str, tuple[float, str]] = {}  # api url → (checked at, problem): one check per 10 s


def flow_engine_problem() -> str:
    """For HQ's banner: why approvals cannot move runs on right now ("" when they can)."""
    from workflows.client import flow_engine_status

    url = current_app.config["PREFECT_API_URL"]
    checked, problem = _STATUS.get(url, (0.0, ""))
    if time.monotonic() - checked > 10:
        problem = flow_engine_status(url).problem()
        _STATUS[url] = (time.monotonic(), problem)
    return problem
