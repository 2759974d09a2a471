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
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from evplan.report.style import country_name, pct, plotly_text, usd, vehicles, world_topojson

__all__ = ["Card", "ChartGroup", "focus_markets", "kpi_cards", "kpi_sum", "render_page",
           "sold_sentence", "story"]


@dataclass(frozen=True)
class Card:
    """A KPI card: first year -> last year.

    ``kpi`` and ``keys`` name the rows of the KPI table the card shows (the value is the sum
    over ``keys``), so a test can tie every card to the table by name.
    """

    title: str
    before: str
    after: str
    years: str
    note: str = ""
    focus: bool = False
    kpi: str = ""
    keys: tuple[str, ...] = ("all",)


@dataclass(frozen=True)
class ChartGroup:
    """Charts shown together (side by side when more than one)."""

    charts: Sequence[Chart]
    title: str = ""


def focus_markets(run: RunData) -> tuple[str, ...]:
    """The markets of the focus country (``CN`` -> ``("CN",)``); what is *sold* there."""
    return tuple(market for market, country in sorted(run.market_country.items())
                 if country == run.focus)


def kpi_sum(run: RunData, kpi: str, year: int, keys: Sequence[str]) -> float:
    """A KPI summed over keys (a country with several markets), 0.0 without rows."""
    return sum(run.kpi(kpi, year, key) for key in keys)


def _trend(before: float, after: float, tolerance: float = 5e-4) -> str:
    """``falls``, ``rises`` or ``stays`` (within ``tolerance`` of ``before``)."""
    if abs(after - before) <= tolerance * max(1.0, abs(before)):
        return "stays"
    return "rises" if after > before else "falls"


def kpi_cards(run: RunData) -> list[Card]:
    """The headline numbers of a run, first year against last year.

    Share *sold* in the focus country (``sales_share_by_market``) and share *built* there
    (``sales_share_by_origin``) are two cards with those words in their titles; the margin
    card is the undiscounted margin of each year (``margin``); the plan's objective, the
    discounted margin over all years, is in its note.
    """
    first, last = run.years[0], run.years[-1]
    focus = run.focus
    name = country_name(focus)
    years = f"{first} → {last}"

    def pair(kpi: str, keys: Sequence[str] = ("all",)) -> tuple[float, float]:
        return kpi_sum(run, kpi, first, keys), kpi_sum(run, kpi, last, keys)

    markets = focus_markets(run)
    sold = pair("sales_share_by_market", markets)
    share = pair("sales_share_by_origin", (focus,))
    util = pair("utilisation_by_country", (focus,))
    exports = pair("exports_by_origin", (focus,))
    sales = pair("global_sales")
    margin = pair("margin")
    duties = pair("duties_paid")
    total_margin = float(run.kpis.loc[run.kpis["kpi"] == "margin", "value"].sum())
    objective = run.manifest.get("objective_usd")
    discounted = (f"; the plan's objective, the discounted margin, is {usd(float(objective))}"
                  if objective is not None else "")
    cards = []
    if markets:
        cards.append(Card(f"Share of global sales sold in {name}", pct(sold[0], 1),
                          pct(sold[1], 1), years,
                          f"{vehicles(sold[0] * sales[0])} → {vehicles(sold[1] * sales[1])} "
                          f"vehicles sold in {name}", True, "sales_share_by_market", markets))
    cards += [
        Card(f"Share of global sales built in {name}", pct(share[0], 1), pct(share[1], 1),
             years, f"of {vehicles(sales[0])} and {vehicles(sales[1])} vehicles sold",
             True, "sales_share_by_origin", (focus,)),
        Card(f"{name} plant utilisation", pct(util[0]), pct(util[1]), years,
             "production / capacity of its plants", True, "utilisation_by_country", (focus,)),
        Card(f"Exports from {name}", vehicles(exports[0]), vehicles(exports[1]), years,
             "vehicles a year shipped across a border", True, "exports_by_origin", (focus,)),
        Card("Global sales", vehicles(sales[0]), vehicles(sales[1]), years,
             "vehicles a year, every market", kpi="global_sales"),
        Card("Margin a year (undiscounted)", usd(margin[0]), usd(margin[1]), years,
             f"after fixed cost; {usd(total_margin)} over {first}–{last} "
             f"(undiscounted){discounted}", kpi="margin"),
        Card("Duties paid", usd(duties[0]), usd(duties[1]), years,
             "import duties on every cross-border vehicle", kpi="duties_paid"),
    ]
    if first == last:  # a one-year plan: its value, not a year against itself
        cards = [replace(card, before="", years=str(first), note=_one_year(
            card.note, first)) for card in cards]
    return cards


