"""The report's forecast-against-actual chart: server-rendered SVG (no script, no CDN), read
without colour (the forecast is an outline, the actual a solid bar, each with its number)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from dashboard.charts import nice_ticks

FORECAST_COLOUR = "#56606b"
ACTUAL_COLOUR = "#0072B2"


def forecast_actual_chart(
    rows: Sequence[tuple[str, int, int | None]], *, title: str, width: int = 560
) -> Markup:
    """Per creator: forecast engaged people (outlined bar) and actual engagements (solid bar,
    "not measured" when None)."""
    label_w, right, top = 120, 70, 34
    bar_h, gap = 14, 14
    row_h = 2 * bar_h + gap
    height = top + row_h * max(len(rows), 1) + 24
    plot_w = width - label_w - right
    top_value = max([float(f) for _, f, _ in rows] + [float(a or 0) for _, _, a in rows] + [1.0])
    ticks = nice_ticks(top_value)
    x_max = ticks[-1]

    def w(value: float) -> float:
        return plot_w * value / x_max

    summary = "; ".join(
        f"{label}: forecast {forecast:,}, actual "
        + (f"{actual:,}" if actual is not None else "not measured yet")
        for label, forecast, actual in rows
    )
    parts = [
        f'<svg class="chart fva" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="fva-title fva-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="fva-title">{escape(title)}</title>',
        f'<desc id="fva-desc">{escape(summary)}</desc>',
        f'<rect x="{label_w}" y="8" width="12" height="12" fill="none" stroke="{FORECAST_COLOUR}" '
        f'stroke-width="2"/><text x="{label_w + 18}" y="18" class="legend">Forecast engaged</text>'
        f'<rect x="{label_w + 150}" y="8" width="12" height="12" fill="{ACTUAL_COLOUR}"/>'
        f'<text x="{label_w + 168}" y="18" class="legend">Actual engagements</text>',
    ]
    for tick in ticks:
        tx = label_w + w(tick)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 20}" class="grid"/>'
            f'<text x="{tx:.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
            f"{tick:,.0f}</text>"
        )
    for i, (label, forecast, actual) in enumerate(rows):
        y0 = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + bar_h + 4}" text-anchor="end" class="tick">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y0}" width="{max(w(forecast), 1):.1f}" height="{bar_h}" '
            f'fill="#ffffff" stroke="{FORECAST_COLOUR}" stroke-width="2"/>'
            f'<text x="{label_w + w(forecast) + 4:.1f}" y="{y0 + bar_h - 3}" class="value">'
            f"{forecast:,}</text>"
        )
        if actual is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y0 + 2 * bar_h - 2}" class="value">'
                "not measured yet</text>"
            )
        else:
            parts.append(
                f'<rect x="{label_w}" y="{y0 + bar_h}" width="{w(actual):.1f}" height="{bar_h}" '
                f'fill="{ACTUAL_COLOUR}"/>'
                f'<text x="{label_w + w(actual) + 4:.1f}" y="{y0 + 2 * bar_h - 2}" class="value">'
                f"{actual:,}</text>"
            )
    parts.append(
        f'<line x1="{label_w}" x2="{label_w}" y1="{top - 4}" y2="{height - 20}" class="axis"/></svg>'
    )
    return Markup("".join(parts))
