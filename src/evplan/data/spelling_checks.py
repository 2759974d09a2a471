"""Names spelled another way than the same name elsewhere: the root causes of other problems.

A plant's country written 'cn' beside markets in 'CN', a duty's origin 'Cn', a maker
'Νissan' with a Greek 'Ν', a segment 'c-suv' beside 'C-SUV', an id holding a zero-width
space: each such row is a problem of its own, and the cause of others ("no duty row covers
cn>US", "the plant's country 'cn' has no row in grid_intensity.csv", "plant 'P1' is not in
plants.csv"). :func:`check_spellings` runs before the other cross-table checks, so these
come first; :func:`evplan.data.validate.validate_inputs` folds the follow-ons into one
note, and :func:`canonical_countries` lets the duty-coverage check look through a
country's other spelling.
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import add_limited, row_label
from evplan.data.lookalike import difference, folded, hidden, latin, shown
from evplan.data.spellings import spelled_two_ways
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["COUNTRY_COLUMNS", "canonical_countries", "check_spellings", "texts"]

Tables = dict[str, pd.DataFrame]


def check_spellings(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """Every check of a name spelled another way (case, look-alike or invisible characters)
    than the same name elsewhere: countries, makers, segments and ids."""
    check_country_codes(tables, labels, problems)  # builds the countries' spellings once
    check_maker_names(tables, labels, problems)
    named = {problem.row for problem in problems if problem.file == labels["programs"]}
    for column, consequence in (("segment", "a demand row for the segment would not pool "
                                 "this program"), ("maker", "a countervailing duty on the "
                                 "maker would not apply to this program")):
        problems += [problem for problem in spelled_two_ways(
            tables["programs"], column, TABLES["programs"], labels["programs"], consequence)
            if problem.row not in named]  # a maker check_maker_names named already
    for name, column in (("plants", "plant"), ("markets", "market"), ("programs", "program")):
        problems += spelled_two_ways(  # two ids that read alike: the user meant one of them
            tables[name], column, TABLES[name], labels[name], f"it reads as the same "
            f"{column}: a row of another file written either way would reach only one of them",
            "Give it a name of its own, or remove the row if it repeats '{first}'.")


def canonical_countries(tables: Tables) -> dict[str, str]:
    """Each country code of plants.csv, markets.csv and :data:`COUNTRY_COLUMNS` that is
    another spelling of a plant's or market's country -> the spelling the messages say to
    write (empty in the usual case). The duty-coverage check reads the codes through it, so
    that a route from a plant in 'cn' is not also "uncovered": that is the spelling's
    follow-on, and a route still uncovered once it is fixed is named with the code to write.

    Examples
    --------
    >>> tables = {"plants": pd.DataFrame({"country": ["cn", "JP"]}),
    ...           "markets": pd.DataFrame({"country": ["CN", "JP"]})}
    >>> canonical_countries(tables)
    {'cn': 'CN'}
    """
    canonical = _canonical_by_fold(_spellings_by_fold(tables))
    mapping = {code: canonical[folded(code)] for name in ("markets", "plants")
               for code in texts(tables[name]["country"])
               if code and code != canonical[folded(code)]}
    for name, column in COUNTRY_COLUMNS:
        frame = tables.get(name)
        if frame is None or frame.empty or column not in frame:
            continue
        for code in texts(frame[column]):
            want = canonical.get(folded(code))
            if want is not None and code != want:
                mapping[code] = want
    return mapping


#: Columns that name a country, checked against the countries of plants.csv and markets.csv
#: by :func:`check_country_codes`.
COUNTRY_COLUMNS = (("duties", "origin"), ("countervailing_duties", "origin"),
                   ("transfer_prices", "origin"), ("kit_duties", "origin"),
                   ("exchange_rates", "country"), ("grid_intensity", "country"),
                   ("production_credits", "country"))


def _spellings_by_fold(tables: Tables) -> dict[str, list[str]]:
    """Folded country code (:func:`~evplan.data.lookalike.folded`) -> its spellings in
    markets.csv, then plants.csv, in row order (built once per check and shared)."""
    spellings: dict[str, list[str]] = {}
    for name in ("markets", "plants"):
        for country in tables[name]["country"]:
            if isinstance(country, str) and country:
                spellings.setdefault(folded(country), []).append(country)
    return spellings


def _canonical_by_fold(spellings: dict[str, list[str]]) -> dict[str, str]:
    """Folded country code -> the spelling to write: the first in plain letters in
    markets.csv, then plants.csv, else the first made plain (``spellings`` from
    :func:`_spellings_by_fold`)."""
    return {fold: next((code for code in codes if code.isascii()), latin(codes[0]))
            for fold, codes in spellings.items()}


def check_country_codes(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """A country code that differs from a plant's or market's country only in case ('Cn').

    A code that matches none at all is allowed (a tariff schedule lists origins where the
    maker has no plant, and such a row never applies). One that matches a known country
    but for case would never apply either, silently (a countervailing duty on 'Cn' is not
    charged on vehicles from 'CN'), so it is an error with the code to write.
    """
    spellings = _spellings_by_fold(tables)
    _check_plant_and_market_countries(tables, labels, spellings, problems)
    known = texts(tables["plants"]["country"]) | texts(tables["markets"]["country"])
    # The spelling to write, as plants.csv and markets.csv are told to write it: 'EU' where
    # a market's country is 'E' + U+200B + 'U' (named on its own row), not the invisible one.
    by_fold = _canonical_by_fold(spellings)
    for name, column in COUNTRY_COLUMNS:
        frame = tables.get(name)
        if frame is None or frame.empty or column not in frame:
            continue
        codes = frame[column]
        distinct = {code for code in texts(codes) if code not in known
                    and folded(code) in by_fold and code != by_fold[folded(code)]}
        if not distinct:
            continue
        table = TABLES[name]
        add_limited(problems, labels[name], [
            Problem(labels[name], f"{row_label(table, frame, i)}: {column} "
                    f"'{shown(codes[i])}' is not the country of any plant or market, but "
                    f"'{by_fold[folded(codes[i])]}' is: "
                    f"{_unseen(_odd(codes[i], by_fold[folded(codes[i])]), 'country codes')}"
                    ", so this row would never apply. "
                    f"Write '{by_fold[folded(codes[i])]}'.", int(frame.loc[i, "row"]))
            for i in frame.index[codes.isin(distinct)]])


def _check_plant_and_market_countries(tables: Tables, labels: dict[str, str],
                                      spellings: dict[str, list[str]],
                                      problems: list[Problem]) -> None:
    """A plant's or market's country spelled another way than the same country elsewhere
    in plants.csv or markets.csv, but for case, look-alike or invisible characters ('cn'
    beside 'CN'): the plant would be foreign to its home market (its sales there pay import
    duty, default_duty_rate if set) and no duty row for 'CN' would apply to its exports,
    silently; so would one holding an invisible character (a zero-width space) beside the
    same code typed plainly in another table. The spelling to write is the markets' (first
    in row order, plain letters first), else the plants', without invisible characters.
    ``spellings``: :func:`_spellings_by_fold` of ``tables``."""
    canonical = {fold: next((code for code in codes if code.isascii()), codes[0])
                 for fold, codes in spellings.items() if len(set(codes)) > 1}
    if not canonical and all(code.isascii() for codes in spellings.values() for code in codes):
        return  # the usual case: every country spelled one way, in plain letters
    for name in ("markets", "plants"):
        frame, table = tables[name], TABLES[name]
        found = []
        for i in frame.index:
            code = frame.loc[i, "country"]
            if not isinstance(code, str) or not code:
                continue
            want = canonical.get(folded(code))
            if (want is None or want == code) and any(
                    not char.isascii() and not latin(char) for char in code):
                found.append(Problem(labels[name], f"{row_label(table, frame, i)}: country "
                                     f"'{shown(code)}': {difference(code)}, so no row of another "
                                     f"table written '{latin(code)}' (a duty, an exchange rate)"
                                     f" would apply to it. Write '{latin(code)}'.",
                                     int(frame.loc[i, "row"])))
                continue
            if want is None or want == code:
                continue
            odd = _odd(code, want)
            found.append(Problem(labels[name], f"{row_label(table, frame, i)}: country "
                                 f"'{shown(code)}' is not '{shown(want)}', the country of "
                                 f"other plants or markets: {_unseen(odd, 'country codes')}, "
                                 "so they would be two countries (sales between them pay "
                                 "import duty, and duty rows for one do not apply to the other). "
                                 f"Write '{shown(want)}'.",
                                 int(frame.loc[i, "row"])))
        add_limited(problems, labels[name], found)


def _odd(found: str, known: str) -> str:
    """Of two spellings of one code, the one whose odd characters a message names."""
    return known if found.isascii() and not known.isascii() else found


def texts(column: pd.Series) -> set[str]:
    """The distinct text cells of ``column``: a blank cell (a missing required column's
    NaN, already reported) is none."""
    return {value for value in column if isinstance(value, str)}


def _unseen(found: str, noun: str) -> str:
    """Why ``found`` matches nothing though it reads like a known code (for messages)."""
    why = difference(found)
    return f"{noun} are case-sensitive" if why == "they differ in case" else why



def check_maker_names(tables: Tables, labels: dict[str, str], problems: list[Problem]) -> None:
    """A countervailing duty's maker that differs from a program's maker only in case.

    A maker that matches no program is allowed (duty schedules list every investigated
    maker). One that matches a program's maker but for case would never apply, silently,
    so it is an error with the name to write (as :func:`check_country_codes` does).
    """
    duties = tables.get("countervailing_duties")
    if duties is None or duties.empty:
        return
    known = texts(tables["programs"]["maker"])
    by_fold: dict[str, str] = {}
    for maker in sorted(known):
        if not hidden(maker):  # one with an invisible character is named on its own rows
            by_fold.setdefault(folded(maker), maker)
    makers = duties["maker"]
    table = TABLES["countervailing_duties"]
    label = labels["countervailing_duties"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(table, duties, i)}: maker '{shown(makers[i])}' is not "
                f"the maker of any program, but '{by_fold[folded(makers[i])]}' is: "
                f"{_unseen(makers[i], 'makers')}, so this row would never apply. Write "
                f"'{by_fold[folded(makers[i])]}'.", int(duties.loc[i, "row"]))
        for i in duties.index if isinstance(makers[i], str) and makers[i] not in known
        and makers[i] != "*" and folded(makers[i]) in by_fold])
    # The other way round: a program's maker typed with look-alike letters of another
    # alphabet ('Νissan', Greek Ν) escapes its maker's duty (a case difference is named
    # once, on the duty's row, above).
    named: dict[str, str] = {}
    for maker in sorted(texts(makers)):
        if maker != "*" and maker.isascii():
            named.setdefault(folded(maker), maker)
    programs = tables["programs"]
    label = labels["programs"]
    add_limited(problems, label, [
        Problem(label, f"{row_label(TABLES['programs'], programs, i)}: maker "
                f"'{shown(programs.loc[i, 'maker'])}' is not a maker countervailing_duties "
                "names, but "
                f"'{named[folded(programs.loc[i, 'maker'])]}' is: "
                f"{_unseen(programs.loc[i, 'maker'], 'makers')}, so its countervailing duties "
                f"would never apply. Write '{named[folded(programs.loc[i, 'maker'])]}'.",
                int(programs.loc[i, "row"]))
        for i in programs.index if isinstance(programs.loc[i, "maker"], str)
        and not programs.loc[i, "maker"].isascii()
        and folded(programs.loc[i, "maker"]) in named])

