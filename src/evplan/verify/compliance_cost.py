"""The discounted cost of a plan's compliance rows: the part of the objective the CO2 and
zero-emission rules add, read from the compliance tables that
:class:`evplan.verify.compliance.ComplianceCheck` re-derives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from evplan.data import NetworkData

__all__ = ["COST_COLUMNS", "compliance_cost_usd", "discounted_cost_usd"]

Tables = Mapping[str, Any]  # table name -> DataFrame, or a mapping of column -> array

# Each compliance table and its USD columns the objective sums.
COST_COLUMNS = (("fleet_compliance", ("premium_usd", "pooling_usd")),
                ("zev_compliance", ("penalty_usd", "credit_trade_usd")),
                ("production_credit_compliance", ("credit_trade_usd",)),
                ("co2_by_year", ("carbon_cost_usd",)))


def discounted_cost_usd(data: NetworkData, tables: Tables, years: Mapping[str, np.ndarray]
                        ) -> float:
    """The compliance tables' USD columns, each row discounted to the first year by its
    year in ``years`` (a table's years, kept apart from its numbers for warm plans)."""
    scenario = data.scenario
    total = 0.0
    for name, columns in COST_COLUMNS:
        if name not in years or len(years[name]) == 0:
            continue
        discount = (1.0 + scenario.discount_rate) ** -(years[name] - scenario.first_year)
        amount = sum(np.asarray(tables[name][column], dtype=float) for column in columns)
        total += float(np.sum(np.nan_to_num(amount) * discount))
    return total


def compliance_cost_usd(data: NetworkData, tables: Tables) -> float:
    """Discounted compliance cost of a plan: the part of the objective the rules add.

    Premiums and pooling (booked in each assessment group's last year), ZEV penalties and
    credit trades, production-credit trades and the carbon cost, each in USD of its year
    and discounted as the network's margin is. Read from the compliance tables, whose
    amounts :func:`evplan.verify.compliance.check_compliance` has re-derived from the input
    tables first.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> compliance_cost_usd(single_lane(), {})
    0.0
    """
    years = {name: np.asarray(tables[name]["year"], dtype=float)
             for name, _ in COST_COLUMNS if name in tables}
    return discounted_cost_usd(data, tables, years)
