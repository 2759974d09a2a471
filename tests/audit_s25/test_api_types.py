"""A notebook user who passes a path or a dict where evplan wants loaded inputs is told how
to load them (it was "'str' object has no attribute 'tables'")."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan


@pytest.mark.parametrize("given", ["inputs.xlsx", {"plants": pd.DataFrame()}, None])
def test_optimize_names_the_argument_and_the_fix(given: object) -> None:
    with pytest.raises(TypeError, match=r"evplan.optimize takes the inputs as an evplan "
                       r"NetworkData; got .*evplan.load\('inputs/'\)"):
        evplan.optimize(given)  # type: ignore[arg-type]


def test_stochastic_names_the_argument_and_the_fix() -> None:
    with pytest.raises(TypeError, match=r"evplan.stochastic takes the inputs as an evplan "
                       r"NetworkData; got str 'china-strategic'"):
        evplan.stochastic("china-strategic", "duty-risk-small")  # type: ignore[arg-type]


def test_a_table_typo_suggests_the_table() -> None:
    data = evplan.examples.china_export()
    with pytest.raises(KeyError, match=r"no table 'plant' in these inputs. Did you mean "
                       r"'plants'\? Tables: "):
        data["plant"]
