"""Flask-Admin: menu grouped by phase; every screen is a SecureModelView."""
from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme

from .base import HomeView

CATEGORIES = ["提出", "准备", "申请", "执行", "测评", "基础数据", "系统"]


def init_admin(app: Flask) -> Admin:
    from .gates import GateView
    from .views import SCREENS

    admin = Admin(app, name="服务活动管理台", index_view=HomeView(name="首页", url="/admin"),
                  theme=Bootstrap4Theme(swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=True,
                                        base_template="admin/campaign_base.html"))
    by_category = {c: [s for s in SCREENS if s[2] == c] for c in CATEGORIES}
    for category in CATEGORIES:
        for view_cls, model, _, name in by_category[category]:
            admin.add_view(view_cls(model, name=name, category=category,
                                    endpoint=model.__tablename__))
    admin.add_view(GateView())
    admin.add_link(MenuLink(name="Prefect 流程", url=app.config["PREFECT_UI_URL"], category="系统"))
    return admin
