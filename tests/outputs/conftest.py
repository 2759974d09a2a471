"""Helpers for the output-safety tests: the CLI in a subprocess, inputs, tree snapshots."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from evplan.data import write_inputs
from evplan.examples import random_network


def evplan(*args: str, cwd: Path, home: Path | None = None, umask: int = 0o022,
           env: dict[str, str] | None = None, timeout: float = 600
           ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m evplan.cli ARGS`` in ``cwd`` (HOME pointed at ``home`` when given)."""
    environment = {**os.environ, **(env or {})}
    if home is not None:
        environment["HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=environment,
                          umask=umask, check=False)


def small_inputs(folder: Path, name: str | None = None) -> Path:
    """A 3-plant random network as an input folder (solves in well under a second)."""
    inputs = write_inputs(random_network(3), folder)
    if name is not None:
        settings = yaml.safe_load((inputs / "scenario.yaml").read_text(encoding="utf-8"))
        settings["name"] = name
        (inputs / "scenario.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return inputs


def hostile_inputs(folder: Path) -> Path:
    """Inputs whose scenario name, source citation, a plant id and names look like formulas."""
    inputs = small_inputs(folder, name='=HYPERLINK("http://evil","click")')

    def edit(file: str, change) -> None:  # type: ignore[no-untyped-def]
        table = pd.read_csv(inputs / file, dtype=str, keep_default_na=False)
        change(table)
        table.to_csv(inputs / file, index=False)

    for file in ("plants.csv", "routes.csv", "plant_programs.csv"):
        edit(file, lambda t: t.__setitem__("plant", t["plant"].replace("P0", "=1+1")))
    edit("plants.csv", lambda t: t.__setitem__(
        "name", ['=HYPERLINK("http://evil","x")', *list(t["name"][1:])]))
    edit("markets.csv", lambda t: t.__setitem__(
        "name", ["+cmd|' /C calc'!A0", *list(t["name"][1:])]))
    settings = yaml.safe_load((inputs / "scenario.yaml").read_text(encoding="utf-8"))
    settings["sources"] = {"S1": "@SUM(1,2)", "S2": "-2+3"}
    (inputs / "scenario.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return inputs


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every path under ``root`` with a hash of its content (folders as '<dir>')."""
    out = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if relative.startswith(skip):
            continue
        if path.is_symlink():
            out[relative] = "<link>" + os.readlink(path)
        elif path.is_dir():
            out[relative] = "<dir>"
        else:
            out[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
