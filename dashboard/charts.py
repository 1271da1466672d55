"""Charts as server-rendered inline SVG: no JavaScript, no CDN, readable without colour.

Each chart is an ``<svg role="img">`` with a title and a description; the pages put the same
numbers in a table beside it, for screen readers and for copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.numbers import format_compact_decimal
from markupsafe import Markup, escape

from core.money import DEFAULT_LOCALE, major_unit, normalize_locale

# Colour-blind-safe (Okabe–Ito) colours, each series also with its own dash pattern.
SERIES_STYLE = {
    "funded": ("#0072B2", ""),
    "committed": ("#D55E00", "6 4"),
    "paid": ("#009E73", ""),
    "refunded": ("#CC79A7", "2 3"),
}
TARGET_COLOUR = "#56606b"
REACHED_COLOUR = "#0072B2"


@dataclass(frozen=True)
class Series:
    key: str
    label: str


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _amount_label(minor: float, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """A short axis label in major units of ``currency`` (``4.5K``, ``45K``, ``1.2M``; JPY
    amounts are not divided by 100), as ``locale`` abbreviates numbers."""
    value = minor / major_unit(currency)
    return format_compact_decimal(value, locale=normalize_locale(locale), fraction_digits=1)


def _time_label(at: datetime, span_s: float) -> str:
    """Always a date (a brand reads a report by calendar days); the time of day too when the
    whole chart spans less than two days."""
    day = f"{at.day} {at.strftime('%b %Y')}"
    return f"{day} {at.strftime('%H:%M')}" if span_s < 2 * 86_400 else day


def spend_chart(
    points: Sequence[dict[str, object]],
    series: Sequence[Series],
    currency: str,
    *,
    title: str,
    now: datetime,
    locale: str = DEFAULT_LOCALE,
    width: int = 720,
    height: int = 300,
) -> Markup:
    """A step chart of cumulative amounts over time (one line per series)."""
    left, right, top, bottom = 64, 16, 40, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    times = [p["at"] for p in points]
    start = times[0] if times else now
    end = max(now, times[-1]) if times else now
    span = max((end - start).total_seconds(), 1.0)  # type: ignore[operator]
    top_value = max([float(p[s.key]) for p in points for s in series] + [1.0])  # type: ignore[arg-type]
    ticks = nice_ticks(top_value)
    y_max = ticks[-1]

    def x(at: datetime) -> float:
        return left + plot_w * (at - start).total_seconds() / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    desc = (
        "; ".join(
            f"{s.label} {_amount_label(float(points[-1][s.key]), currency, locale)} {currency}"  # type: ignore[arg-type]
            for s in series
        )
        if points
        else "no money has moved yet"
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="spend-title spend-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="spend-title">{escape(title)}</title>',
        f'<desc id="spend-desc">Amounts now: {escape(desc)}.</desc>',
    ]
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" class="grid"/>'
            f'<text x="{left - 8}" y="{ty + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(_amount_label(tick, currency, locale))}</text>"
        )
    shown: set[str] = set()
    for frac in (0.0, 0.5, 1.0):
        at = start + (end - start) * frac  # type: ignore[operator]
        label = _time_label(at, span)
        if label in shown:  # a chart of a few minutes: one date is enough
            continue
        shown.add(label)
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        parts.append(
            f'<text x="{left + plot_w * frac:.1f}" y="{height - 12}" text-anchor="{anchor}" '
            f'class="tick">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{left - 8}" y="{top - 14}" text-anchor="end" class="tick">{escape(currency)}</text>'
    )
    legend_x = left
    for s in series:
        colour, dash = SERIES_STYLE.get(s.key, ("#333", ""))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 22}" y1="{top - 20}" y2="{top - 20}" '
            f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
            f'<text x="{legend_x + 28}" y="{top - 16}" class="legend">{escape(s.label)}</text>'
        )
        legend_x += 40 + 8 * len(s.label)
    if points:
        for s in series:
            colour, dash = SERIES_STYLE.get(s.key, ("#333", ""))
            coords: list[str] = []
            previous = 0.0
            for p in points:
                px = x(p["at"])  # type: ignore[arg-type]
                coords.append(f"{px:.1f},{y(previous):.1f}")
                previous = float(p[s.key])  # type: ignore[arg-type]
                coords.append(f"{px:.1f},{y(previous):.1f}")
            coords.append(f"{x(end):.1f},{y(previous):.1f}")
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
                f'stroke-width="{3 if s.key == "paid" else 2.5}"{dash_attr}/>'
            )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" class="axis"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def compare_bars(
    rows: Sequence[tuple[str, float, float | None]],
    *,
    title: str,
    chart_id: str,
    reached_label: str = "Reached",
    width: int = 400,
) -> Markup:
    """Horizontal bars per key: the target share above, the reached share below (0–100 %)."""
    label_w, right, top = 96, 48, 34
    bar_h, gap = 12, 12
    row_h = 2 * bar_h + gap
    height = top + row_h * max(len(rows), 1) + 8
    plot_w = width - label_w - right
    summary = "; ".join(
        f"{label}: target {target * 100:.0f} %, {reached_label.lower()} "
        + (f"{reached * 100:.0f} %" if reached is not None else "no data")
        for label, target, reached in rows
    )
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
        f'<rect x="{label_w}" y="8" width="12" height="12" fill="{TARGET_COLOUR}"/>'
        f'<text x="{label_w + 18}" y="18" class="legend">Target</text>'
        f'<rect x="{label_w + 80}" y="8" width="12" height="12" fill="{REACHED_COLOUR}"/>'
        f'<text x="{label_w + 98}" y="18" class="legend">{escape(reached_label)}</text>',
    ]
    for i, (label, target, reached) in enumerate(rows):
        y0 = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + bar_h + 4}" text-anchor="end" class="tick">'
            f"{escape(label)}</text>"
        )
        tw = plot_w * max(0.0, min(target, 1.0))
        parts.append(
            f'<rect x="{label_w}" y="{y0}" width="{tw:.1f}" height="{bar_h}" fill="{TARGET_COLOUR}"/>'
            f'<text x="{label_w + tw + 4:.1f}" y="{y0 + bar_h - 2}" class="value">'
            f"{target * 100:.0f} %</text>"
        )
        if reached is not None:
            rw = plot_w * max(0.0, min(reached, 1.0))
            parts.append(
                f'<rect x="{label_w}" y="{y0 + bar_h}" width="{rw:.1f}" height="{bar_h}" '
                f'fill="{REACHED_COLOUR}"/>'
                f'<text x="{label_w + rw + 4:.1f}" y="{y0 + 2 * bar_h - 2}" class="value">'
                f"{reached * 100:.0f} %</text>"
            )
    parts.append(
        f'<line x1="{label_w}" x2="{label_w}" y1="{top - 4}" y2="{height - 8}" class="axis"/></svg>'
    )
    return Markup("".join(parts))


# Trend lines: Okabe–Ito colours, each line also with its own dash pattern and marker shape.
TREND_STYLES = (
    ("#0072B2", ""),
    ("#D55E00", "6 4"),
    ("#009E73", "2 3"),
    ("#CC79A7", "8 3 2 3"),
    ("#E69F00", "4 2"),
    ("#56B4E9", "1 3"),
)


def week_label(day: date) -> str:
    """``30 Nov``: a week by the date of its Monday (the axis title carries the year)."""
    return f"{day.day} {day.strftime('%b')}"


def trend_chart(
    weeks: Sequence[date],
    lines: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    chart_id: str,
    width: int = 720,
    height: int = 300,
) -> Markup:
    """Shares (0–1) of a few tags week by week; a suppressed week (``None``) is a gap."""
    left, right, top, bottom = 52, 24, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, shares in lines for v in shares if v is not None]
    ticks = nice_ticks(max(values + [0.01]) * 100)
    y_max = ticks[-1] / 100
    step = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return left + (step * i if len(weeks) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    def pct(v: float | None) -> str:
        return "not shown" if v is None else f"{v * 100:.1f} %"

    desc = "; ".join(
        f"{tag}: "
        + ", ".join(f"{week_label(w)} {pct(v)}" for w, v in zip(weeks, shares, strict=True))
        for tag, shares in lines
    )
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc or "No tag reaches the floor yet.")}</desc>',
    ]
    for tick in ticks:
        ty = y(tick / 100)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" class="grid"/>'
            f'<text x="{left - 8}" y="{ty + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick:g} %</text>"
        )
    every = max(1, math.ceil(len(weeks) / 7))  # at most about seven date labels
    for i, week in enumerate(weeks):
        if i % every == 0 or i == len(weeks) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 18}" text-anchor="middle" class="tick">'
                f"{escape(week_label(week))}</text>"
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 2}" text-anchor="middle" class="tick">'
        f"Week beginning (Monday, {weeks[-1].year if weeks else ''})</text>"
    )
    for n, (_tag, shares) in enumerate(lines):
        colour, dash = TREND_STYLES[n % len(TREND_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[str]] = [[]]
        for i, v in enumerate(shares):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
            for point in run:
                px, py = point.split(",")
                parts.append(f'<circle cx="{px}" cy="{py}" r="3.5" fill="{colour}"/>')
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y(0):.1f}" y2="{y(0):.1f}" class="axis"/>'
        "</svg>"
    )
    return Markup("".join(parts))


def trend_legend(lines: Sequence[tuple[str, Sequence[float | None]]]) -> Markup:
    """The trend chart's key as HTML (it stays on screen when the chart scrolls on a phone):
    each tag's line style and its latest shown share."""
    items = []
    for n, (tag, shares) in enumerate(lines):
        colour, dash = TREND_STYLES[n % len(TREND_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        last = next((v for v in reversed(shares) if v is not None), None)
        items.append(
            f'<li><svg width="28" height="10" aria-hidden="true" focusable="false">'
            f'<line x1="1" x2="27" y1="5" y2="5" stroke="{colour}" stroke-width="3"{dash_attr}/>'
            f"</svg> {escape(tag)}"
            + (f" <strong>{last * 100:.0f} %</strong>" if last is not None else "")
            + "</li>"
        )
    return Markup(f'<ul class="trend-legend">{"".join(items)}</ul>')
