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

# 标准对比信息 for the 客户联 (seed 000: "客户联(背面)，作为免费检测服务中，提供给客户的标准对比信息").
# The seed does not give the values: **default** references from GB 7258 where it sets one
# (tread ≥ 1.6 mm, steering play ≤ 15°) and common service practice elsewhere; HQ edits them per
# template version.
REFERENCES = {
    "刹车片厚度": "≥ 3 mm", "刹车盘磨损": "无深沟槽，不低于最小厚度", "制动液液位及含水量": "液位在上下刻度之间，含水量 < 3%",
    "驻车制动": "拉起后坡道驻车有效", "轮胎花纹深度": "≥ 1.6 mm", "轮胎气压": "按车门标签，常见 220–250 kPa",
    "备胎": "气压正常，无老化裂纹", "转向系统间隙": "方向盘自由转动量 ≤ 15°", "减震器及悬挂": "无漏油，无异响",
    "球头及拉杆": "无松旷，防尘套完好", "前照灯及信号灯": "齐全有效", "喇叭": "工作正常",
    "雨刮器及洗涤液": "刮拭干净，液位充足", "蓄电池电压": "静置 12.4–12.8 V", "发动机机油": "油位在上下刻度之间，无乳化",
    "传动皮带": "无裂纹，张紧正常", "排气系统": "无漏气，吊挂牢固", "安全带": "齐全，锁止有效",
    "车门锁及玻璃升降": "工作正常", "后视镜": "齐全，调节正常", "底盘渗漏": "无渗漏",
    "冷却系统检测（免费）": "冰点低于当地最低气温 10 ℃，液位在上下刻度之间",
}


def default_template(session, name: str = "全车21项安全检查+冷却检测") -> ChecklistTemplate:
    existing = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == name)
                              .order_by(ChecklistTemplate.version.desc()))
    if existing is not None:
        return existing
    template = ChecklistTemplate(name=name, version=1, fixed=True, items=[
        ChecklistItem(position=i, name=n, unit=u, safety_critical=s, reference=REFERENCES.get(n))
        for i, (n, u, s) in enumerate(DEFAULT_21, start=1)])
    session.add(template)
    return template
