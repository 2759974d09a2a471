"""Chart layouts shared by the report pages."""

from __future__ import annotations


def test_every_chart_layout_keeps_number_like_ids_as_categories() -> None:
    """Audit (session 20): the run report's charts keep ids such as plant "07" as
    categories (layout.autotypenumbers 'strict'); the charging, strategic and recycling
    charts' own layouts did not."""
    from evplan.charging.report import _layout as charging
    from evplan.recycling.report import _layout as recycling
    from evplan.report.figures import base_layout
    from evplan.strategic.report import _layout as strategic

    for layout in (charging, recycling, strategic, base_layout):
        assert layout(barmode="stack")["autotypenumbers"] == "strict", layout
