"""Country resolution: explicit tables, exact lookups, suggestions only in errors."""

import pytest

from dashboard.ingest import countries
from dashboard.ingest.schema import PartyKind


@pytest.mark.parametrize("code, iso3", [
    (842, "USA"), (251, "FRA"), (380, "ITA"), (381, "ITA"), (699, "IND"), (757, "CHE"),
    (579, "NOR"), (156, "CHN"), (410, "KOR"), (344, "HKG"), (608, "PHL"), ("392", "JPN"),
])
def test_comtrade_codes(code, iso3):
    party = countries.from_comtrade_code(code)
    assert (party.code, party.kind) == (iso3, PartyKind.COUNTRY)


@pytest.mark.parametrize("code, kind", [
    (0, PartyKind.WORLD), (97, PartyKind.GROUP), (490, PartyKind.AREA_NES),
    (899, PartyKind.AREA_NES), (837, PartyKind.SPECIAL),
])
def test_aggregates_are_typed(code, kind):
    party = countries.from_comtrade_code(code)
    assert party.kind == kind
    assert countries.is_aggregate(party.code)


@pytest.mark.parametrize("label, iso3", [
    ("Rep. of Korea", "KOR"), ("China, Hong Kong SAR", "HKG"), ("Dem. Rep. of the Congo", "COD"),
    ("Viet Nam", "VNM"), ("  rep.  of KOREA ", "KOR"), ("Japan", "JPN"), ("DE", "DEU"),
])
def test_labels(label, iso3):
    assert countries.from_label(label).code == iso3


def test_an_ambiguous_label_is_not_guessed_but_suggested():
    with pytest.raises(countries.CountryLookupError) as raised:
        countries.from_label("Korea")
    assert {"KOR", "PRK"} & {s[-4:-1] for s in raised.value.suggestions}
    assert "did you mean" in str(raised.value)


def test_unknown_code_names_the_code():
    with pytest.raises(countries.CountryLookupError, match="9999"):
        countries.from_comtrade_code(9999)


@pytest.mark.parametrize("code", [842, 251, 380, 699, 757, 579, 490, 0, 156, 410, 392, 608, 344])
def test_comtrade_code_round_trip(code):
    assert countries.comtrade_code(countries.from_comtrade_code(code).code) == code


def test_iso2_iso3_and_friendly_names():
    assert countries.from_iso("KR") == countries.from_iso("KOR")
    assert [countries.from_iso(c).name for c in ("KOR", "TWN", "HKG")] == [
        "South Korea", "Taiwan", "Hong Kong"]
    assert countries.from_iso("W00").code == "WLD"


@pytest.mark.parametrize("code", ["156.5", "1e400", "nan", "-1", "12345", ""])
def test_a_code_that_is_not_a_whole_comtrade_number_is_refused(code):
    with pytest.raises(countries.CountryLookupError, match="not a Comtrade code"):
        countries.from_comtrade_code(code)


def test_a_code_written_by_a_number_column_reads():
    assert countries.from_comtrade_code("156.0").code == "CHN"


def test_every_exact_spelling_resolves_to_its_code():
    for label, code in countries.known_labels().items():
        assert countries.from_label(label).code == countries.from_iso(code).code


@pytest.mark.parametrize("text", ["", "   "])
def test_a_blank_label_is_reported_as_blank(text):
    with pytest.raises(countries.CountryLookupError, match="blank"):
        countries.from_label(text)


def test_aggregate_codes_resolve_in_any_case():
    assert countries.from_iso("wld").code == "WLD"
    assert countries.from_iso("eur").kind == PartyKind.GROUP
