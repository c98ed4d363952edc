"""Server-made SVG: the park map and monthly bar charts. No scripts, no external tiles; every
text is escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from markupsafe import Markup, escape

from hwtrace.services.console import Monthly, Plot
from hwtrace.services.monitoring import Series

COLOURS = {"red": "#d64545", "amber": "#e8a317", "green": "#3a9d5d"}
KIND_SHAPE = {"producer": "rect", "transporter": "diamond", "receiver": "circle", "park": "star"}
PALETTE = ["#3867d6", "#20bf6b", "#fa8231", "#8854d0", "#0fb9b1", "#eb3b5a", "#4b6584", "#f7b731"]


def park_map(plots: list[Plot], link: Callable[[int], str], t: Callable[[str], str]) -> Markup:
    """Return the park drawing: plots at their configured 0–100 coordinates, coloured by risk."""
    w, h = 800, 520
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="map" role="img" '
        f'aria-label="{escape(t("园区地图"))}">',
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#eef3ea" stroke="#9bb08f"/>',
        # roads: a simple grid so the drawing reads as a park
        '<path d="M0 260 H800 M400 0 V520 M0 130 H800 M0 390 H800" stroke="#d3d9cf" '
        'stroke-width="14" fill="none"/>',
    ]
    for p in plots:
        x = 40 + p.x / 100 * (w - 80)
        y = 40 + p.y / 100 * (h - 80)
        colour = COLOURS[p.risk] if p.kind == "producer" else "#6c7a89"
        title = escape(f"{p.name} — " + "；".join(p.reasons)) if p.reasons else escape(p.name)
        out.append(
            f'<a href="{escape(link(p.id))}" class="plot plot-{p.risk}" data-enterprise="{p.id}">'
            f"<title>{title}</title>"
        )
        if p.kind == "producer":
            out.append(
                f'<rect x="{x - 62:.0f}" y="{y - 28:.0f}" width="124" height="56" rx="6" '
                f'fill="{colour}" stroke="#333" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{x:.0f}" y="{y - 4:.0f}" text-anchor="middle" font-size="13" '
                f'fill="#fff">{escape(_short(p.name, 8))}</text>'
            )
            out.append(
                f'<text x="{x:.0f}" y="{y + 15:.0f}" text-anchor="middle" font-size="11" '
                f'fill="#fff">{p.stored_g / 1000:,.0f} kg · {p.fill_pct}%</text>'
            )
        else:
            if p.kind == "receiver":
                out.append(
                    f'<circle cx="{x:.0f}" cy="{y:.0f}" r="20" fill="{colour}" stroke="#333"/>'
                )
            else:
                out.append(
                    f'<polygon points="{x:.0f},{y - 22:.0f} {x + 26:.0f},{y:.0f} '
                    f'{x:.0f},{y + 22:.0f} {x - 26:.0f},{y:.0f}" fill="{colour}" stroke="#333"/>'
                )
            out.append(
                f'<text x="{x:.0f}" y="{y + 38:.0f}" text-anchor="middle" font-size="12" '
                f'fill="#333">{escape(_short(p.name, 12))}</text>'
            )
        if p.alarm_rooms:
            out.append(
                f'<g class="room-alarm"><circle cx="{x + 58:.0f}" cy="{y - 26:.0f}" r="11" '
                f'fill="#b00020" stroke="#fff" stroke-width="2"/><text x="{x + 58:.0f}" '
                f'y="{y - 21:.0f}" text-anchor="middle" font-size="14" font-weight="bold" '
                f'fill="#fff">!</text></g>'
            )
        out.append("</a>")
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(
    series: list[Series], since: dt.datetime, until: dt.datetime, title: str, tz: dt.tzinfo
) -> Markup:
    """Return a time chart of room readings: each sensor's mean as a line over its min–max
    band, times on the axis in the park's time zone."""
    w, h, left, right, top, bottom = 760, 240, 50, 16, 26, 34
    span = max((until - since).total_seconds(), 1.0)
    values = [v for s in series for _, _, lo, hi in s.points for v in (lo, hi)] or [0.0, 1.0]
    lo_v, hi_v = min(values), max(values)
    if hi_v - lo_v < 1e-9:
        lo_v, hi_v = lo_v - 1, hi_v + 1

    def x(t: dt.datetime) -> float:
        return left + (t - since).total_seconds() / span * (w - left - right)

    def y(v: float) -> float:
        return h - bottom - (v - lo_v) / (hi_v - lo_v) * (h - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h + 20}" class="chart" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#555"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        v = lo_v + frac * (hi_v - lo_v)
        out.append(
            f'<line x1="{left}" y1="{y(v):.0f}" x2="{w - right}" y2="{y(v):.0f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 4}" y="{y(v) + 4:.0f}" font-size="10" '
            f'text-anchor="end">{v:.1f}</text>'
        )
    for i in range(5):
        t = since + (until - since) * i / 4
        out.append(
            f'<text x="{x(t):.0f}" y="{h - bottom + 14}" font-size="10" text-anchor="middle">'
            f"{t.astimezone(tz).strftime('%m-%d %H:%M')}</text>"
        )
    for k_i, s in enumerate(series):
        colour = PALETTE[k_i % len(PALETTE)]
        band = [f"{x(t):.1f},{y(hi):.1f}" for t, _, _, hi in s.points]
        band += [f"{x(t):.1f},{y(lo):.1f}" for t, _, lo, _ in reversed(s.points)]
        line = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, m, _, _ in s.points)
        out.append(
            f'<polygon points="{" ".join(band)}" fill="{colour}" opacity="0.18"/>'
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.6" '
            f'class="series" data-kind="{escape(s.kind)}" data-points="{len(s.points)}"/>'
            f'<rect x="{left + k_i * 150}" y="{h + 4}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + k_i * 150 + 16}" y="{h + 14}" font-size="11">'
            f"{escape(s.kind)} ({escape(s.unit_zh)})</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def _short(name: str, n: int) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def bar_chart(data: Monthly, series: dict[str, list[int]], title: str) -> Markup:
    """Return a stacked monthly bar chart (grams shown as kg) with a legend."""
    w, h, left, bottom, top = 760, 300, 60, 40, 30
    n = len(data.months)
    totals = [sum(v[i] for v in series.values()) for i in range(n)]
    peak = max([*totals, 1])
    scale = (h - bottom - top) / peak
    bw = (w - left - 20) / max(n, 1)
    total_h = h + 20 * ((len(series) + 3) // 4)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {total_h}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" stroke="#555"/>',
    ]
    for frac in (0.25, 0.5, 0.75, 1.0):
        yy = h - bottom - frac * peak * scale
        out.append(
            f'<line x1="{left}" y1="{yy:.0f}" x2="{w - 10}" y2="{yy:.0f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{yy + 4:.0f}" font-size="10" text-anchor="end">'
            f"{frac * peak / 1000:,.0f}</text>"
        )
    keys = sorted(series)
    for i, month in enumerate(data.months):
        x = left + i * bw + 4
        y = float(h - bottom)
        for k_i, k in enumerate(keys):
            g = series[k][i]
            if not g:
                continue
            bh = g * scale
            y -= bh
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 8:.1f}" height="{bh:.1f}" '
                f'fill="{PALETTE[k_i % len(PALETTE)]}"><title>{escape(k)} {escape(month)}: '
                f"{g / 1000:,.1f} kg</title></rect>"
            )
        out.append(
            f'<text x="{x + (bw - 8) / 2:.1f}" y="{h - bottom + 14}" font-size="10" '
            f'text-anchor="middle">{escape(month[2:])}</text>'
        )
    for k_i, k in enumerate(keys):
        lx = left + (k_i % 4) * 175
        ly = h + 4 + 20 * (k_i // 4)
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{PALETTE[k_i % len(PALETTE)]}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="11">{escape(k[:12])}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
