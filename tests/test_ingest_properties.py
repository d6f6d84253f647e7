"""Properties of ingest, checked on generated input (hypothesis).

- any valid trade frame written in the tidy CSV format reads back unchanged;
- every period spelling the readers accept parses to the one canonical label;
- country resolution is exact: a string resolves only when it is in the table of exact
  spellings, and anything else (a near miss of a real name included) raises, with
  suggestions only inside the error.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import pandas as pd
import pycountry
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dashboard.ingest import countries, period_labels, readers

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# ---- tidy CSV round trip -----------------------------------------------------------------

PARTIES = [*sorted(c.alpha_3 for c in pycountry.countries), "WLD", "EUU", "S19", "_X899"]
FLOWS = ["import", "export", "re-import", "re-export"]


@st.composite
def canonical_periods(draw) -> str:
    year = draw(st.integers(period_labels.FIRST_YEAR, period_labels.LAST_YEAR))
    kind = draw(st.sampled_from("AQM"))
    if kind == "A":
        return f"{year}"
    if kind == "Q":
        return f"{year}-Q{draw(st.integers(1, 4))}"
    return f"{year}-{draw(st.integers(1, 12)):02d}"


weights = st.one_of(st.none(), st.floats(0, 1e12), st.integers(0, 10**12).map(float))
values = st.one_of(st.none(), st.floats(0, 1e15), st.integers(0, 10**9).map(float))


@st.composite
def trade_rows(draw) -> dict:
    weight, value = draw(weights), draw(values)
    assume(weight is not None or value is not None)
    return {
        "reporter": draw(st.sampled_from(PARTIES)),
        "partner": draw(st.sampled_from(PARTIES)),
        "flow": draw(st.sampled_from(FLOWS)),
        "commodity_code": draw(st.from_regex(r"[0-9]{6}([0-9]{2}){0,2}", fullmatch=True)),
        "period": draw(canonical_periods()),
        "net_weight_kg": weight,
        "value_usd": value,
    }


KEY = ("reporter", "partner", "flow", "commodity_code", "period")
trade_frames = st.lists(trade_rows(), min_size=1, max_size=30,
                        unique_by=lambda r: tuple(r[k] for k in KEY)).map(pd.DataFrame)


@PROPERTY
@given(frame=trade_frames,
       dialect=st.sampled_from([(",", ".", "utf-8"), (";", ",", "utf-8"), ("\t", ".", "utf-16"),
                                (",", ".", "cp1252")]))
def test_tidy_csv_round_trip(frame, dialect):
    sep, decimal, encoding = dialect
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tidy.csv"
        frame.to_csv(path, index=False, sep=sep, decimal=decimal, encoding=encoding)
        result = readers.read_file(path)
    assert result.problems == []
    back = result.frame
    for column in KEY:
        assert back[column].tolist() == frame[column].tolist(), column
    for column in ("net_weight_kg", "value_usd"):
        pd.testing.assert_series_equal(back[column].reset_index(drop=True),
                                       frame[column].astype("float64"), check_names=False,
                                       rtol=1e-12)
    assert back["source_line"].tolist() == list(range(2, len(frame) + 2))


# ---- period spellings --------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FULL = ["January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"]


def spellings(year: int, freq: str, sub: int) -> list[str]:
    """Every spelling the readers document for one period."""
    if freq == "A":
        return [f"{year}", f"{year}.0", f" {year} "]
    if freq == "Q":
        return [f"{year}-Q{sub}", f"{year}Q{sub}", f"{year}q{sub}", f"{year} Q{sub}",
                f"Q{sub} {year}", f"Q{sub}-{year}", f"q{sub}/{year}"]
    return [f"{year}-{sub:02d}", f"{year}-{sub}", f"{year}{sub:02d}", f"{year}M{sub:02d}",
            f"{year}m{sub}", f"{year}/{sub:02d}", f"{sub:02d}/{year}", f"{sub}-{year}",
            f"{MONTHS[sub - 1]} {year}", f"{FULL[sub - 1]} {year}", f"{MONTHS[sub - 1]}. {year}",
            f"{MONTHS[sub - 1].upper()}-{year}", f"{year} {MONTHS[sub - 1]}",
            f"{year}-{sub:02d}-01", f"{year}-{sub:02d}-01 00:00:00"]


@PROPERTY
@given(year=st.integers(period_labels.FIRST_YEAR, period_labels.LAST_YEAR),
       freq=st.sampled_from("AQM"), sub=st.integers(1, 12))
def test_period_spellings_parse_to_one_canonical_label(year, freq, sub):
    sub = (sub - 1) % 4 + 1 if freq == "Q" else sub
    canonical = {"A": f"{year}", "Q": f"{year}-Q{sub}", "M": f"{year}-{sub:02d}"}[freq]
    assert period_labels.parse_period(canonical) == (canonical, freq)
    for spelling in spellings(year, freq, sub):
        assert period_labels.parse_period(spelling) == (canonical, freq), spelling


@PROPERTY
@given(text=st.text(alphabet=string.digits + "-/QqMm .:", max_size=12))
def test_a_period_that_parses_is_canonical_and_explained_otherwise(text):
    parsed = period_labels.parse_period(text)
    if parsed is None:
        assert period_labels.explain(text)
    else:
        assert period_labels.parse_period(parsed[0]) == parsed


# ---- country resolution never guesses ----------------------------------------------------

KNOWN = countries.known_labels()
REAL_NAMES = sorted({c.name for c in pycountry.countries} | {
    "Rep. of Korea", "China, Hong Kong SAR", "Viet Nam", "World", "Other Asia, nes"})


@st.composite
def near_misses(draw) -> str:
    """A real name with one edit: a letter dropped, doubled, swapped or replaced."""
    name = draw(st.sampled_from(REAL_NAMES))
    at = draw(st.integers(0, len(name) - 1))
    edit = draw(st.sampled_from(["drop", "double", "swap", "replace"]))
    if edit == "drop":
        return name[:at] + name[at + 1:]
    if edit == "double":
        return name[:at] + name[at] + name[at:]
    if edit == "swap" and at + 1 < len(name):
        return name[:at] + name[at + 1] + name[at] + name[at + 2:]
    return name[:at] + draw(st.sampled_from(string.ascii_letters)) + name[at + 1:]


labels = st.one_of(
    st.text(max_size=20),
    near_misses(),
    st.sampled_from(REAL_NAMES).map(lambda n: f"  {n.upper()} "),
    st.sampled_from(sorted(KNOWN)),
    st.text(alphabet=string.ascii_letters, min_size=2, max_size=3),
)


@PROPERTY
@given(label=labels)
@example(label="Korea")
@example(label="Chna")
@example(label="")
def test_a_label_resolves_exactly_or_raises_with_suggestions(label):
    key = countries.normalise_label(label)
    try:
        party = countries.from_label(label)
    except countries.CountryLookupError as error:
        assert key not in KNOWN
        assert all(s.endswith(")") and "(" in s for s in error.suggestions)
        assert ("did you mean" in str(error)) == bool(error.suggestions)
        return
    assert key in KNOWN, f"{label!r} resolved without being an exact spelling"
    assert party.code == countries.from_iso(KNOWN[key]).code


@PROPERTY
@given(code=st.one_of(st.text(alphabet=string.ascii_letters + "_0", min_size=1, max_size=4),
                      st.sampled_from(PARTIES)))
@example(code="ANT")
@example(code="SUN")
def test_a_code_resolves_only_when_it_exists(code):
    try:
        party = countries.from_iso(code)
    except countries.CountryLookupError:
        upper = code.strip().upper()
        assert pycountry.countries.get(alpha_3=upper) is None or len(upper) != 3
        return
    upper = code.strip().upper()
    record = (pycountry.countries.get(alpha_3=upper) if len(upper) == 3 and upper.isalpha()
              else pycountry.countries.get(alpha_2=upper) if len(upper) == 2 and upper.isalpha()
              else None)
    assert (countries.is_aggregate(party.code) or (record and record.alpha_3 == party.code)
            or upper in countries.known_codes())


@pytest.mark.parametrize("near", ["Japn", "Chinaa", "Korea", "Veit Nam", "Germay"])
def test_near_misses_are_suggested_never_chosen(near):
    with pytest.raises(countries.CountryLookupError) as raised:
        countries.from_label(near)
    assert "unknown country" in str(raised.value)


# ---- any input: the reader keeps working and accounts for every row ----------------------

HEADERS = ["reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd",
           "reporter;partner;flow;commodity_code;period;quantity;quantity_unit;value_usd",
           "a,b,c", ""]
FIELD_TEXT = st.one_of(
    st.sampled_from(["KOR", "CHN", "World", "import", "X", "284690", "2025-01", "2025",
                     "1,5", "1.234", "-", "n/a", "inf", "t", "", '"', '""', "'", ";", ",",
                     "\t", "\r", "\n", "\r\n", '"a,b"', '"open', "1e400", "\x00", "é", "中"]),
    st.text(max_size=8))


@st.composite
def messy_files(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    header = draw(st.sampled_from(HEADERS))
    pieces = [header, "\n"]
    for _ in range(draw(st.integers(0, 8))):
        pieces += draw(st.lists(FIELD_TEXT, max_size=10))
        pieces.append(draw(st.sampled_from(["\n", "\r\n", "\r", ",", ";"])))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "gb18030", "cp1252"]))
    return "".join(pieces).encode(encoding, errors="replace")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=messy_files())
def test_any_file_is_read_or_reported_and_every_row_accounted(content):
    from badinput import assert_rows_accounted

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messy.csv"
        path.write_bytes(content)
        result = readers.read_many([path])
    assert_rows_accounted(result)
    for problem in result.problems:
        assert problem.file == str(path) and problem.message
