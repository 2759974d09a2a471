r"""Vehicles assembled from kits in the CO2 and zero-emission rules (strategic models).

A kit flow (``kit_shipment``, :mod:`evplan.model.strategic.kits`) of program :math:`v`
from plant :math:`p` to a site sells :math:`z` vehicles in the site's market :math:`k` in
year :math:`y`. The rules count them where a vehicle sold in the market counts
(docs/formulation.md, "Kits"):

* fleet CO2 target of :math:`(k, y)`: coefficient :math:`e_v - T_{ky}`, as a built-up
  vehicle of :math:`v` sold there;
* ZEV mandate of :math:`(k, y)`: coefficient :math:`c_v - s_{ky}` in the balance and
  :math:`\beta_{ky} s_{ky}` in the borrowing limit, as a built-up one;
* carbon price and cap of year :math:`y`: the vehicle's production CO2 at the origin plant
  :math:`p` (its assembly energy and battery, as a vehicle built there: the site's final
  assembly has no emissions input), no shipping CO2 (``kit_routes`` has no CO2 column),
  and the use phase in :math:`k` where ``include_use_phase`` is ``yes``;
* production credits: none (a kit is not a vehicle built in the plant's country).

:func:`with_kits` returns a :class:`KitComplianceIndex`: the network's
:class:`~evplan.model.compliance_index.ComplianceIndex` plus ``kits``, one row per kit
flow (positions of ``kit_shipment``) with the columns of ``ComplianceIndex.flows``.
Without kit flows it returns the index unchanged, so a model without kits is built as
before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.model.compliance_index import (
    NO_CODE,
    ComplianceIndex,
    _carbon,
    _emissions,
    _fleet,
    _zev,
)
from evplan.model.index import ModelIndex

__all__ = ["KitComplianceIndex", "kit_rows", "with_kits"]

_CODES = ("fleet_year", "fleet_group", "zev_year", "credit_year", "carbon_year")


@dataclass(frozen=True)
class KitComplianceIndex(ComplianceIndex):
    """A :class:`ComplianceIndex` with the kit flows' codes and coefficients (``kits``)."""

    kits: pd.DataFrame = field(default_factory=pd.DataFrame)


def kit_rows(compliance: ComplianceIndex) -> pd.DataFrame:
    """The kit flows of ``compliance``.

    Parameters
    ----------
    compliance : ComplianceIndex
        A compliance index; a :class:`KitComplianceIndex` carries the kit flows.

    Returns
    -------
    pandas.DataFrame
        One row per kit flow (position of ``kit_shipment``) with the columns of
        ``compliance.flows``; no rows when the index has no kit flows.
    """
    kits = getattr(compliance, "kits", None)
    if kits is None or not len(kits):
        return compliance.flows.iloc[:0]
    return kits


def _kit_compliance(data: NetworkData, kits: pd.DataFrame) -> pd.DataFrame:
    countries = data.markets.set_index("market")["country"]
    flows = pd.DataFrame({
        "plant": kits["plant"].to_numpy(dtype=object),
        "origin": kits["origin"].to_numpy(dtype=object),
        "program": kits["program"].to_numpy(dtype=object),
        "powertrain": kits["powertrain"].to_numpy(dtype=object),
        "market": kits["market"].to_numpy(dtype=object),
        "market_country": kits["market"].map(countries).to_numpy(dtype=object),
        "year": kits["year"].to_numpy(dtype=np.int64),
        "co2_kg_per_vehicle": np.zeros(len(kits)),  # kit lanes carry no CO2 input
    })
    out = _emissions(data, flows)
    _fleet(data, flows, out)
    _zev(data, flows, out)
    _carbon(data, flows, out)
    out["credit_year"] = NO_CODE  # kits earn and owe no production credits
    for column in ("production_credits", "production_credit_required", "credit_coefficient"):
        out[column] = 0.0
    out = pd.concat([flows[["plant", "origin", "program", "powertrain", "market", "year"]],
                     out], axis=1)
    for column in _CODES:
        out[column] = out[column].astype(np.int64)
    return out


def with_kits(compliance: ComplianceIndex, data: NetworkData, index: ModelIndex
              ) -> ComplianceIndex:
    """``compliance`` with the kit flows of ``index`` (unchanged without kit flows).

    Parameters
    ----------
    compliance : ComplianceIndex
        The network flows' compliance index of ``data`` on ``index``.
    data : NetworkData
        Validated inputs.
    index : ModelIndex
        The model's index; its strategic part holds the kit flows.
    """
    strategic = index.strategic
    if strategic is None or not len(strategic.kits) or isinstance(compliance,
                                                                  KitComplianceIndex):
        return compliance
    values = {item.name: getattr(compliance, item.name) for item in fields(ComplianceIndex)}
    return KitComplianceIndex(**values, kits=_kit_compliance(data, strategic.kits))
