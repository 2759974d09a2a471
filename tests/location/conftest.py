"""Shared fixtures: the OR-Library folder beside the repository (never skipped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evplan.location import default_orlib_dir, read_optima


@pytest.fixture(scope="session")
def orlib_dir() -> Path:
    """The ``shared/benchmarks/orlib`` folder; fail loudly when it is missing."""
    try:
        return default_orlib_dir(Path(__file__).resolve())
    except FileNotFoundError as error:
        pytest.fail(f"OR-Library data missing, these tests cannot run: {error}")


@pytest.fixture(scope="session")
def optima(orlib_dir: Path):  # type: ignore[no-untyped-def]
    return read_optima(orlib_dir)
