"""Shared look of the report: number formats, country names and colours, shipped geo data."""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import pandas as pd

from evplan.units import pct, usd, vehicles  # one formatter for every surface

__all__ = ["centroids", "country_colour", "country_name", "pct", "plotly_text", "usd",
           "vehicles", "world_topojson"]

PALETTE = ("#1f6fb2", "#2a9d55", "#8e5bb5", "#e08a1e", "#17a2b8", "#8c564b", "#d45d9c",
           "#6b7f2a", "#5d6d7e", "#b8860b", "#3b5b92", "#0f7b6c")
FOCUS_COLOUR = "#c0392b"
FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
        "sans-serif")


@cache
def centroids() -> pd.DataFrame:
    """Approximate country (and region) centroids: ``code``, ``name``, ``lat``, ``lon``."""
    text = (resources.files("evplan.report") / "centroids.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False)
    return frame.set_index("code")


@cache
def world_topojson() -> str:
    """The 1:110m world topojson plotly.js draws geo maps with (embedded, never fetched)."""
    return (resources.files("evplan.report") / "assets" / "world_110m.json").read_text(
        encoding="utf-8")


@cache
def _country_names() -> dict[str, str]:
    table = centroids()
    return {str(code): str(name) for code, name in zip(table.index, table["name"], strict=True)}


def country_name(code: str) -> str:
    """``CN`` -> ``China``; an unknown code is returned as is."""
    return _country_names().get(code, code)


def plotly_text(text: object) -> str:
    """``text`` as plotly.js shows it literally: its markup characters written as entities.

    plotly.js reads chart text (labels, legend names, hovers, tick labels) as a small HTML
    dialect: ``<b>`` is bold, ``<a href=...>`` a link, ``%{y}`` in a hover template a value.
    A name from the inputs (a plant id, a market, a folder) goes through this before it
    reaches a chart, so it is shown as typed; plotly.js decodes the entities when it draws.

    Examples
    --------
    >>> plotly_text('<a href="https://x">P&G</a> %{y}')
    '&lt;a href="https://x"&gt;P&amp;G&lt;/a&gt; &#37;{y}'
    """
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("%", "&#37;"))


def country_colour(code: str, countries: list[str], focus: str) -> str:
    """A stable colour per producing country; the focus country is red."""
    if code == focus:
        return FOCUS_COLOUR
    others = [country for country in sorted(countries) if country != focus]
    index = others.index(code) if code in others else len(others)
    return PALETTE[index % len(PALETTE)]


def with_alpha(colour: str, alpha: float) -> str:
    """``#rrggbb`` -> ``rgba(r,g,b,alpha)``."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
