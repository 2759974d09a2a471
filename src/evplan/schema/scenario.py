"""``scenario.yaml``: the planning horizon and the options that are data, not code."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCENARIO_FIELDS", "ScenarioField"]


@dataclass(frozen=True)
class ScenarioField:
    """One key of ``scenario.yaml``.

    Parameters
    ----------
    name : str
        The key.
    dtype : {"str", "int", "float", "mapping"}
        Type of the value.
    unit : str
        Unit of the value.
    description : str
        One line a planner can read.
    required : bool
        Whether the key must be present.
    default : object
        Value used when the key is absent.
    minimum, maximum : float or None
        Inclusive bounds for numbers (NaN and infinity are never accepted).
    """

    name: str
    dtype: str
    unit: str
    description: str
    required: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None


SCENARIO_FIELDS: tuple[ScenarioField, ...] = (
    ScenarioField("name", "str", "-", "Scenario name, recorded with every result.", required=True),
    ScenarioField("description", "str", "-", "What the scenario is about.", default=""),
    ScenarioField(
        "first_year", "int", "year", "First planning year.", required=True,
        minimum=1900, maximum=2200,
    ),
    ScenarioField(
        "last_year", "int", "year", "Last planning year (inclusive).", required=True,
        minimum=1900, maximum=2200,
    ),
    ScenarioField(
        "discount_rate", "float", "fraction/year",
        "Discount rate applied to each year's margin, counted from first_year.",
        default=0.0, minimum=0, maximum=1,
    ),
    ScenarioField(
        "transfer_price_markup", "float", "fraction",
        "Customs value = variable cost x (1 + markup), plus freight where the basis is CIF.",
        default=0.0, minimum=0, maximum=5,
    ),
    ScenarioField(
        "default_duty_rate", "float", "fraction",
        "Ad valorem rate for cross-border routes with no duty row (blank: such a route is an "
        "input error).",
        minimum=0, maximum=5,
    ),
    ScenarioField(
        "unmet_committed_penalty_usd_per_vehicle", "float", "USD/vehicle",
        "When set, committed sales may fall short at this penalty per vehicle instead of making "
        "the model infeasible.",
        minimum=0, maximum=1e9,
    ),
    ScenarioField(
        "sources", "mapping", "-",
        "Source id -> citation, for the ids the tables quote (free text).",
        default=None,
    ),
)
