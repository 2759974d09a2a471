"""Layer 1: reading untrusted files: encodings, CSV separators, and YAML with limits."""

from __future__ import annotations

import codecs
import doctest
import os
import re
from pathlib import Path

import pytest

import evplan
from evplan.data import files
from evplan.data.files import decode_text, load_yaml, read_csv_table
from evplan.errors import InputError

ROOT = Path(__file__).parents[2]


def message(call: object, *args: object) -> str:
    with pytest.raises(InputError) as caught:
        call(*args)  # type: ignore[operator]
    assert len(caught.value.problems) == 1
    return caught.value.problems[0].message


def test_module_examples() -> None:
    assert doctest.testmod(files).failed == 0


def test_utf8_with_a_byte_order_mark_and_crlf_reads_as_utf8() -> None:
    assert decode_text(codecs.BOM_UTF8 + "Türkiye\r\n".encode(), "a.csv") == "Türkiye\r\n"


def test_utf16_latin1_and_binary_are_refused_with_the_fix() -> None:
    assert message(decode_text, "plant\n".encode("utf-16"), "plants.csv") == (
        "plants.csv is saved as UTF-16 (Excel's 'Unicode text'); evplan reads UTF-8. Save it as "
        "UTF-8 (in Excel: Save As > 'CSV UTF-8'; in an editor: encoding UTF-8).")
    assert message(decode_text, "a\nb\nTürkiye\n".encode("latin-1"), "scenario.yaml") == (
        "scenario.yaml is not UTF-8 text: byte 0xFC on line 3 is not UTF-8 (the file is "
        "probably Latin-1 or Windows-1252). Save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; "
        "in an editor: encoding UTF-8).")
    assert message(decode_text, b"PK\x03\x04\x00\x00", "scenario.yaml").startswith(
        "scenario.yaml is not a text file: line 1 holds a NUL byte")


def test_other_separators_and_ragged_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    path.write_text("plant;country\nP1;AA\n", encoding="utf-8")
    assert message(read_csv_table, path, "plants.csv") == (
        "plants.csv uses ';' to separate columns (header 'plant;country'); evplan reads commas. "
        "Save it as CSV with a comma separator.")
    path.write_text("plant,country\nP1,AA\nP2,BB,extra\n", encoding="utf-8")
    assert "Expected 2 fields in line 3, saw 3" in message(read_csv_table, path, "plants.csv")
    path.write_text("plant,country\nP1,AA,\nP2,BB,\n", encoding="utf-8")
    assert message(read_csv_table, path, "plants.csv") == (
        "plants.csv cannot be read as CSV: its rows have one cell more than the header row (a "
        "comma at the end of each line?). Remove the extra commas, or name the extra column.")
    path.write_text("\n\n", encoding="utf-8")
    assert read_csv_table(path, "plants.csv") is None


def billion_laughs(levels: int, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_built() -> None:
    # 9 levels of 9 aliases expand to 9**9 (387 million) strings; composing the document
    # holds 82 nodes; the expanded count passes MAX_NODES at level 6 (531,441 values).
    assert message(load_yaml, billion_laughs(9), "scenario.yaml") == (
        "scenario.yaml is refused: line 6: with its aliases expanded the document holds more "
        "than 200,000 values (an alias bomb?).")


def test_a_bomb_of_long_strings_hits_the_character_limit() -> None:
    text = "a: &a " + "x" * 100_000 + "\nb: &b [" + ", ".join(["*a"] * 300) + "]\n"
    assert "more than 20,000,000 characters" in message(load_yaml, text, "scenarios.yaml")


def test_too_many_aliases_recursive_aliases_and_deep_nesting_are_refused() -> None:
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (files.MAX_ALIASES + 1)) + "]\n"
    assert re.match(r"scenario.yaml is refused: line 2: more than 1000 aliases",
                    message(load_yaml, many, "scenario.yaml"))
    assert message(load_yaml, "a: &a [1, *a]\n", "scenario.yaml") == (
        "scenario.yaml is refused: line 1: an alias refers to the value that contains it (a "
        "recursive alias). Write the value out.")
    deep = "x: " + "[" * 10_000 + "]" * 10_000
    assert message(load_yaml, deep, "scenario.yaml") == (
        "scenario.yaml is refused: line 1: nested more than 50 levels deep. Flatten the "
        "document.")
    # nesting built from a chain of aliases, each level shallow
    chain = "l0: &l0 [1]\n" + "".join(f"l{n}: &l{n} [*l{n - 1}]\n" for n in range(1, 60))
    assert "nested more than 50 levels deep" in message(load_yaml, chain, "scenario.yaml")


