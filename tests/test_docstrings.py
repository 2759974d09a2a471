"""Every example in evplan's docstrings runs and prints what it says (so none goes stale)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import evplan


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(evplan.__path__, "evplan.")
                  if not info.name.endswith("__main__"))


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module, name)):
            found.append(name)
    return found


MODULES = _with_examples()


def test_the_examples_are_found() -> None:
    # A finder that found nothing would pass every module below.
    assert len(MODULES) >= 40 and "evplan.scenarios.segments" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples in {name} failed"
