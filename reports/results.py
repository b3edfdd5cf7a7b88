"""The KPI dicts of models/results.py laid out as titled tables: one layout for the dashboard,
the closing report (HTML and PDF) and the Excel export, so all three show the same cells."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from models.results import DASH, show

from .charts import RANKINGS, TITLES


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: str | None = None          # a key of reports.charts.TITLES drawn from the same data
    notes: list[str] = field(default_factory=list)


def shown_rate(r: dict | None) -> str:
    """"55.6 %（5/9）": the share with what it is made of; "—" without a denominator."""
    if not r:
        return DASH
    return f"{show(r)}（{r['num']}/{r['den']}）" if r["pct"] is not None else f"{DASH}（{r['num']}/{r['den']}）"


def sections(values: dict[str, Any]) -> list[Section]:
    rev, sat, nps = values["revenue"], values["satisfaction"], values["nps"]
    comp, cost = values["complaints"], values["cost"]
    out = [
        Section("goals", "目标达成", ["目标指标", "目标值", "单位", "实际", "达成率"],
                [[g["metric"], g["target"], g["unit"], show(g["actual"]), shown_rate(g["attainment"])]
                 for g in values.get("goals", [])],
                notes=[] if values.get("goals") else ["活动计划会议表（已批准）中没有目标行"]),
        Section("funnel", TITLES["funnel"], ["环节", "数量", "较上一环节转化率"],
                [[f["label"], f["count"], shown_rate(f["rate"]) if f["rate"] else ""] for f in values["funnel"]]
                + [["非邀约到店（另计）", values["walk_ins"], ""], ["参与顾客（去重）", values["participants"], ""]],
                chart="funnel"),
    ]
    if values.get("daily") is not None:
        out.append(Section("daily", TITLES["daily"], ["日期", "到店台次", "目标台次"],
                           [[d["day"], d["arrivals"], show(d["target"])] for d in values["daily"]
                            if d["arrivals"] or d["target"] is not None], chart="daily"))
    out.append(Section("revenue", "营业收入与基期对比", ["项目", "数值"], [
        ["活动期间营业收入 (元)", rev["revenue"]], ["基期营业收入 (元)", show(rev["baseline"])],
        ["增长额 (元)", show(rev["growth"])], ["增长率", shown_rate(rev["growth_rate"])],
        ["进厂台次", rev["visits"]], ["单车产值 (元)", show(rev["per_vehicle"])],
        ["基期单车产值 (元)", show(rev["baseline_per_vehicle"])], ["工单成交金额 (元)", rev["paid_revenue"]]]))
    if values.get("weekly") is not None:
        out.append(Section("weekly", "营业收入状况分析表（按周）",
                           ["周起始日", "营业收入 (元)", "基期营业收入 (元)", "增长率", "进厂台次", "基期进厂台次"],
                           [[w["week"], w["revenue"], w["baseline"], shown_rate(w["growth"]), w["visits"],
                             w["baseline_visits"]] for w in values["weekly"]], chart="revenue"))
    out += [
        Section("satisfaction", TITLES["satisfaction"], ["评分项目", "1分", "2分", "3分", "4分", "5分", "满意度 (4-5分)"],
                [[item, *v["scores"], shown_rate(v["csi"])] for item, v in sat["items"].items()]
                + [["全部评分", "", "", "", "", "", shown_rate(sat["csi"])]],
                chart="satisfaction" if sat["items"] else None,
                notes=[f"满意度目标 ≥ {sat['target']} %"]),
        Section("nps", "NPS 净推荐值", ["推荐者 (9-10分)", "贬损者 (0-6分)", "回答人数", "NPS"],
                [[shown_rate(nps["promoters"]), shown_rate(nps["detractors"]), nps["answers"], show(nps["score"])]]),
        Section("followup", "回访与投诉", ["项目", "数值"], [
            ["7日内回访率", shown_rate(values["callbacks"]["in_7_days"])], ["投诉件数", comp["count"]],
            ["投诉结案率", shown_rate(comp["closed"])], ["结案时长中位数 (小时)", show(comp["median_hours"])],
            ["超过24小时未受理", comp["over_24h"]], ["超过48小时未解决", comp["over_48h"]]]),
        Section("cost", "费用分析", ["费用项目", "预算 (元)", "实际 (元)"],
                [[p["label"], p["budget"], show(p["actual"])] for p in cost["parts"]]
                + [["合计", cost["budget"], show(cost["actual"])],
                   ["每位参与顾客费用", "", show(cost["per_participant"])],
                   ["每元增收所用费用", "", show(cost["per_extra_yuan"])]]),
    ]
    return out


# --- the dealers of a campaign side by side ----------------------------------------------------------
COLUMNS = {  # key: (header, value for sorting, text)
    "arrived": ("到店台次", lambda v: v["funnel"][2]["count"] + v["walk_ins"], None),
    "inspected": ("检测台次", lambda v: v["funnel"][3]["count"], None),
    "paid": ("成交台次", lambda v: v["funnel"][4]["count"], None),
    "revenue": ("营业收入 (元)", lambda v: Decimal(v["revenue"]["revenue"]), None),
    "growth": ("收入增长", lambda v: v["revenue"]["growth_rate"]["pct"], lambda v: shown_rate(v["revenue"]["growth_rate"])),
    "csi": ("满意度 (4-5分)", lambda v: v["satisfaction"]["csi"]["pct"], lambda v: shown_rate(v["satisfaction"]["csi"])),
    "nps": ("NPS", lambda v: v["nps"]["score"], lambda v: show(v["nps"]["score"])),
    "callbacks": ("7日内回访率", lambda v: v["callbacks"]["in_7_days"]["pct"],
                  lambda v: shown_rate(v["callbacks"]["in_7_days"])),
    "complaints": ("投诉结案率", lambda v: v["complaints"]["closed"]["pct"], lambda v: shown_rate(v["complaints"]["closed"])),
}


def sort_value(values: dict[str, Any], key: str) -> Decimal | None:
    raw = COLUMNS[key][1](values)
    return None if raw is None else Decimal(str(raw))


def dealer_table(rows: list[tuple[str, dict[str, Any]]], sort: str = "revenue", descending: bool = True) -> Section:
    """特约店 × KPI, sorted by `sort`; dealers without that figure ("—") come last either way."""
    sort = sort if sort in COLUMNS else "revenue"
    known = [r for r in rows if sort_value(r[1], sort) is not None]
    unknown = [r for r in rows if sort_value(r[1], sort) is None]
    known.sort(key=lambda r: sort_value(r[1], sort), reverse=descending)
    body = [[name, *((text or (lambda v, get=get: get(v)))(v) for _, get, text in COLUMNS.values())]
            for name, v in known + unknown]
    return Section("dealers", "各特约店指标", ["特约店", *(h for h, _, _ in COLUMNS.values())], body)


def ranking(rows: list[tuple[str, dict[str, Any]]], metric: str, top: int = 20) -> list[tuple[str, float]]:
    """(dealer, value) of the best `top` dealers by one of RANKINGS, for the ranking chart."""
    metric = metric if metric in RANKINGS else "revenue"
    scored = [(name, sort_value(v, metric)) for name, v in rows]
    scored = sorted([(n, float(s)) for n, s in scored if s is not None], key=lambda r: r[1], reverse=True)
    return scored[:top]


def weekly_by_dealer(weeks: list[dict[str, Any]]) -> Section:
    return Section("weekly_dealers", "营业收入状况分析表（各店按周）",
                   ["特约店", "周起始日", "营业收入 (元)", "基期营业收入 (元)", "增长率", "进厂台次", "基期进厂台次"],
                   [[w["dealer"], w["week"], w["revenue"], w["baseline"], shown_rate(w["growth"]), w["visits"],
                     w["baseline_visits"]] for w in weeks])


def advisor_table(rows: list[tuple[str, dict[str, Any]]]) -> Section:
    """服务顾问 × the KPIs that have an advisor: arrivals on, paid amounts, CSI, NPS, callbacks."""
    return Section("advisors", "各服务顾问指标",
                   ["服务顾问", "到店台次", "检测台次", "成交台次", "工单成交金额 (元)", "满意度 (4-5分)", "NPS", "7日内回访率"],
                   [[name, v["funnel"][2]["count"] + v["walk_ins"], v["funnel"][3]["count"], v["funnel"][4]["count"],
                     v["revenue"]["paid_revenue"], shown_rate(v["satisfaction"]["csi"]), show(v["nps"]["score"]),
                     shown_rate(v["callbacks"]["in_7_days"])] for name, v in rows])


def excel_sheets(values: dict[str, Any], *extra: Section) -> list[tuple[str, list, list]]:
    """(sheet title, headers, rows) for every table of a results page, `extra` tables first."""
    return [(s.title, s.headers, s.rows) for s in (*extra, *sections(values))]
