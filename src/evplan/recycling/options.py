"""Options of the recycling network model (a frozen dataclass, passed explicitly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evplan.errors import InputError, Problem
from evplan.highs import SolverOptions

__all__ = ["RecyclingOptions"]


@dataclass(frozen=True)
class RecyclingOptions:
    """How the recycling network is planned.

    Parameters
    ----------
    objective : {"meet_all", "max_value"}
        ``meet_all``: every retired tonne is processed by the end of the horizon (storage
        allowed within ``max_storage_years``), at the lowest net cost. ``max_value``:
        collect only what pays; maximise recovered value minus all costs.
    discount_rate : float
        Yearly discount rate of the objective and of the capital annuity (0.08, the default
        scenario's rate; an assumption).
    first_year, last_year : int or None
        Years planned (default: the years of the retired packs).
    max_storage_years : int
        Packs may wait at most this many years at their collection point (0: none).
        Default 3: EU waste law treats storage before recovery of more than three years as
        landfill (an estimate here; not in the facts file).
    storage_usd_per_tonne_year : float
        Cost of storing a tonne for a year (estimate: 30).
    build_every_years : int
        Plants may open only every this many years from the first year (RELOG's building
        periods; default 5; 1: any year). Fewer opening dates make the MILP much easier.
    eu_targets : bool
        Impose the EU recycling-efficiency and material-recovery targets on what each EU
        plant processes.
    target_penalty_usd_per_tonne : float or None
        A shortfall against a target is allowed at this cost per tonne (default 100,000,
        above the value of any recovered material, so a target is met whenever some
        process and mix can meet it) and reported in ``compliance``. None: the targets are
        hard constraints, and an impossible one makes the model infeasible (explained by an
        elastic re-solve).
    explain_targets : bool
        Also solve without the EU targets to find which target changes the plan first.
    solver : SolverOptions
        Limits of HiGHS for each MILP (default 240 s and a 1 % gap; the result reports
        the proven gap). The MILP is solved part by part
        (:mod:`evplan.recycling.components`): the time limit bounds all parts together and
        the gap is that of the whole plan.
    verify : bool
        Re-evaluate the plan from the input tables before returning it
        (:func:`evplan.verify.recycling.check_recycling`; a broken rule raises
        :class:`~evplan.errors.VerificationError`). On by default.
    """

    objective: Literal["meet_all", "max_value"] = "meet_all"
    discount_rate: float = 0.08
    first_year: int | None = None
    last_year: int | None = None
    max_storage_years: int = 3
    storage_usd_per_tonne_year: float = 30.0
    build_every_years: int = 5
    eu_targets: bool = True
    target_penalty_usd_per_tonne: float | None = 100_000.0
    explain_targets: bool = True
    solver: SolverOptions = field(default_factory=lambda: SolverOptions(time_limit_s=240.0,
                                                                        mip_gap=0.01))
    verify: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.objective not in ("meet_all", "max_value"):
            problems.append(f"objective = '{self.objective}' is not 'meet_all' or 'max_value'. "
                            "Use one of them.")
        if not 0 <= self.discount_rate <= 1:
            problems.append(f"discount_rate = {self.discount_rate:g} is outside [0, 1]. Rates "
                            "are fractions (8 % -> 0.08).")
        if self.max_storage_years < 0:
            problems.append(f"max_storage_years = {self.max_storage_years} is below the "
                            "minimum 0. Fix the sign or the value.")
        if self.storage_usd_per_tonne_year < 0:
            problems.append(f"storage_usd_per_tonne_year = {self.storage_usd_per_tonne_year:g} "
                            "is below the minimum 0. Fix the sign or the value.")
        if self.build_every_years < 1:
            problems.append(f"build_every_years = {self.build_every_years} is below the "
                            "minimum 1. Use 1 to allow openings in any year.")
        if (self.first_year is not None and self.last_year is not None
                and self.first_year > self.last_year):
            problems.append(f"first_year = {self.first_year} is after last_year = "
                            f"{self.last_year}. Swap them.")
        if self.target_penalty_usd_per_tonne is not None and self.target_penalty_usd_per_tonne < 0:
            problems.append("target_penalty_usd_per_tonne is negative. Give a positive cost "
                            "or None for hard targets.")
        if problems:
            raise InputError([Problem("options", text) for text in problems])
