r"""Trade terms of a flow beyond the duty schedule: currency, declared value, quota share, transit.

Four optional inputs change the per-vehicle parameters of :mod:`evplan.model.index`;
without them every function here is the identity and the model is the plain one.

**Exchange rates** (``exchange_rates``). Prices, variable costs and fixed costs are
local-currency amounts, written in US dollars at the first planning year's rate
:math:`f_{c,0}` (local currency per USD). In year :math:`y` an amount :math:`a` of
country :math:`c` is worth

.. math:: a_y = a \, f_{c,0} / f_{c,y} \quad \text{USD},

so the objective stays in one reporting currency (USD). A price is converted with the
market's country, a cost with the plant's country; freight is billed in USD and does not
convert. A country without rows is priced in USD (factor 1).

**Declared transfer price** (``transfer_prices``). The customs value starts from the
price the exporter invoices its importer, declared as a markup :math:`m_{o,k}` on full
cost (variable cost :math:`c_f` plus the plant's fixed cost per vehicle of capacity):

.. math:: T_f = (c_f + F_p / K_p)(1 + m_{o,k}), \qquad
          V_f = T_f + [\text{CIF}]\,\phi_f .

The market row beats the ``'*'`` row; an origin without rows keeps
:math:`T_f = c_f (1 + \text{transfer\_price\_markup})`.

**National quota shares** (``quota_shares``). A tariff-rate quota shared by every
importer is available to the planned maker only in part: the quota of group :math:`g`
in the model is :math:`\bar Q_g \, s_g`.

**Inventory in transit** (``inventory_carrying_rate`` :math:`h` in scenario.yaml). A
vehicle on a lane of :math:`t_f` transit days ties up its value for that time:

.. math:: \iota_f = T_f \, h \, t_f / 365 \quad \text{USD per vehicle},

added to the flow's unit cost.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData

__all__ = [
    "customs_transfer_price",
    "exchange_factor",
    "in_transit_cost",
    "quota_share",
    "transfer_markup",
]


def exchange_factor(data: NetworkData, countries: pd.Series | np.ndarray,
                    years: pd.Series | np.ndarray) -> np.ndarray:
    """Factor :math:`f_{c,0}/f_{c,y}` that turns base-rate USD into year-``y`` USD.

    Parameters
    ----------
    data : NetworkData
        Validated inputs; ``exchange_rates`` may be empty (every factor is then 1).
    countries, years : array-like
        One country code and one year per element.

    Returns
    -------
    numpy.ndarray
        One factor per element; 1.0 for countries without exchange-rate rows.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> exchange_factor(single_lane(), ["AA"], [2025]).tolist()
    [1.0]
    """
    rates = data["exchange_rates"]
    countries = np.asarray(countries, dtype=object)
    years = np.asarray(years, dtype=int)
    if rates.empty:
        return np.ones(len(countries))
    table = rates.set_index(["country", "year"])["local_per_usd"]
    base_year = data.scenario.first_year
    keys = pd.MultiIndex.from_arrays([countries, years])
    now = table.reindex(keys).to_numpy(dtype=float)
    base = table.reindex(pd.MultiIndex.from_arrays([countries, np.full(len(years), base_year)]
                                                   )).to_numpy(dtype=float)
    factor = base / now
    return np.where(np.isnan(factor), 1.0, factor)


def transfer_markup(data: NetworkData, origin: np.ndarray, market: np.ndarray) -> np.ndarray:
    """The ``transfer_prices`` markup of each (origin, market): the exact row, else the
    origin's ``*`` row, else NaN (the scenario's default markup applies)."""
    table = data["transfer_prices"]
    if table.empty:
        return np.full(len(origin), np.nan)
    markups = table.set_index(["origin", "market"])["markup_on_full_cost"]
    exact = markups.reindex(pd.MultiIndex.from_arrays(
        [np.asarray(origin), np.asarray(market)])).to_numpy(dtype=float)
    wildcard = markups.reindex(pd.MultiIndex.from_arrays(
        [np.asarray(origin), np.full(len(origin), "*")])).to_numpy(dtype=float)
    return np.where(np.isnan(exact), wildcard, exact)


def customs_transfer_price(data: NetworkData, flows: pd.DataFrame | Mapping[str, np.ndarray],
                           plant_years: pd.DataFrame | Mapping[str, np.ndarray],
                           markup: np.ndarray | None = None) -> np.ndarray:
    """Declared transfer price :math:`T_f` per vehicle of each flow (see the module docstring).

    ``flows`` needs ``origin``, ``market``, ``variable_cost_usd_per_vehicle`` and
    ``plant_year`` (the position in ``plant_years``); costs already in year-``y`` USD.
    ``markup`` is :func:`transfer_markup` of the flows, if the caller has it.
    """
    variable = np.asarray(flows["variable_cost_usd_per_vehicle"], dtype=float)
    default = variable * (1 + data.scenario.transfer_price_markup)
    if data["transfer_prices"].empty:
        return default
    if markup is None:
        markup = transfer_markup(data, np.asarray(flows["origin"]), np.asarray(flows["market"]))
    capacity = np.asarray(plant_years["capacity_vehicles_per_year"], dtype=float)
    fixed = np.asarray(plant_years["fixed_cost_usd_per_year"], dtype=float)
    per_plant_year = np.divide(fixed, capacity, out=np.zeros(len(capacity)), where=capacity > 0)
    fixed_per_vehicle = per_plant_year[np.asarray(flows["plant_year"], dtype=np.int64)]
    declared = (variable + fixed_per_vehicle) * (1 + markup)
    return np.where(np.isnan(markup), default, declared)


def quota_share(data: NetworkData, quota_groups: pd.Series) -> np.ndarray:
    """Share :math:`s_g` of each row's national quota available to the maker (1 if unlisted)."""
    shares = data["quota_shares"]
    if shares.empty:
        return np.ones(len(quota_groups))
    at = pd.Index(shares["quota_group"]).get_indexer(quota_groups.fillna(""))  # -1: unlisted
    found = shares["share_of_quota"].to_numpy(dtype=float)[at]
    return np.where((at < 0) | np.isnan(found), 1.0, found)


def in_transit_cost(data: NetworkData, transfer_price: np.ndarray,
                    transit_days: pd.Series | np.ndarray) -> np.ndarray:
    r"""Carrying cost :math:`\iota_f` of the vehicles' value while on the water, per vehicle."""
    rate = data.scenario.inventory_carrying_rate
    return transfer_price * rate * np.asarray(transit_days, dtype=float) / 365.0
