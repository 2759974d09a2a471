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
        "inventory_carrying_rate", "float", "fraction/year",
        "Annual carrying rate on vehicles in transit: a lane costs transit_days / 365 x this "
        "rate x the vehicle's value (its transfer price) per vehicle.",
        default=0.0, minimum=0, maximum=1,
    ),
    ScenarioField(
        "calibrated_year", "int", "year",
        "The year demand.csv was calibrated to with `evplan calibrate` (its figures then "
        "reproduce the inputs and are labelled calibration); blank: not calibrated. A label "
        "only: the report calls the figures of the first planning year calibration when it "
        "is that year; any other year (a base year before the horizon) changes nothing.",
        minimum=1900, maximum=2200,
    ),
    ScenarioField(
        "default_duty_rate", "float", "fraction",
        "Ad valorem rate for cross-border routes with no duty row (blank: such a route is an "
        "input error); countervailing duties still apply on top.",
        minimum=0, maximum=5,
    ),
    ScenarioField(
        "unmet_committed_penalty_usd_per_vehicle", "float", "USD/vehicle",
        "When set, committed sales may fall short at this penalty per vehicle (discounted) "
        "instead of making the model infeasible, also where no flow can serve them.",
        minimum=0, maximum=1e9,
    ),
    ScenarioField(
        "objective_basis", "str", "-",
        "What the plan maximises: 'consolidated' margin (every plant counted in full) or the "
        "automaker's 'attributable' share (joint-venture plants of plant_equity.csv counted at "
        "its equity share). Both are reported.",
        default="consolidated",
    ),
    ScenarioField(
        "base_inputs", "str", "-",
        "Folder (relative to this one) whose tables this folder overlays: a table here adds "
        "rows to the base's table, replacing base rows with the same key (a key column left "
        "out of a table here is blank, as in a row that leaves it blank; 2023.0 is 2023); "
        "tables not here are the base's. Folders only (set in a workbook, an error); blank: "
        "none.",
        default="",
    ),
    ScenarioField(
        "sources", "mapping", "-",
        "Source id -> citation, for the ids the tables quote (free text).",
        default=None,
    ),
)
