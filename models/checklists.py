"""Default inspection templates (seed 000: 全车21项安全检查 + 免费冷却检测)."""
from __future__ import annotations

from sqlalchemy import select

from .campaign import ChecklistItem, ChecklistTemplate

# (name, unit, safety_critical). The seed names the count (21 + cooling), not the items:
# these are HQ-editable data, fixed per campaign as a template version.
DEFAULT_21 = [
    ("刹车片厚度", "mm", True), ("刹车盘磨损", None, True), ("制动液液位及含水量", None, True),
    ("驻车制动", None, True), ("轮胎花纹深度", "mm", True), ("轮胎气压", "kPa", True),
    ("备胎", None, False), ("转向系统间隙", None, True), ("减震器及悬挂", None, True),
    ("球头及拉杆", None, True), ("前照灯及信号灯", None, True), ("喇叭", None, False),
    ("雨刮器及洗涤液", None, False), ("蓄电池电压", "V", False), ("发动机机油", None, False),
    ("传动皮带", None, False), ("排气系统", None, False), ("安全带", None, True),
    ("车门锁及玻璃升降", None, False), ("后视镜", None, False), ("底盘渗漏", None, True),
    ("冷却系统检测（免费）", "℃", False),
]


def default_template(session, name: str = "全车21项安全检查+冷却检测") -> ChecklistTemplate:
    existing = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == name)
                              .order_by(ChecklistTemplate.version.desc()))
    if existing is not None:
        return existing
    template = ChecklistTemplate(name=name, version=1, fixed=True, items=[
        ChecklistItem(position=i, name=n, unit=u, safety_critical=s)
        for i, (n, u, s) in enumerate(DEFAULT_21, start=1)])
    session.add(template)
    return template
