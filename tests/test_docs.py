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


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _code_spans(text: str) -> list[str]:
    """Inline code spans and the lines of fenced code blocks of a Markdown text."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    without_blocks = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    return re.findall(r"`([^`\n]+)`", without_blocks) + [
        line for block in blocks for line in block.splitlines()]


def test_every_evplan_command_and_option_the_docs_quote_exists() -> None:
    """`evplan CMD ... --option` in README.md and docs/*.md: CMD is a command and each option
    one of its options (hidden, deprecated ones included), or one of `evplan`'s own."""
    import typer

    from evplan.cli import app

    group = typer.main.get_command(app)
    options = {name: {flag for param in command.params
                      for flag in (*param.opts, *param.secondary_opts)}
               for name, command in group.commands.items()}
    own = {flag for param in group.params for flag in (*param.opts, *param.secondary_opts)}
    wrong = []
    for doc in DOCS:
        for span in _code_spans(doc.read_text(encoding="utf-8")):
            for found in re.finditer(r"(?<![\w./])evplan ([a-z][a-z-]*)((?:[ \t]+[^\s#|&;]+)*)",
                                     span):
                command, rest = found.group(1), found.group(2)
                if command == "import":
                    continue
                if command not in options:
                    wrong.append(f"{doc.name}: unknown command `evplan {command}` in `{span}`")
                    continue
                for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                    if flag not in options[command] | own:
                        wrong.append(f"{doc.name}: `evplan {command}` has no {flag} (`{span}`)")
    assert not wrong, "\n".join(wrong)


def test_every_test_file_and_test_the_docs_cite_exists() -> None:
    """`tests/x.py`, `tests/x.py::test_y` and bare `test_y` names in README.md and docs/*.md
    name files and test functions that exist, so a renamed test cannot leave a doc citing
    nothing."""
    sources = {path: path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py")}
    everything = "\n".join(sources.values())
    missing = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for path, name in re.findall(r"(tests/[\w/]+(?:\.py)?)(?:::(\w+))?", text):
            if not (ROOT / path).exists():
                missing.append(f"{doc.name}: {path}")
            elif name and f"def {name}(" not in (ROOT / path).read_text(encoding="utf-8"):
                missing.append(f"{doc.name}: {path}::{name}")
        for name in set(re.findall(r"\b(test_\w+)\b", text)):
            if f"def {name}(" not in everything and not any(
                    path.stem == name for path in sources):
                missing.append(f"{doc.name}: {name}")
    assert not missing, "\n".join(missing)


def test_readme_exit_codes_are_the_codes_of_evplan_errors() -> None:
    from evplan import errors

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d+) \| ([^|]+)\|", readme, flags=re.M))
    assert set(map(int, table)) == {
        errors.EXIT_OK, errors.EXIT_INPUT, errors.EXIT_INFEASIBLE, errors.EXIT_SOLVER_LIMIT,
        errors.EXIT_VERIFICATION, errors.EXIT_USAGE, errors.EXIT_INTERRUPTED}
    assert table[str(errors.EXIT_INPUT)].startswith("input error")
    assert table[str(errors.EXIT_INFEASIBLE)].startswith("infeasible")
    assert table[str(errors.EXIT_VERIFICATION)].startswith("a bug")
    assert table[str(errors.EXIT_USAGE)].startswith("usage error")
    assert table[str(errors.EXIT_INTERRUPTED)].startswith("interrupted")


def _resolves(name: str) -> bool:
    """Whether a dotted name is reached from ``evplan`` by attributes, importing a submodule
    only where no attribute has the name (importing first would let a data folder such as
    ``evplan/examples/china_export/`` shadow the function ``evplan.examples.china_export``
    for every later test in the process)."""
    import importlib

    parts = name.split(".")
    found: object = importlib.import_module(parts[0])
    for depth, attribute in enumerate(parts[1:], start=2):
        if not hasattr(found, attribute):
            try:
                importlib.import_module(".".join(parts[:depth]))
            except ImportError:
                return False
            if not hasattr(found, attribute):
                return False
        found = getattr(found, attribute)
    return True


def test_every_evplan_name_and_import_the_docs_quote_exists() -> None:
    """A dotted `evplan.x.y` in the docs' code spans, and every `import`/`from evplan ...
    import` line of their Python blocks, names something the package has (a moved function
    left `evplan.fleet.write_tables` cited where the code has `evplan.fleet.write`'s)."""
    missing = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for span in _code_spans(text):
            for name in re.findall(r"(?<![\w./])(evplan(?:\.[A-Za-z_]\w*)+)", span):
                if name != "evplan.duckdb" and not _resolves(name):
                    missing.append(f"{doc.name}: {name} (`{span}`)")
        for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
            for line in block.splitlines():
                found = re.match(r"from (evplan[\w.]*) import ([\w, ]+)", line.strip())
                if found:
                    for name in found.group(2).split(","):
                        if not _resolves(f"{found.group(1)}.{name.strip()}"):
                            missing.append(f"{doc.name}: {line.strip()}")
    assert not missing, "\n".join(missing)
