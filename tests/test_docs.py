"""The inputs reference and the README stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import evplan
from evplan.schema.docs import render_inputs_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_inputs_reference_is_generated_from_the_schema() -> None:
    written = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert written == render_inputs_markdown(), (
        "docs/inputs.md is stale: run `python -m evplan.schema.docs > docs/inputs.md`")


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    first_two = [line for line in blocks[0].splitlines() if line.strip()]
    assert first_two == ["pip install . && evplan run",
                         'pip install ".[test]" && python -m pytest']
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert first_two[1] in ci.splitlines()


def test_public_api_is_explicit() -> None:
    for name in evplan.__all__:
        assert hasattr(evplan, name), name
    assert {"load", "optimize", "examples", "Result", "NetworkData"} <= set(evplan.__all__)
