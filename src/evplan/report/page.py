"""Render the report as an offline HTML file: the world map and data inline, plotly.js too.

Nothing in the page refers to a network address: plotly.js is the copy in the installed
plotly package, embedded (self-contained) or loaded from the one shared file of the output
folder (:mod:`evplan.report.scripts`); the 1:110m world topojson plotly.js would fetch from
its CDN is embedded as ``window.PlotlyGeoAssets`` (so the map draws offline), and the page
uses system fonts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from evplan import __version__
from evplan.report.figures import Chart
from evplan.report.run import RunData
from evplan.report.style import country_name, pct, usd, vehicles, world_topojson

__all__ = ["Card", "ChartGroup", "kpi_cards", "render_page", "story"]


@dataclass(frozen=True)
class Card:
    """A KPI card: first year -> last year."""

    title: str
    before: str
    after: str
    years: str
    note: str = ""
    focus: bool = False


@dataclass(frozen=True)
class ChartGroup:
    """Charts shown together (side by side when more than one)."""

    charts: Sequence[Chart]
    title: str = ""


def kpi_cards(run: RunData) -> list[Card]:
    """The headline numbers of a run, first year against last year."""
    first, last = run.years[0], run.years[-1]
    focus = run.focus
    name = country_name(focus)
    years = f"{first} → {last}"

    def pair(kpi: str, key: str = "all") -> tuple[float, float]:
        return run.kpi(kpi, first, key), run.kpi(kpi, last, key)

    share = pair("sales_share_by_origin", focus)
    util = pair("utilisation_by_country", focus)
    exports = pair("exports_by_origin", focus)
    sales = pair("global_sales")
    margin = pair("margin")
    duties = pair("duties_paid")
    total_margin = float(run.kpis.loc[run.kpis["kpi"] == "margin", "value"].sum())
    return [
        Card(f"{name}'s share of global sales", pct(share[0], 1), pct(share[1], 1), years,
             f"of {vehicles(sales[0])} and {vehicles(sales[1])} vehicles sold", True),
        Card(f"{name} plant utilisation", pct(util[0]), pct(util[1]), years,
             "production / capacity of its plants", True),
        Card(f"Exports from {name}", vehicles(exports[0]), vehicles(exports[1]), years,
             "vehicles a year shipped across a border", True),
        Card("Global sales", vehicles(sales[0]), vehicles(sales[1]), years,
             "vehicles a year, every market"),
        Card("Margin", usd(margin[0]), usd(margin[1]), years,
             f"after fixed cost; {usd(total_margin)} over {first}–{last} (undiscounted)"),
        Card("Duties paid", usd(duties[0]), usd(duties[1]), years,
             "import duties on every cross-border vehicle"),
    ]


def story(run: RunData) -> list[str]:
    """Two or three sentences that tell what the plan does, written from its numbers."""
    first, last = run.years[0], run.years[-1]
    focus = run.focus
    name = country_name(focus)
    calibrated = run.scenario.get("calibrated_year")
    label = (f" (calibration: demand was fitted so that {first} reproduces the observed sales; "
             "these figures restate the inputs)" if calibrated == first else "")
    lines = [
        f"In {first}{label}, {name} builds "
        f"{pct(run.kpi('sales_share_by_origin', first, focus), 1)} "
        f"of the {vehicles(run.kpi('global_sales', first))} vehicles sold worldwide, and its "
        f"plants run {pct(run.kpi('utilisation_by_country', first, focus))} full.",
    ]
    exports_first = run.kpi("exports_by_origin", first, focus)
    exports_last = run.kpi("exports_by_origin", last, focus)
    shipments = run.tables["shipments"]
    to = shipments[shipments["export"] & (shipments["origin"] == focus)
                   & (shipments["year"] == last)].groupby("market")["shipment_vehicles"].sum()
    to = to[to > 0.5].sort_values(ascending=False)
    markets = ", ".join(f"{m} ({vehicles(v)})" for m, v in to.head(4).items())
    sentence = (f"By {last}, exports from {name} go from {vehicles(exports_first)} to "
                f"{vehicles(exports_last)} vehicles a year and its plants run "
                f"{pct(run.kpi('utilisation_by_country', last, focus))} full; {name} then "
                f"builds {pct(run.kpi('sales_share_by_origin', last, focus), 1)} of global "
                "sales.")
    lines.append(sentence)
    if markets:
        lines.append(f"The markets that absorb them in {last}: {markets}. Margin goes from "
                     f"{usd(run.kpi('margin', first))} to {usd(run.kpi('margin', last))} a "
                     f"year; duties paid from {usd(run.kpi('duties_paid', first))} to "
                     f"{usd(run.kpi('duties_paid', last))}.")
    if calibrated is not None:
        lines.append(f"Figures after {calibrated} are model predictions under the scenario's "
                     f"assumptions, not calibration; `evplan backtest` measures how well the "
                     f"model predicts a year it was not fitted to (docs/validation.md).")
    return lines


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _script_json(value: Any) -> Markup:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(value, default=_json_default, allow_nan=False, separators=(",", ":"))
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


@cache
def _template() -> jinja2.Template:
    source = (resources.files("evplan.report") / "templates" / "report.html.j2").read_text(
        encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True)
    return environment.from_string(source)


@cache
def _plotlyjs() -> Markup:
    """plotly.js as page text, read once per process."""
    from evplan.report.scripts import plotlyjs_bytes

    return Markup(plotlyjs_bytes().decode("utf-8"))


def _clean(figure: dict[str, Any]) -> dict[str, Any]:
    """Replace NaN and inf by None so the JSON is valid."""
    def fix(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: fix(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fix(item) for item in value]
        return value
    return fix(figure)


def render_page(*, title: str, subtitle: str, groups: Sequence[ChartGroup],
                story_lines: Sequence[str] = (), cards: Sequence[Card] = (),
                kpi_table: dict[str, Any] | None = None, footer: Sequence[str] = (),
                plotlyjs_src: str | None = None) -> str:
    """Render one HTML page: self-contained, or loading plotly.js from ``plotlyjs_src``.

    ``plotlyjs_src`` is a relative URL of a shared plotly.js file
    (:func:`evplan.report.scripts.shared_plotlyjs`); None embeds plotly.js in the page.
    """
    charts = [chart for group in groups for chart in group.charts]
    figures = [{"id": chart.id, "data": chart.figure["data"],
                "layout": {**chart.figure["layout"], "height": chart.height}}
               for chart in charts]
    has_geo = any(trace.get("type") == "scattergeo" for figure in figures
                  for trace in figure["data"])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _template().render(
        title=title, subtitle=subtitle, story=list(story_lines), cards=list(cards),
        kpi_table=kpi_table, groups=list(groups), version=__version__,
        footer=[*footer, f"Made by evplan {__version__} on {stamp}. " + (
            "One file, no network: plotly.js and the Natural Earth 1:110m map are embedded."
            if plotlyjs_src is None else
            f"No network: plotly.js is the shared copy {plotlyjs_src}; the Natural Earth "
            "1:110m map is embedded.")],
        figures=_script_json(_clean({"list": figures})["list"]),
        topojson=Markup(world_topojson()) if has_geo else "",
        plotlyjs=_plotlyjs() if plotlyjs_src is None else "",
        plotlyjs_src=plotlyjs_src or "",
    )