def test_python_and_unknown_tags_are_refused() -> None:
    assert message(load_yaml, "name: !!python/object/apply:os.system ['echo x']",
                   "scenario.yaml") == (
        "scenario.yaml is refused: line 1: the tag '!!python/object/apply:os.system' would build "
        "a Python object; evplan reads plain values only. Remove the tag.")
    assert message(load_yaml, "rate: !money 0.1", "scenario.yaml") == (
        "scenario.yaml is refused: line 1: could not determine a constructor for the tag "
        "'!money'. evplan reads plain values only; remove the tag.")


def test_syntax_errors_name_the_line_and_plain_anchors_still_work() -> None:
    assert message(load_yaml, "a: 1\nb: [2\n", "scenario.yaml").startswith(
        "scenario.yaml is not valid YAML: line 3, column 1: expected ',' or ']'")
    merged = "base: &base {where: {market: EU}}\nx: {<<: *base, set: {cvd_rate: 0.2}}\n"
    assert load_yaml(merged, "scenarios.yaml")["x"] == {"where": {"market": "EU"},
                                                        "set": {"cvd_rate": 0.2}}


def test_every_yaml_read_goes_through_the_limited_loader() -> None:
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "src").rglob("*.py")
                 if re.search(r"yaml\.(safe_)?load\(|yaml\.(Unsafe|Full)?Loader",
                              path.read_text(encoding="utf-8"))
                 and path.name != "files.py"]
    assert offenders == []


def test_scenario_yaml_problems_in_a_folder_are_input_errors(tmp_path: Path) -> None:
    from evplan.data import write_inputs
    from evplan.examples import single_lane

    folder = write_inputs(single_lane(), tmp_path / "inputs")
    scenario = folder / "scenario.yaml"
    original = scenario.read_text(encoding="utf-8")
    for text, start in ((original.encode("utf-16"), "scenario.yaml is saved as UTF-16"),
                        (billion_laughs(9).encode(), "scenario.yaml is refused"),
                        (b"- a\n- b\n", "scenario.yaml must be a mapping of keys to values"),
                        (b"", "scenario.yaml is empty")):
        scenario.write_bytes(text)
        with pytest.raises(InputError) as caught:
            evplan.load(folder)
        assert caught.value.problems[0].file == "scenario.yaml"
        assert caught.value.problems[0].message.startswith(start)


