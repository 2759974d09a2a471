"""Certify a plan before a solver path returns it: the one entry point every path calls.

Imports only NumPy, pandas and evplan's own checks (no linopy), so a worker that re-solves
warm cases from a shipped state certifies its plans without the modelling layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from evplan.data import NetworkData
from evplan.model.compliance_index import has_compliance
from evplan.results.result import Result
from evplan.verify.network import verify_network
from evplan.verify.network_dual import duals_from_run
from evplan.verify.network_tables import NameCodes

__all__ = ["certify"]


def certify(data: NetworkData, result: Result, m: Any, run: Any,
            index: Any, lp: bool | None = None,
            skip: frozenset[str] = frozenset(), compliance_check: Any = None,
            compliance_plan: Mapping[str, Any] | None = None,
            names: NameCodes | None = None, derived: bool = True) -> Result:
    """Check ``result`` against the input tables before it is returned.

    :func:`evplan.verify.verify_network` re-checks every network row and recomputes the
    objective; with CO2 and zero-emission rules, :func:`evplan.verify.check_compliance`
    re-derives every compliance row and its USD amounts, and their discounted cost
    (:func:`evplan.verify.compliance_cost_usd`) joins the recomputed objective. For a plain
    export LP the HiGHS duals are the candidate optimality certificate (a dual bound from
    the tables); with compliance rows no independent bound is computed (the certificate
    says so: ``bound_usd`` is None). A whole result's summary tables (production,
    utilisation, duties, margins, demand rows) and network KPIs are then re-derived from
    the certified plan (:mod:`evplan.verify.derived`; family ``derived``), and an LP's
    reported shadow prices are checked against the conditions every correct dual meets
    (:mod:`evplan.verify.duals`; family ``duals``). Raises VerificationError on any
    violation.

    Parameters
    ----------
    m : linopy.Model or Mapping[str, numpy.ndarray]
        The built model, or its constraint labels per name (a warm model's layout).
    lp : bool, optional
        Whether the model is an LP (default: read from ``m``, which must then be a model).
    skip : frozenset of str, optional
        Families another certificate checks (see :func:`evplan.verify.verify_network`).
    compliance_check : evplan.verify.compliance.ComplianceCheck, optional
        The compliance check's joins made for plans with ``result``'s keys (a warm model
        keeps one for all its cases); made here from ``data`` when not given.
    compliance_plan : mapping, optional
        The tables the compliance check reads (``shipments`` and the compliance tables,
        as DataFrames or mappings of column to array); default ``result.tables``.
    derived : bool, optional
        Re-derive the summary tables and KPIs (family ``derived``). A warm case passes
        False: its tables come from result templates that were checked against a cold,
        certified result on the base case, and the check would cost it 5x its solve.
    names : evplan.verify.network_tables.NameCodes, optional
        The network certificate's name codes and join positions kept across plans with the
        same names and years (a warm model's cases; see :func:`evplan.verify.verify_network`).
    """
    from evplan.errors import VerificationError

    if lp is None:
        lp = not (len(m.binaries) + len(m.integers))
    extra_cost = 0.0
    compliance = has_compliance(data)
    if compliance:
        from evplan.verify.compliance import ComplianceCheck

        plan = result.tables if compliance_plan is None else compliance_plan
        check = compliance_check or ComplianceCheck(data, plan)
        problems = check.problems(plan)
        if problems:
            raise VerificationError([f"compliance: {line}" for line in problems])
        extra_cost = check.cost_usd(data, plan)
    duals = (duals_from_run(m, run, index)
             if lp and not compliance and not skip and np.isfinite(run.dual).any() else None)
    certificate = verify_network(data, result, duals, extra_cost_usd=extra_cost, skip=skip,
                                 names=names)
    if derived and "utilisation" in result.tables:  # a whole result
        strategic = getattr(index, "strategic", None) is not None
        problems = _derived(data, result, strategic)
        if problems:
            raise VerificationError([f"derived: {line}" for line in problems])
        if lp and result.status == "optimal":  # a MIP reports no duals
            from evplan.verify.duals import dual_problems

            problems = dual_problems(data, result.tables, strategic=strategic)
            if problems:
                raise VerificationError([f"duals: {line}" for line in problems])
    metadata = {**result.metadata, "certificate": certificate.as_dict()}
    if compliance:
        metadata["compliance_check"] = "passed"
    return replace(result, metadata=metadata)


def _derived(data: NetworkData, result: Result, strategic: bool) -> list[str]:
    """The summary tables and network KPIs re-derived from the certified plan
    (:mod:`evplan.verify.derived`; the strategic corrections by
    :mod:`evplan.strategic.check_derived`)."""
    from evplan.verify.derived import derived_problems, kpi_problems

    problems = derived_problems(data, result.tables, strategic=strategic)
    if strategic:
        from evplan.strategic.check_derived import strategic_derived_problems

        problems += strategic_derived_problems(data, result.tables)
    return problems + kpi_problems(result.kpis, result.tables)
