"""Options of the model build, passed explicitly as a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BuildOptions"]


@dataclass(frozen=True)
class BuildOptions:
    """How to build the network model.

    Parameters
    ----------
    elastic : bool
        Add penalised shortfall slacks to every requirement (minimum production,
        committed sales), so an infeasible model becomes feasible and the slacks name
        what breaks. Used by :func:`evplan.solve.explain_infeasibility`.
    elastic_penalty_usd_per_vehicle : float
        Penalty per vehicle of shortfall in the elastic copy; far above any margin.
    strategic_formulation : {"tight", "disaggregated", "textbook"}
        How the strategic MILP links decisions (only with strategic tables): ``tight``
        (one link per decision with the bound the data give, module counts),
        ``disaggregated`` (also one link per flow, tier and sale: a stronger LP, more rows)
        or ``textbook`` (one big-M per link, one binary per module), the last two kept for
        the benchmark's comparison.
    strategic_module_order : bool
        Add u_j >= u_{j+1} between a plant's identical modules (explicit symmetry breaking;
        off by default, HiGHS's symmetry detection did better).
    """

    elastic: bool = False
    elastic_penalty_usd_per_vehicle: float = 1e7
    strategic_formulation: str = "tight"
    strategic_module_order: bool = False
