"""The patient timeline page's drawing: an inline SVG with one row per timeline item, periods and admissions as bars,
services as marks on their claim's row, NOAs, transfers and discharges as points, and a flag on every item that has
findings. Pure geometry from :meth:`hhbill.claims.Timeline.to_dict` (the same data the page returns as JSON)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

__all__ = ["timeline_chart"]

ROW_HEIGHT = 26
LEFT = 210
TOP = 30
POINT_KINDS = frozenset({"noa", "noa_cancel", "transfer", "discharge"})


def _month_starts(first: date, last: date) -> list[date]:
    day = date(first.year, first.month, 1)
    found = []
    while day <= last:
        if day >= first:
            found.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return found


def _row(index: int, item: dict[str, Any], x: Any, day_width: float) -> dict[str, Any]:
    """One item's row: its bar or point, its service marks and the flag of its worst finding."""
    y = TOP + index * ROW_HEIGHT
    start, end = x(item["start"]), x(item["end"])
    findings = item["findings"]
    worst = next((s for s in ("error", "warning", "info") if any(f["severity"] == s for f in findings)), "")
    timing = item["timing"].split(" ")[0] if item["timing"] else ""
    css = [item["kind"], item["status"], timing, "superseded" if item["superseded"] else ""]
    title = [
        item["label"],
        f"{item['start']} to {item['end']}",
        f"NPI {item['provider_npi']}",
        item["status"],
        item["timing"],
        item["superseded"],
    ]
    return {
        "y": y,
        "label": f"{item['label']} · {item['start']}",
        "kind": item["kind"],
        "css": " ".join(c for c in css if c),
        "point": item["kind"] in POINT_KINDS,
        "x": start,
        "width": max(3.0, round(end - start + day_width, 1)),
        "title": " · ".join(part for part in title if part),
        "marks": [{"x": x(m["date"]), "title": f"{m['date']} {m['discipline']} {m['code']}"} for m in item["marks"]],
        "flag": worst,
        "flag_x": round(end + 10, 1),
        "flag_title": "; ".join(f"{f['severity']} {f['id']}: {f['message']}" for f in findings),
    }


def timeline_chart(data: dict[str, Any], width: int = 960) -> dict[str, Any] | None:
    """Rows (bars, points, marks, finding flags) and axis ticks for the timeline SVG; None with no items."""
    items = data["items"]
    if not items:
        return None
    days = [date.fromisoformat(i["start"]) for i in items] + [date.fromisoformat(i["end"]) for i in items]
    days += [date.fromisoformat(d["date"]) for d in data["next_dates"]]
    first, last = min(days) - timedelta(days=3), max(days) + timedelta(days=3)
    span = max(1, (last - first).days)
    plot = width - LEFT - 20

    def x(day: str | date) -> float:
        value = date.fromisoformat(day) if isinstance(day, str) else day
        return round(LEFT + plot * (value - first).days / span, 1)

    rows = [_row(index, item, x, plot / span) for index, item in enumerate(items)]
    height = TOP + len(items) * ROW_HEIGHT + 30
    ticks = [
        {"x": x(day), "label": day.strftime("%b %Y") if day.month == 1 else day.strftime("%b")}
        for day in _month_starts(first, last)
    ]
    next_dates = [
        {"x": x(d["date"]), "label": d["what"].replace("_", " "), "date": d["date"]} for d in data["next_dates"]
    ]
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "axis_y": height - 24,
        "rows": rows,
        "ticks": ticks,
        "next_dates": next_dates,
        "row_height": ROW_HEIGHT,
    }