def test_a_value_that_yaml_reads_as_a_comment_is_refused(tmp_path: Path) -> None:
    """``inventory_carrying_rate: #N/A`` (a value pasted from a spreadsheet) or an
    override's ``from_year: #2026`` is a YAML comment: the key silently took its default, and
    the override applied in every year. Both are refused naming the line; explicit ``null``,
    ``~``, a value followed by a comment and a comment before a nested block stay allowed."""
    from evplan.data import write_inputs
    from evplan.examples import single_lane

    assert message(load_yaml, "rate: #N/A\n", "scenario.yaml") == (
        "scenario.yaml is refused: line 1: 'rate' has no value: '#N/A' is a YAML comment, so "
        "the key would be read as empty. Write the value (quote text that starts with '#'), or "
        "write null to leave it empty.")
    assert "line 3: 'from_year' has no value: '#2026'" in message(
        load_yaml, "up:\n  duties:\n    from_year:   #2026\n", "scenarios.yaml")
    assert load_yaml("a: null\nb: ~\nc: 0.1  # per year\nd: '#x'\ne:  # note\n  f: 1\n",
                     "s.yaml") == {"a": None, "b": None, "c": 0.1, "d": "#x", "e": {"f": 1}}
    # second read: the same behind an anchor or a tag, and inside [ ] or { } where a value
    # is due (a sweep's [0.5, 0.75, #N/A / 1.25] ran 3 cases, not 4)
    for text, line, comment in (("from_year: &y #2026\n", 1, "'from_year' has no value"),
                                ("name: !!str #x\n", 1, "'name' has no value"),
                                ("v: [0.5, 0.75, #N/A\n   1.25]\n", 1, "a comment where a "
                                 "value is due inside [ ] or { } ('#N/A')"),
                                ("v: [0.5,\n   #N/A\n   1.25]\n", 2, "a comment where"),
                                ("v: {a: #x\n   1}\n", 1, "a comment where"),
                                ("v:\n  - 1\n  - #N/A\n", 3, "a list item has no value: "
                                 "'#N/A' is a YAML comment")):
        assert f"line {line}: {comment}" in message(load_yaml, text, "scenarios.yaml"), text
    assert load_yaml("v: [1, 2]  # ok\nw: {a: [1, 2],  # the next key\n   b: 3}\n"
                     "x: [1, 2 # after a value\n   , 3]\n", "s.yaml") == {
        "v": [1, 2], "w": {"a": [1, 2], "b": 3}, "x": [1, 2, 3]}

    folder = write_inputs(single_lane(), tmp_path / "inputs")
    scenario = folder / "scenario.yaml"
    original = re.sub(r"(?m)^inventory_carrying_rate:.*\n", "",
                      scenario.read_text(encoding="utf-8"))
    scenario.write_text(original + "inventory_carrying_rate: #N/A\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    line = len(original.splitlines()) + 1
    assert caught.value.problems[0].message.startswith(
        f"scenario.yaml is refused: line {line}: 'inventory_carrying_rate' has no value")


def test_cells_and_headers_are_stripped_as_python_strips_them() -> None:
    """Text cells lose the spaces around them exactly as ``str.strip`` on every cell would
    (tabs, no-break spaces, unit separators too); other cells stay as they are and the
    caller's frame is not changed. (Readers pass text columns; an object column of numbers
    alone would keep dtype object here where the cell-by-cell map re-guessed int64: review.)"""
    import pandas as pd

    from evplan.data.read import _with_row_numbers

    frame = pd.DataFrame({" plant ": [" CN-1", "CN-2\t", None, "CN-1 "],
                          "capacity": [" 10", 20, float("nan"), "\x1f30\xa0"],
                          "year": pd.array([" 2024", "2025", None, "2024"], dtype="str"),
                          "note": [["a "], "b ", "c", "d"]})  # an unhashable cell
    read = _with_row_numbers(frame)
    cellwise = frame.map(lambda value: value.strip() if isinstance(value, str) else value)
    cellwise.columns = ["plant", "capacity", "year", "note"]
    cellwise.insert(0, "row", range(2, 6))
    pd.testing.assert_frame_equal(read, cellwise)
    assert read["plant"].tolist()[::3] == ["CN-1", "CN-1"] and read["capacity"][3] == "30"
    assert read["capacity"][1] == 20 and read["note"][1] == "b"
    assert frame[" plant "][0] == " CN-1"


def test_a_device_a_pipe_and_an_oversize_file_are_refused_at_once(tmp_path: Path) -> None:
    """A table that is a link to /dev/zero was read until memory ran out, and a pipe waited
    for ever (audit): only regular files are read, at most MAX_TEXT_BYTES."""
    zero = tmp_path / "plants.csv"
    zero.symlink_to("/dev/zero")
    assert message(read_csv_table, zero, "plants.csv") == (
        "plants.csv is not a regular file (a device, a pipe or a socket). Put the file there "
        "instead.")
    pipe = tmp_path / "routes.csv"
    os.mkfifo(pipe)
    assert message(read_csv_table, pipe, "routes.csv").startswith(
        "routes.csv is not a regular file")
    big = tmp_path / "demand.csv"
    big.write_text("a,b\n" + "1,2\n" * 10)
    assert message(files.read_text_file, big, "demand.csv", 20) == (
        "demand.csv is more than 20 bytes; evplan reads at most 20. Is it the right file?")
    assert files.read_text_file(big, "demand.csv", 44) == "a,b\n" + "1,2\n" * 10


def test_yaml_booleans_are_true_and_false_only() -> None:
    """Audit 3: YAML 1.1 read no/yes/on/off as booleans, so Norway's market code NO in a
    where filter became False, and a branch named no a scenario 'False+flat'."""
    loaded = load_yaml("a: no\nb: NO\nc: yes\nd: on\ne: Off\nf: true\ng: FALSE\nh: [True, n]\n"
                       "no: 1\n", "scenarios.yaml")
    assert loaded == {"a": "no", "b": "NO", "c": "yes", "d": "on", "e": "Off", "f": True,
                      "g": False, "h": [True, "n"], "no": 1}
    assert load_yaml("x: 1.5\ny: ~\nz: 2026\n", "s.yaml") == {"x": 1.5, "y": None, "z": 2026}
    import yaml

    assert yaml.safe_load("a: no") == {"a": False}  # PyYAML's own loader is left as it was


def test_a_yaml_key_given_twice_is_refused_but_a_merge_may_be_overridden() -> None:
    """Audit 5: `discount_rate` written twice in scenario.yaml took the last value silently."""
    with pytest.raises(evplan.InputError) as caught:
        load_yaml("name: x\ndiscount_rate: 0.08\nfirst_year: 2025\ndiscount_rate: 0.5\n",
                  "scenario.yaml")
    assert caught.value.problems[0].message == (
        "scenario.yaml is refused: line 4: the key 'discount_rate' is given twice (first on "
        "line 2); only one would be read. Keep one.")
    merged = load_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 5\n", "scenarios.yaml")
    assert merged["c"] == {"x": 5, "y": 2}


def test_input_folders_evplan_writes_hold_formula_text_as_text_and_read_back(
        tmp_path: Path) -> None:
    """Audit 5: `evplan template DIR --from` wrote a market named =HYPERLINK(...) into
    markets.csv as it was, a formula a spreadsheet runs. Such text (and text starting with
    ') now gets a leading ', which the reader drops again."""
    import dataclasses

    from evplan.data import write_inputs
    from evplan.examples import single_lane

    data = single_lane()
    markets = data["markets"].assign(name=['=HYPERLINK("http://x")'],
                                     source=["'quoted"])
    data = dataclasses.replace(data, tables={**data.tables, "markets": markets})
    folder = write_inputs(evplan.load(write_inputs(data, tmp_path / "a")), tmp_path / "b")
    text = (folder / "markets.csv").read_text(encoding="utf-8")
    assert '\'=HYPERLINK(""http://x"")' in text and "''quoted" in text
    loaded = evplan.load(folder)
    assert loaded["markets"]["name"].tolist() == ['=HYPERLINK("http://x")']
    assert loaded["markets"]["source"].tolist() == ["'quoted"]


def test_yaml_numbers_with_a_bare_exponent_are_numbers() -> None:
    """YAML 1.1 reads 1e308 (no point, no exponent sign) as text: a Monte Carlo `mean: 1e308`
    was refused as "not a finite number" (audit). evplan reads numbers as YAML 1.2 does."""
    from evplan.data.files import load_yaml

    read = load_yaml("a: 1e308\nb: 2E5\nc: -3e-2\nd: 1e\ne: e5\nf: 1.0e+3\n", "x.yaml")
    assert read == {"a": 1e308, "b": 2e5, "c": -0.03, "d": "1e", "e": "e5", "f": 1000.0}


def test_a_csv_header_naming_a_column_twice_names_it_as_written(tmp_path: Path) -> None:
    """pandas reads a repeated 'plant' as 'plant.1', which was reported as an unknown column
    'plant.1'; the message now says the column appears twice (as for a workbook sheet)."""
    import shutil

    from evplan.examples import china_export_path

    folder = Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))
    path = folder / "plants.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    for before in ("", "\n"):  # also after a blank first line, which pandas skips
        path.write_text(before + "\n".join([lines[0] + ",plant",
                                            *(line + ",X" for line in lines[1:])]) + "\n",
                        encoding="utf-8")
        with pytest.raises(evplan.InputError) as caught:
            evplan.load(folder)
        assert [problem.message for problem in caught.value.problems] == [
            "column 'plant' appears 2 times in the header. Keep one column named plant: delete "
            "or rename the others."]
