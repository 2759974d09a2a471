"""The "Decisions under uncertainty" report of a two-stage study (``evplan stochastic -o``).

One page, drawn by the report machinery of every run (:func:`evplan.report.page.render_page`:
the same template, style, plotly.js shared or embedded, and the number formats of
:mod:`evplan.units`), from a :class:`~evplan.twostage.solve.StochasticResult` and, when it
was computed, the efficient-frontier table:

* cards: the objective, expected margin, CVaR, EVPI, VSS (and the worst regret); every card
  names the result field it shows (``Card.kpi``) so a test can tie it to the result;
* tables: the first-stage plan, and the regret of every plan under every scenario;
* charts: the margin of the stochastic plan in each scenario (bars whose width is the
  scenario's probability, wait-and-see beside it), the regret heatmap, and the efficient
  frontier of expected margin against CVaR with the first-stage decisions that change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.report.figures import Chart, base_layout
from evplan.report.page import Card, ChartGroup, render_page
from evplan.report.style import FOCUS_COLOUR, PALETTE, pct, usd

__all__ = ["HEADING", "max_regret_usd", "stochastic_cards", "stochastic_charts",
           "stochastic_report_html",
           "stochastic_tables"]

#: The section's heading (also its element id, ``decisions-under-uncertainty``).
HEADING = "Decisions under uncertainty"


def _money(value: float | None) -> str:
    return "not computed" if value is None else usd(float(value))


def _proven(meta: Any, name: str, value: float | None) -> str:
    """``; proven range USD low to high`` of ``metadata['intervals_usd'][name]`` (the range
    the exact value lies in at the MIP gap, docs/stochastic.md), or '' when not computed."""
    span = (meta.get("intervals_usd") or {}).get(name) if value is not None else None
    if not span or len(span) != 2 or span[0] is None or not np.isfinite(span[0]):
        return ""
    low, high = float(span[0]), span[1]
    if high is None or not np.isfinite(high):
        return f"; proven at least {usd(low)} (no proven upper bound)"
    return f"; proven range {usd(low)} to {usd(max(float(high), low))}"


def stochastic_cards(result: Any) -> list[Card]:
    """The headline values; ``Card.kpi`` is the StochasticResult attribute each one shows
    (``max_regret_usd``: :func:`max_regret_usd`, the largest ``regret_usd`` of the
    ``stochastic`` plan in the regret table)."""
    study = result.study
    meta = result.metadata
    objective = ("minus the worst regret (minimax regret)"
                 if getattr(study, "objective", "expected") == "minimax-regret"
                 else f"E + {study.risk_weight:g} × CVaR" if study.risk_weight > 0
                 else "expected margin")
    cards = [
        Card("Objective", "", _money(result.objective_usd), objective,
             f"status {result.status}, gap {pct(meta.get('mip_gap', 0.0), 2)}"
             + _proven(meta, "objective", result.objective_usd), kpi="objective_usd"),
        Card("Expected margin", "", _money(result.expected_margin_usd),
             "probability-weighted over the scenarios", kpi="expected_margin_usd"),
        Card(f"CVaR {study.alpha:g}", "", _money(result.cvar_usd),
             f"mean margin of the worst {pct(1 - study.alpha)} of probability",
             kpi="cvar_usd"),
        Card("EVPI", "", _money(result.evpi_usd), "value of perfect information",
             "wait-and-see minus the stochastic plan"
             + _proven(meta, "evpi", result.evpi_usd), True, kpi="evpi_usd"),
        Card("VSS", "", _money(result.vss_usd), "value of the stochastic solution",
             "the stochastic plan minus the expected-value plan's"
             + ("" if meta.get("eev_status", "optimal") == "optimal"
                else f" ({meta.get('eev_status')})")
             + _proven(meta, "vss", result.vss_usd), True, kpi="vss_usd"),
    ]
    regret = result.regret
    mine = regret[regret["plan"] == "stochastic"]
    if len(mine):
        worst = mine.loc[mine["regret_usd"].idxmax()]
        cards.append(Card("Worst regret", "", usd(float(worst["regret_usd"])),
                          f"of the stochastic plan, in {worst['scenario']}",
                          "its scenario's own optimum minus its margin there",
                          kpi="max_regret_usd"))
    return cards


def max_regret_usd(result: Any) -> float | None:
    """The largest regret of the stochastic plan over the scenarios (None without regret)."""
    mine = result.regret[result.regret["plan"] == "stochastic"]
    return float(mine["regret_usd"].max()) if len(mine) else None


def _cell(text: str, css: str = "") -> dict[str, str]:
    return {"text": text, "css": css}


def _value(variable: str, value: float) -> str:
    return f"{value:,.0f}" if variable == "plant_modules" else (
        "yes" if value > 0.5 else "no")


def stochastic_tables(result: Any) -> list[dict[str, Any]]:
    """The first-stage plan and the regret table (plans x scenarios), as page tables."""
    first = result.first_stage
    tables = [{
        "id": "first-stage", "title": "First-stage plan (shared by every scenario)",
        "caption": f"{len(first)} shared decisions, fixed before the uncertainty is revealed; "
                   f"{int((first['value'] > 0.5).sum())} are on (first_stage.csv).",
        "header": ["decision", "element", "year", "value"],
        "rows": [[_cell(str(row.variable)), _cell(str(row.element)), _cell(str(row.year)),
                  _cell(_value(str(row.variable), float(row.value)))]
                 for row in first.itertuples(index=False)]}]
    regret = result.regret
    if len(regret):
        scenarios = list(result.scenarios["scenario"])
        table = regret.pivot(index="plan", columns="scenario", values="regret_usd")
        table = table.reindex(index=_plans(regret), columns=scenarios)
        tables.append({
            "id": "regret-table", "title": "Regret of each plan under every scenario",
            "caption": "Row: whose first stage is fixed (each scenario's own plan, the "
                       "expected-value plan, the stochastic plan); column: the scenario that "
                       "happens. Regret = that scenario's own optimum minus the margin the "
                       "plan earns there (regret.csv)." + _gap_note(result),
            "header": ["plan", *scenarios, "worst"],
            "rows": [[_cell(str(plan)), *[_cell(usd(float(v))) for v in row],
                      _cell(usd(float(np.max(row))), "down" if np.max(row) > 0.5 else "")]
                     for plan, row in zip(table.index, table.to_numpy(), strict=True)]})
    return tables


def _plans(regret: pd.DataFrame) -> list[str]:
    plans = list(dict.fromkeys(regret["plan"]))
    tail = [p for p in ("expected-value", "stochastic") if p in plans]
    return [p for p in plans if p not in tail] + tail


def _margins(result: Any) -> Chart:
    frame = result.scenarios
    # bars as wide as each scenario's probability, side by side on a 0..1 axis
    left = np.concatenate([[0.0], np.cumsum(frame["probability"].to_numpy())[:-1]])
    width = frame["probability"].to_numpy(dtype=float)
    labels = [f"{name} (p = {p:.3g})" for name, p in zip(frame["scenario"], width, strict=True)]
    data: list[dict[str, Any]] = [{
        "type": "bar", "name": "stochastic plan", "x": (left + width / 2).tolist(),
        "width": (width * 0.9).tolist(), "y": frame["margin_usd"].tolist(),
        "text": [usd(float(v)) for v in frame["margin_usd"]], "textposition": "auto",
        "customdata": labels, "marker": {"color": PALETTE[0]},
        "hovertemplate": "%{customdata}<br>margin %{text}<extra></extra>"}]
    if "wait_and_see_usd" in frame:
        data.append({"type": "scatter", "mode": "markers", "name": "scenario's own optimum",
                     "x": (left + width / 2).tolist(), "y": frame["wait_and_see_usd"].tolist(),
                     "customdata": labels, "marker": {"symbol": "line-ew-open", "size": 28,
                                                      "color": FOCUS_COLOUR,
                                                      "line": {"width": 3}},
                     "hovertemplate": "%{customdata}<br>own optimum %{y:.4s} USD"
                                      "<extra></extra>"})
    layout = base_layout(
        xaxis={"title": {"text": "cumulative probability (bar width = probability)"},
               "range": [0, 1], "tickvals": (left + width / 2).tolist(), "ticktext": labels},
        yaxis={"title": {"text": "margin (discounted USD)"}}, barmode="overlay")
    worst = frame.loc[frame["margin_usd"].idxmin()]
    return Chart("chart-scenario-margins", "Margin of the plan in each scenario",
                 f"Expected margin {usd(result.expected_margin_usd)}; worst in "
                 f"{worst['scenario']} ({usd(float(worst['margin_usd']))}, probability "
                 f"{float(worst['probability']):.3g}).", {"data": data, "layout": layout})


def _heatmap(result: Any) -> Chart:
    regret = result.regret
    scenarios = list(result.scenarios["scenario"])
    table = regret.pivot(index="plan", columns="scenario", values="regret_usd").reindex(
        index=_plans(regret), columns=scenarios)
    values = table.to_numpy(dtype=float)
    data = [{"type": "heatmap", "x": scenarios, "y": list(table.index), "z": values.tolist(),
             "text": [[usd(v) for v in row] for row in values], "texttemplate": "%{text}",
             "colorscale": [[0, "#f7fbff"], [1, FOCUS_COLOUR]],
             "colorbar": {"title": {"text": "USD"}},
             "hovertemplate": "plan %{y} in %{x}: regret %{text}<extra></extra>"}]
    layout = base_layout(xaxis={"title": {"text": "scenario that happens"}},
                         yaxis={"title": {"text": "plan fixed"}, "autorange": "reversed"},
                         margin={"l": 140, "r": 20, "t": 30, "b": 60})
    return Chart("chart-regret", "Regret heatmap",
                 "Each scenario's own optimum minus the margin of the plan in that scenario "
                 "(a scenario's own plan has regret 0 in it)." + _gap_note(result),
                 {"data": data, "layout": layout}, height=max(320, 60 + 46 * len(table)))


def _gap_note(result: Any) -> str:
    """A sentence when some regret is negative: the solves are optimal only to the MIP gap."""
    if not len(result.regret) or float(result.regret["regret_usd"].min()) >= -1.0:
        return ""
    return (" A negative regret means a plan beat a scenario's own optimum: each MILP is "
            f"solved to the relative MIP gap (here {pct(result.metadata.get('mip_gap', 0.0), 2)}"
            " for the study's solve), so differences that small are within the solver's "
            "tolerance, not real gains.")


def _optimum(row: Mapping[Any, Any]) -> str:
    """``E + λ CVaR: optimum proven in USD low to high`` of a frontier row (its plan found
    and HiGHS's bound), or '' for a frontier table without the range."""
    low, high = row.get("objective_low_usd"), row.get("objective_high_usd")
    if low is None or pd.isna(low):
        return ""
    return ("E + λ CVaR: optimum proven in " + usd(float(low)) + " to "
            + (usd(float(high)) if high is not None and np.isfinite(high) else "unbounded"))


def _frontier(frontier: pd.DataFrame) -> Chart:
    changed = frontier.get("changed_decisions", pd.Series([""] * len(frontier)))
    # [line, decisions]: data strings (escaped with the trace), the line break is the template's
    notes = [[f"λ = {w:g}: {int(n)} decisions changed", c[:300], _optimum(row)]
             for (w, n, c), row in zip(zip(frontier["risk_weight"], frontier[
                 "decisions_changed"], changed.fillna(""), strict=True),
                 frontier.to_dict("records"), strict=True)]
    data = [{"type": "scatter", "mode": "lines+markers+text", "name": "efficient frontier",
             "x": frontier["cvar_usd"].tolist(), "y": frontier["expected_margin_usd"].tolist(),
             "text": [f"λ {w:g}" for w in frontier["risk_weight"]],
             "textposition": "top center", "customdata": notes,
             "marker": {"size": 10, "color": PALETTE[0]},
             "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>CVaR %{x:.4s}, "
                              "E %{y:.4s} USD<br>%{customdata[2]}<extra></extra>"}]
    layout = base_layout(xaxis={"title": {"text": "CVaR of margin (USD)"}},
                         yaxis={"title": {"text": "expected margin (USD)"}})
    moves = [f"λ {w:g}: {c}" for w, c in zip(frontier["risk_weight"], changed.fillna(""),
                                              strict=True) if c]
    caption = ("Each point is the plan that maximises E + λ × CVaR; raising λ gives up "
               "expected margin for the bad futures. " + (
                   "First-stage decisions that differ from the first λ's plan: "
                   + " | ".join(moves)[:1500] if moves else
                   "The first-stage plan is the same at every λ."))
    return Chart("chart-frontier", "Efficient frontier: expected margin against CVaR",
                 caption, {"data": data, "layout": layout})


def stochastic_charts(result: Any, frontier: pd.DataFrame | None = None) -> list[Chart]:
    """Margins per scenario, the regret heatmap (with regret) and the frontier (if given)."""
    charts = [_margins(result)]
    if len(result.regret):
        charts.append(_heatmap(result))
    if frontier is not None and len(frontier):
        charts.append(_frontier(frontier))
    return charts


def stochastic_report_html(result: Any, frontier: pd.DataFrame | None = None,
                           plotlyjs_src: str | None = None) -> str:
    """The study's report page (see the module docstring), as HTML text."""
    study = result.study
    meta = result.metadata
    revealed = (f"revealed after {study.revelation_year}" if study.revelation_year is not None
                else "revealed after the horizon")
    charts = stochastic_charts(result, frontier)
    groups = [ChartGroup([chart]) for chart in charts]
    how = (f"progressive hedging, {meta.get('iterations', 0)} iterations, bound gap "
           f"{pct(meta.get('mip_gap', 0.0), 2)}"
           if meta.get("method") == "progressive-hedging"
           else f"{meta.get('nonanticipativity_rows', 0)} non-anticipativity rows")
    caption = (f"{meta.get('scenarios', len(result.scenarios))} scenarios, {revealed}; "
               f"{meta.get('shared_elements', len(result.first_stage))} first-stage decisions "
               f"shared by all of them ({how}). Values are discounted margins "
               "(docs/stochastic.md).")
    return render_page(
        title=f"Study {study.name}: {HEADING.lower()}", subtitle=study.description,
        heading={"id": "decisions-under-uncertainty", "title": HEADING, "caption": caption},
        groups=groups, cards=stochastic_cards(result), tables=stochastic_tables(result),
        footer=[f"Study {study.name}: "
                + ", ".join(f"{s.name} ({s.probability:.3g})" for s in study.scenarios)],
        plotlyjs_src=plotlyjs_src)
