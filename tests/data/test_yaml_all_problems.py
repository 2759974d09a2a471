"""Every key given twice and every value hidden by a comment in a YAML file is reported at
once (audit s23, helper-80: two repeated overrides and a repeated seed gave one problem)."""

from __future__ import annotations

import pytest

from evplan.data.files import load_yaml
from evplan.errors import InputError

TEXT = """\
overrides:
  up: {routes: {scale: {freight_usd_per_vehicle: 1.1}}}
  up: {routes: {scale: {freight_usd_per_vehicle: 1.2}}}
  down: # TODO
montecarlo:
  risk:
    seed: 1
    seed: 2
    samples:
      - 1
      - # later
"""


def test_all_repeated_keys_and_hidden_values_come_together() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml(TEXT, "scenarios.yaml")
    messages = [problem.message for problem in caught.value.problems]
    assert messages == [
        "scenarios.yaml is refused: line 3: the key 'up' is given twice (first on line 2); "
        "only one would be read. Keep one.",
        "scenarios.yaml is refused: line 4: 'down' has no value: '# TODO' is a YAML comment, "
        "so the key would be read as empty. Write the value (quote text that starts with "
        "'#'), or write null to leave it empty.",
        "scenarios.yaml is refused: line 8: the key 'seed' is given twice (first on line 7); "
        "only one would be read. Keep one.",
        "scenarios.yaml is refused: line 11: a list item has no value: '# later' is a YAML "
        "comment, so the item would be read as empty. Write the value (quote text that "
        "starts with '#'), or remove the item.",
    ], messages


def test_a_key_given_three_times_names_the_first_line_each_time() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml("a: 1\na: 2\na: 3\n", "scenario.yaml")
    assert [problem.message for problem in caught.value.problems] == [
        f"scenario.yaml is refused: line {line}: the key 'a' is given twice (first on line "
        "1); only one would be read. Keep one." for line in (2, 3)]
