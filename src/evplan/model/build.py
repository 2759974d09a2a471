"""Build the network model: a table of contents of the variables and constraint families."""

from __future__ import annotations

import dataclasses

import linopy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.lazy_dask import defer_dask_import
from evplan.model.compliance_index import build_compliance_index, has_compliance
from evplan.model.compliance_kits import with_kits
from evplan.model.families import (
    add_committed_sales,
    add_demand_tiers,
    add_duty_quota,
    add_market_balance,
    add_plant_capacity,
    add_plant_minimum,
    add_route_capacity,
)
from evplan.model.families.compliance import (
    add_carbon_cap,
    add_fleet_targets,
    add_production_credits,
    add_zev_mandates,
    compliance_objective,
)
from evplan.model.index import ModelIndex, build_index
from evplan.model.objective import add_objective
from evplan.model.options import BuildOptions
from evplan.model.strategic.families import (
    add_strategic_families,
    add_strategic_objective,
    add_strategic_variables,
)

__all__ = ["BuildOptions", "build_model"]

defer_dask_import()  # linopy models hold NumPy arrays: no dask import


def _add_variables(m: linopy.Model, index: ModelIndex) -> None:
    """Nonnegative variables on the sparse flat indices."""
    m.add_variables(lower=0, coords=[pd.RangeIndex(len(index.flows), name="flow")],
                    name="shipment")
    m.add_variables(lower=0, coords=[pd.RangeIndex(len(index.sales), name="sale")], name="sales")
    if not index.quota_flows.empty:
        m.add_variables(lower=0, coords=[pd.RangeIndex(len(index.quota_flows),
                                                       name="quota_flow")], name="in_quota")


def build_model(data: NetworkData, options: BuildOptions | None = None,
                index: ModelIndex | None = None) -> tuple[linopy.Model, ModelIndex]:
    """Build the linopy model of ``data``.

    Parameters
    ----------
    data : NetworkData
        Validated inputs.
    options : BuildOptions, optional
        Build options (default: a plain, non-elastic model).
    index : ModelIndex, optional
        Reuse an index already built for ``data``.

    Returns
    -------
    (linopy.Model, ModelIndex)

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> m, index = build_model(single_lane())
    >>> sorted(m.constraints)
    ['demand-tier', 'market-balance', 'plant-capacity']
    """
    options = options or BuildOptions()
    index = index or build_index(data)
    penalty = data.scenario.unmet_committed_penalty_usd_per_vehicle
    m = linopy.Model(force_dim_names=True)
    _add_variables(m, index)
    if index.strategic is not None:
        add_strategic_variables(m, index.strategic, options)
    add_plant_capacity(m, index, options)
    add_plant_minimum(m, index, options)
    add_route_capacity(m, index, options)
    add_market_balance(m, index, options)
    add_demand_tiers(m, index, options)
    add_duty_quota(m, index, options)
    add_committed_sales(m, index, options, penalty)
    extra = None
    if has_compliance(data):  # CO2 and zero-emission rules (issue 16); absent: no change
        compliance = with_kits(build_compliance_index(data, index), data, index)  # + kits
        add_fleet_targets(m, compliance, options)
        add_zev_mandates(m, compliance, options)
        add_production_credits(m, compliance, options)
        add_carbon_cap(m, compliance, options)
        extra = compliance_objective(m, compliance, index, options)
        index = dataclasses.replace(index, compliance=compliance)
    if index.strategic is not None:  # strategic tables present: the network-design MILP
        add_strategic_families(m, index, options)
    add_objective(m, index, options, penalty, extra)
    if index.strategic is not None:
        add_strategic_objective(m, index, options)
    assert np.all(index.flows["plant_year"] >= 0)
    return m, index