def _one_year(note: str, year: int) -> str:
    """A card's note for a one-year plan: ``600 → 600 vehicles sold in AA`` and ``of 600 and
    600 vehicles sold`` name the one figure, ``over 2025–2025`` says ``in 2025``."""
    for pattern, replacement in ((r"^(\S+(?: \S)?) → \1 ", r"\1 "),
                                 (r"^of (\S+(?: \S)?) and \1 ", r"of \1 "),
                                 (rf"over {year}–{year}", f"in {year}")):
        note = re.sub(pattern, replacement, note)
    return note


def sold_sentence(run: RunData) -> str:
    """What happens to sales in the focus country: the share of global sales *sold* there.

    Empty when the focus country has no market.
    """
    markets = focus_markets(run)
    first, last = run.years[0], run.years[-1]
    if not markets or first == last:  # one year: the first sentence says what is sold
        return ""
    name = country_name(run.focus)
    share = (kpi_sum(run, "sales_share_by_market", first, markets),
             kpi_sum(run, "sales_share_by_market", last, markets))
    sold = (share[0] * run.kpi("global_sales", first), share[1] * run.kpi("global_sales", last))
    trend = _trend(share[0], share[1])
    moves = "stays at" if trend == "stays" else f"{trend} from {pct(share[0], 1)} to"
    return (f"Sales in {name} go from {vehicles(sold[0])} to {vehicles(sold[1])} vehicles a "
            f"year: the share of global sales sold in {name} {moves} {pct(share[1], 1)} "
            f"({first} → {last}).")


def story(run: RunData) -> list[str]:
    """Sentences that tell what the plan does, written from its KPI table.

    "sold in" is ``sales_share_by_market`` (the focus country's markets), "builds"/"built in"
    is ``sales_share_by_origin``, margin is the undiscounted ``margin`` of a year.
    """
    first, last = run.years[0], run.years[-1]
    focus = run.focus
    name = country_name(focus)
    calibrated = run.scenario.get("calibrated_year")
    label = (f" (calibration: demand was fitted so that {first} reproduces the observed sales; "
             "these figures restate the inputs)" if calibrated == first else "")
    markets = focus_markets(run)
    sold_first = (f"{pct(kpi_sum(run, 'sales_share_by_market', first, markets), 1)} are "
                  f"sold in {name}, " if markets else "")
    lines = [
        f"In {first}{label}, of the {vehicles(run.kpi('global_sales', first))} vehicles sold "
        f"worldwide {sold_first}{pct(run.kpi('sales_share_by_origin', first, focus), 1)} are "
        f"built in {name}, and its plants run "
        f"{pct(run.kpi('utilisation_by_country', first, focus))} full.",
    ]
    sold = sold_sentence(run)
    if sold:
        lines.append(sold)
    exports_first = run.kpi("exports_by_origin", first, focus)
    exports_last = run.kpi("exports_by_origin", last, focus)
    shipments = run.tables["shipments"]
    to = shipments[shipments["export"] & (shipments["origin"] == focus)
                   & (shipments["year"] == last)].groupby("market")["shipment_vehicles"].sum()
    to = to[to > 0.5].sort_values(ascending=False)
    markets_text = ", ".join(f"{m} ({vehicles(v)})" for m, v in to.head(4).items())
    sentence = (f"By {last}, exports from {name} go from {vehicles(exports_first)} to "
                f"{vehicles(exports_last)} vehicles a year and its plants run "
                f"{pct(run.kpi('utilisation_by_country', last, focus))} full; "
                f"{pct(run.kpi('sales_share_by_origin', last, focus), 1)} of global sales "
                f"are then built in {name}.")
    if first == last:
        sentence = f"{name} exports {vehicles(exports_last)} vehicles in {last}."
    lines.append(sentence)
    # margin and duties also when the focus country exports nothing in the last year
    absorb = f"The markets that absorb them in {last}: {markets_text}. " if markets_text else ""
    lines.append(f"{absorb}Margin (undiscounted) goes from {usd(run.kpi('margin', first))} to "
                 f"{usd(run.kpi('margin', last))} a year; duties paid from "
                 f"{usd(run.kpi('duties_paid', first))} to "
                 f"{usd(run.kpi('duties_paid', last))}." if first != last else
                 f"{absorb}Margin (undiscounted) is {usd(run.kpi('margin', first))} and duties "
                 f"paid {usd(run.kpi('duties_paid', first))} in {first}.")
    if calibrated is not None:
        lines.append(f"Figures after {calibrated} are the plan on the scenario's projected "
                     "inputs, not a forecast: the volumes follow the inputs' demand projections "
                     "and the lanes they open; the model chooses which plant serves which "
                     "market under them. `evplan backtest` measures how well the model predicts "
                     "a year it was not fitted to (docs/validation.md).")
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


