"""A small registry of report sections that domain packages provide.

The HTML report (:mod:`evplan.report`) draws its own charts and then one group per
registered section whose charts function returns anything for the run's tables. A domain
package registers its section when it is imported, so ``report/`` never imports the
domain packages::

    from evplan.sections import register_section
    register_section("network-decisions", "Network decisions", network_decision_charts)

A charts function takes the run's tables (name -> DataFrame) and returns plain plotly.js
figure dicts (``id``, ``title``, ``caption``, ``figure`` and optionally ``height``); an
empty list when the run has nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["ReportSection", "register_section", "registered_sections"]

ChartsFunction = Callable[[Mapping[str, pd.DataFrame]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ReportSection:
    """One registered section: a name (unique), its title and its charts function."""

    name: str
    title: str
    charts: ChartsFunction


_SECTIONS: dict[str, ReportSection] = {}


def register_section(name: str, title: str, charts: ChartsFunction) -> None:
    """Register (or replace) the section called ``name``."""
    _SECTIONS[name] = ReportSection(name, title, charts)


def registered_sections() -> list[ReportSection]:
    """The registered sections, in the order they were first registered."""
    return list(_SECTIONS.values())
