"""A strategic run's report says its MIP gap in the footer, and that it is unknown when no
bound was proven (helper-89: a time_limit run's page said "status time_limit" and nothing
of how far from proven the plan was)."""

from __future__ import annotations

import math

import evplan
from evplan.examples import strategic_lane
from evplan.report.api import _footer
from evplan.report.run import RunData


def test_the_footer_gives_the_gap_and_the_bound_or_says_it_is_unknown() -> None:
    result = evplan.optimize(strategic_lane())
    meta = result.metadata
    assert meta["integer_variables"] > 0
    line = _footer(RunData.from_result(result))[0]
    assert (f"status optimal, MIP gap {meta['mip_gap']:.3%} (bound "
            f"{meta['mip_bound_usd']:,.0f} USD)") in line, line
    stopped = evplan.Result(status="time_limit", objective_usd=result.objective_usd,
                            tables=result.tables, kpis=result.kpis, scenario=result.scenario,
                            metadata={**meta, "mip_gap": math.inf, "mip_bound_usd": math.inf})
    assert "status time_limit, MIP gap unknown (no bound proven)" in _footer(
        RunData.from_result(stopped))[0]


def test_an_lp_run_has_no_gap_in_its_footer() -> None:
    line = _footer(RunData.from_result(evplan.optimize(evplan.examples.single_lane())))[0]
    assert line.startswith("Run '") and "MIP gap" not in line, line