def _figures_json(figures: list[dict[str, Any]]) -> Markup:
    """The figures as :func:`_script_json`, NaN and inf as null (:func:`_clean`).

    Most pages have no NaN or inf: they are written as they are, and only a page with one
    (``json`` refuses it) walks every value through :func:`_clean` (about 20 ms a report).
    """
    try:
        return _script_json(figures)
    except ValueError:
        return _script_json(_clean({"list": figures})["list"])


#: Trace keys whose strings are data (names, ids, values), never evplan's own markup.
_DATA_TEXT_KEYS = ("x", "y", "text", "name", "labels", "customdata")
#: Axis keys that hold category names.
_AXIS_TEXT_KEYS = ("categoryarray", "ticktext")


def _literal(value: Any) -> Any:
    """Strings in ``value`` (nested lists too) as plotly.js shows them literally."""
    if isinstance(value, str):
        return plotly_text(value)
    if isinstance(value, list | tuple):
        return [_literal(item) for item in value]
    return value


def _as_typed(figure: dict[str, Any]) -> dict[str, Any]:
    """``figure`` with every data string escaped for plotly.js's HTML dialect.

    A plant, market or folder named ``<a href="https://...">`` is a link in a chart, and
    ``<b>M1</b>`` is a bold ``M1``, when plotly.js reads the name as markup: the names in
    traces (axis values, labels, legend names, text, hover data) and the axis categories are
    written as entities, so every chart shows them as typed. Hover templates, hover texts
    and annotations hold evplan's own markup; their names are escaped where they are built.
    """
    data = []
    for trace in figure["data"]:
        trace = {key: _literal(value) if key in _DATA_TEXT_KEYS else value
                 for key, value in trace.items()}
        if isinstance(trace.get("node"), dict) and "label" in trace["node"]:
            trace["node"] = {**trace["node"], "label": _literal(trace["node"]["label"])}
        data.append(trace)
    layout = {key: ({name: _literal(item) if name in _AXIS_TEXT_KEYS else item
                     for name, item in value.items()}
                    if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict) else value)
              for key, value in figure["layout"].items()}
    return {**figure, "data": data, "layout": layout}


def render_page(*, title: str, subtitle: str, groups: Sequence[ChartGroup],
                story_lines: Sequence[str] = (), cards: Sequence[Card] = (),
                kpi_table: dict[str, Any] | None = None, footer: Sequence[str] = (),
                plotlyjs_src: str | None = None, heading: dict[str, str] | None = None,
                tables: Sequence[dict[str, Any]] = ()) -> str:
    """Render one HTML page: self-contained, or loading plotly.js from ``plotlyjs_src``.

    ``plotlyjs_src`` is a relative URL of a shared plotly.js file
    (:func:`evplan.report.scripts.shared_plotlyjs`); None embeds plotly.js in the page.
    ``heading`` (id, title, caption) opens the page's section above the cards; ``tables``
    are shaped like ``kpi_table`` with an ``id`` each, drawn after it.
    """
    charts = [chart for group in groups for chart in group.charts]
    figures = [{"id": chart.id, **_as_typed({"data": chart.figure["data"],
                                             "layout": {**chart.figure["layout"],
                                                        "height": chart.height}})}
               for chart in charts]
    has_geo = any(trace.get("type") == "scattergeo" for figure in figures
                  for trace in figure["data"])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _template().render(
        title=title, subtitle=subtitle, story=list(story_lines), cards=list(cards),
        kpi_table=kpi_table, groups=list(groups), version=__version__,
        heading=heading or {}, tables=list(tables),
        footer=[*footer, f"Made by evplan {__version__} on {stamp}. " + (
            "One file, no network: plotly.js and the Natural Earth 1:110m map are embedded."
            if plotlyjs_src is None else
            f"No network: plotly.js is the shared copy {plotlyjs_src}; the Natural Earth "
            "1:110m map is embedded.")],
        figures=_figures_json(figures),
        topojson=Markup(world_topojson()) if has_geo else "",
        plotlyjs=_plotlyjs() if plotlyjs_src is None else "",
        plotlyjs_src=plotlyjs_src or "",
    )
