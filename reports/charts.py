"""Result charts as PNG pictures, drawn server-side by matplotlib (Agg) in the project's CJK font.

The same bytes go to the dashboard (<img src=…png>) and, as data: URIs, into the closing-report
PDF, so the screen and the paper show one picture. Every function takes the plain KPI data of
models/results.py; each page prints the same numbers in a table beside the chart.
"""
from __future__ import annotations

import base64
import io
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on the server; set before anything imports pyplot

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .fonts import FAMILY, WEIGHTS, ensure_fonts, font_path  # noqa: E402

TITLES = {"funnel": "活动漏斗", "daily": "每日到店与目标", "revenue": "每周营业收入与基期对比",
          "satisfaction": "各项满意度评分分布", "ranking": "特约店排名"}
RANKINGS = {"revenue": "营业收入 (元)", "growth": "收入增长 %", "csi": "满意度 %", "nps": "NPS",
            "arrived": "到店台次", "callbacks": "7日内回访率 %"}
BLUE, GREY, ORANGE = "#2b6cb0", "#a0aec0", "#dd6b20"
SCORE_COLOURS = ["#c53030", "#dd6b20", "#d69e2e", "#68d391", "#2f855a"]
_font_ready: list[bool] = []


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    if not _font_ready:
        ensure_fonts()
        for weight in WEIGHTS:
            font_manager.fontManager.addfont(str(font_path(weight)))
        _font_ready.append(True)
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    ax.set_axisbelow(True)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def render(name: str, data: Any, title: str | None = None) -> bytes:
    """PNG bytes of chart `name` (a key of TITLES) drawn from `data`."""
    fig = _figure(*((7.0, 0.5 + 0.3 * max(len(data), 3)) if name == "ranking" else (7.0, 3.2)))
    ax = fig.add_subplot()
    DRAW[name](ax, data)
    _style(ax, title or TITLES[name])
    for text in ax.findobj(lambda o: hasattr(o, "set_fontfamily")):
        text.set_fontfamily(FAMILY)
    return _png(fig)


def chart_data(name: str, values: dict[str, Any]) -> Any:
    """The part of a KPI dict (models/results.py) that chart `name` draws."""
    return {"funnel": values, "daily": values.get("daily") or [], "revenue": values.get("weekly") or [],
            "satisfaction": values["satisfaction"]["items"]}[name]


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _funnel(ax: Any, kpis: dict) -> None:
    steps = kpis["funnel"]
    labels = [s["label"] for s in steps]
    counts = [s["count"] for s in steps]
    bars = ax.barh(labels, counts, color=BLUE)
    ax.invert_yaxis()
    for bar, step in zip(bars, steps):
        rate = step["rate"]["pct"] if step["rate"] else None
        note = f"{step['count']}" + (f"（{rate}%）" if rate is not None else "")
        ax.annotate(note, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_xlim(0, max(counts + [1]) * 1.25)


def _daily(ax: Any, days: list[dict]) -> None:
    labels = [d["day"][5:] for d in days]
    ax.bar(labels, [d["arrivals"] for d in days], color=BLUE, label="到店")
    targets = [d["target"] if d["target"] is not None else float("nan") for d in days]
    ax.plot(labels, targets, color=ORANGE, marker="o", markersize=3, label="目标")
    ax.legend(prop={"family": FAMILY}, fontsize=8)
    ax.set_xticks(range(0, len(labels), max(1, len(labels) // 10)))
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)


def _revenue(ax: Any, weeks: list[dict]) -> None:
    x = range(len(weeks))
    ax.bar([i - 0.2 for i in x], [float(Decimal(w["revenue"])) for w in weeks], width=0.4, color=BLUE, label="活动期间")
    ax.bar([i + 0.2 for i in x], [float(Decimal(w["baseline"])) for w in weeks], width=0.4, color=GREY, label="基期")
    ax.set_xticks(list(x), [w["week"][5:] for w in weeks])
    ax.set_ylabel("元")
    ax.legend(prop={"family": FAMILY}, fontsize=8)


def _satisfaction(ax: Any, items: dict[str, dict]) -> None:
    names = list(items)
    left = [0] * len(names)
    for score in range(5):
        values = [items[n]["scores"][score] for n in names]
        ax.barh(names, values, left=left, color=SCORE_COLOURS[score], label=f"{score + 1} 分")
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.legend(prop={"family": FAMILY}, fontsize=8, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.12))


def _ranking(ax: Any, rows: list[tuple[str, float]]) -> None:
    ax.barh([name for name, _ in rows], [value for _, value in rows], color=BLUE)
    ax.invert_yaxis()


DRAW = {"funnel": _funnel, "daily": _daily, "revenue": _revenue, "satisfaction": _satisfaction,
        "ranking": _ranking}
