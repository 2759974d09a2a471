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


def test_year_categories_keep_calendar_order() -> None:
    """Review of edea6ab: with years as categories, a first trace that starts in 2025 put
    another trace's 2024 after 2030; the axis now lists the years in order."""
    import evplan
    from evplan.examples import china_export
    from evplan.report import RunData, with_report_tables
    from evplan.report.figures import utilisation_by_country, year_axis

    assert year_axis([2030, "2024", 2025.0])["categoryarray"] == ["2024", "2025", "2030"]
    data = china_export()
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    layout = utilisation_by_country(run).figure["layout"]
    assert layout["xaxis"]["categoryarray"] == [str(year) for year in run.years]
    assert layout["autotypenumbers"] == "strict"
