"""Names from inputs become one safe path component (evplan.outputs.names)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evplan.outputs.names import MAX_NAME_BYTES, safe_component


@pytest.mark.parametrize(("text", "expected"), [
    ("china-export", "china-export"),
    ("../../x", "x"),
    ("../../etc/passwd", "etc-passwd"),
    ("/abs/path", "abs-path"),
    ("C:\\Windows\\x", "C-Windows-x"),
    ("..", "run"),
    (".", "run"),
    ("", "run"),
    ("   ", "run"),
    (".hidden", "hidden"),
    ("a/../b", "a-.-b"),
    ("NUL", "run-NUL"),
    ("com1.txt", "run-com1.txt"),
    ("latest", "run-latest"),
    ("evplan.duckdb", "run-evplan.duckdb"),
    ("trade war: EU 30 %", "trade-war-EU-30"),
    ("ｆｕｌｌ－ｗｉｄｔｈ", "full-width"),       # NFKC folds full-width forms
    ("e\u0301", "\u00e9"),                   # combining accent composed
    ("tab\there\nnew\x00line", "tab-here-new-line"),
    ("=HYPERLINK(\"http://x\")", "HYPERLINK-http-x"),
    ("中国出口", "中国出口"),
])
def test_known_names(text: str, expected: str) -> None:
    assert safe_component(text) == expected


def test_length_is_capped_in_bytes_without_splitting_a_character() -> None:
    name = safe_component("é" * 200)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name == "é" * (MAX_NAME_BYTES // 2)


def _assert_one_component(name: str, parent: Path) -> None:
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name not in (".", "..")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert (parent / name).resolve().parent == parent.resolve()
    assert safe_component(name) == name  # idempotent


@given(st.text(max_size=300))
def test_any_text_becomes_one_component_inside_its_parent(text: str) -> None:
    _assert_one_component(safe_component(text), Path("/tmp/evplan-parent"))


def test_seeded_hostile_names() -> None:
    pieces = ["..", "/", "\\", ".", "~", "\x00", "\u202e", "C:", "%2e%2e", "\n", "ｆ", "é",
              "con", "=", "-", " ", "a", "😀"]
    rng = random.Random(12)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        _assert_one_component(safe_component(text), Path("/tmp/evplan-parent"))
