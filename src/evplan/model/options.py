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
    strategic_formulation : {"tight", "textbook"}
        How the strategic MILP links decisions (only with strategic tables): ``tight``
        (bounds from the data, per-flow links, module counts) or ``textbook`` (one big-M
        per link, one binary per module), kept for the benchmark's comparison.
    """

    elastic: bool = False
    elastic_penalty_usd_per_vehicle: float = 1e7
    strategic_formulation: str = "tight"
