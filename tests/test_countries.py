"""Country resolution: explicit tables, exact lookups, suggestions only in errors."""

from importlib import resources

import pandas as pd
import pycountry
import pytest
from factories import plus_row

from dashboard.ingest import countries, readers
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


# ---- every code in Comtrade's own tables resolves ----------------------------------------
# Expectations come from the table columns (read with pandas here), not from countries.py.

TABLES = resources.files("dashboard.ingest") / "comtrade_codes"
SPECIAL_LABELS = {"Bunkers", "Free Zones", "Special Categories"}
STABLE_CODES = {0: "WLD", 97: "EUU", 490: "S19"}  # saved data and URLs use these
# 849 US Misc. Pacific Isds: a residual of US islands, an area though not labelled "nes".
AREA_WITHOUT_NES_LABEL = {849}


def read_table(name: str) -> pd.DataFrame:
    with (TABLES / name).open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    table["iso"] = table["iso_3"].str.strip()
    table["label"] = table["country"].str.strip()
    table["exit"] = pd.to_numeric(table["exit_year"]).astype("Int64")
    table["id"] = table["id"].astype(int)
    return table


PARTNERS = read_table("partner_codes.csv")
REPORTERS = read_table("reporter_codes.csv")
BOTH = pd.concat([PARTNERS, REPORTERS]).drop_duplicates("id")


def is_iso3(iso: str) -> bool:
    return pycountry.countries.get(alpha_3=iso) is not None


def expected_kind(row) -> PartyKind:
    if row.id == 0:
        return PartyKind.WORLD
    if row.label in SPECIAL_LABELS:
        return PartyKind.SPECIAL
    if ("not elsewhere specified" in row.note or row.label.endswith(", nes")
            or row.id in AREA_WITHOUT_NES_LABEL):
        return PartyKind.AREA_NES
    return PartyKind.GROUP if row.group == "True" else PartyKind.COUNTRY


def expected_code(row) -> str:
    if expected_kind(row) != PartyKind.COUNTRY:
        return STABLE_CODES.get(row.id, f"_X{row.id}")
    return "XKX" if row.iso == "_KS" else row.iso


def rows(table: pd.DataFrame):
    return [pytest.param(row, id=f"{row.id}-{row.label}") for row in table.itertuples()]


def test_the_tables_are_whole():
    assert (len(PARTNERS), len(REPORTERS)) == (310, 255)
    assert PARTNERS["id"].is_unique and REPORTERS["id"].is_unique
    # every ISO 3166 country is somewhere in them, so no number needs pycountry's numeric
    assert {c.alpha_3 for c in pycountry.countries} <= set(BOTH["iso"])


@pytest.mark.parametrize("row", rows(BOTH))
def test_every_code_resolves_by_number(row):
    party = countries.from_comtrade_code(row.id)
    assert (party.code, party.kind) == (expected_code(row), expected_kind(row))
    assert countries.is_aggregate(party.code) == (expected_kind(row) != PartyKind.COUNTRY)
    assert countries.from_comtrade_code(str(row.id)) == party
    assert countries.from_iso(party.code) == party  # our code reads back


@pytest.mark.parametrize("row", rows(BOTH))
def test_every_code_resolves_by_its_table_iso(row):
    party = countries.from_iso(row.iso)
    if is_iso3(row.iso):  # 492 "Europe EU, nes" is written MCO: that string is Monaco
        assert (party.code, party.kind) == (row.iso, PartyKind.COUNTRY)
        return
    sharing = BOTH[BOTH["iso"] == row.iso]
    assert party.code in {expected_code(r) for r in sharing.itertuples()}
    assert party.kind == expected_kind(row)
    if len({expected_code(r) for r in sharing.itertuples()}) == 1:
        assert party == countries.from_comtrade_code(row.id)


@pytest.mark.parametrize("row", rows(BOTH))
def test_every_code_resolves_by_its_label(row):
    assert countries.from_label(row.label) == countries.from_comtrade_code(row.id)
    assert countries.from_label(row.country) == countries.from_comtrade_code(row.id)


@pytest.mark.parametrize("row", rows(BOTH[BOTH["exit"].notna() & ~BOTH["iso"].map(is_iso3)]))
def test_a_historical_entity_keeps_its_code_and_says_its_last_year(row):
    party = countries.from_comtrade_code(row.id)
    last = BOTH.loc[BOTH["iso"] == row.iso, "exit"].max()  # 532 and 530 are both ANT
    assert party.kind == PartyKind.COUNTRY and party.code == row.iso
    assert party.name.endswith(f" (until {last})")
    assert "..." not in party.name


@pytest.mark.parametrize("row", rows(BOTH[BOTH["iso"].map(is_iso3)
                                          & ~BOTH["label"].str.endswith(", nes")]))
def test_a_code_with_an_iso3_is_that_country(row):
    # successor renumberings and former extents alike: 280 Fed. Rep. of Germany is DEU
    party = countries.from_comtrade_code(row.id)
    assert (party.code, party.kind) == (row.iso, PartyKind.COUNTRY)


@pytest.mark.parametrize("row", rows(BOTH))
def test_comtrade_code_gives_a_number_that_reads_back(row):
    code = countries.from_comtrade_code(row.id).code
    number = countries.comtrade_code(code)
    assert countries.from_comtrade_code(number).code == code
    assert number in set(BOTH["id"])


def test_one_code_one_party():
    parties = pd.DataFrame([countries.from_comtrade_code(n).__dict__ for n in BOTH["id"]])
    assert parties.drop_duplicates().groupby("code").size().max() == 1


def test_the_reporter_tables_kinds():
    by_id = REPORTERS.set_index("id")
    assert countries.from_comtrade_code(975).kind == PartyKind.GROUP  # ASEAN
    assert by_id.loc[975, "group"] == "True"
    # the reporter table flags 490 a group; it is still an area nes, never a sum of members
    assert by_id.loc[490, "group"] == "True"
    assert countries.from_comtrade_code(490).kind == PartyKind.AREA_NES
    reporters = [countries.from_comtrade_code(n) for n in REPORTERS["id"]]
    kinds = pd.Series([p.kind.value for p in reporters]).value_counts().to_dict()
    assert kinds == {"country": 252, "group": 2, "area_nes": 1}


def test_issue_examples():
    kosovo = countries.from_comtrade_code(412)
    assert kosovo == countries.Party("XKX", "Kosovo", PartyKind.COUNTRY)
    antilles = countries.from_comtrade_code(530)
    assert (antilles.code, antilles.name, antilles.kind) == (
        "ANT", "Netherlands Antilles (until 2010)", PartyKind.COUNTRY)
    assert countries.from_comtrade_code(891).name == "Serbia and Montenegro (until 2006)"
    assert countries.from_comtrade_code(810).name == "USSR (until 1990)"
    other_asia = countries.from_comtrade_code(490)
    assert (other_asia.code, other_asia.kind) == ("S19", PartyKind.AREA_NES)
    assert other_asia.name == "Other Asia, nes (in practice Taiwan)"
    assert countries.from_comtrade_code(0).kind == PartyKind.WORLD
    assert countries.from_comtrade_code(97) == countries.from_iso("EUU")
    assert countries.from_comtrade_code(97).kind == PartyKind.GROUP
    for number in (129, 697, 221, 472, 473, 527, 899):
        assert countries.from_comtrade_code(number).kind == PartyKind.AREA_NES, number
    for number in (837, 838, 839):
        assert countries.from_comtrade_code(number).kind == PartyKind.SPECIAL, number


def test_492_is_an_area_not_monaco():
    assert pycountry.countries.get(numeric="492").alpha_3 == "MCO"  # ISO's 492
    assert countries.from_comtrade_code(492).code == "_X492"
    assert countries.from_iso("MCO").code == "MCO"


@pytest.mark.parametrize("code, iso3", [
    (842, "USA"), (251, "FRA"), (380, "ITA"), (381, "ITA"), (699, "IND"), (757, "CHE"),
    (579, "NOR"), (490, "S19"), (58, "BEL"), (280, "DEU"), (891, "SCG"),
])
def test_the_old_explicit_mapping_still_holds(code, iso3):
    assert countries.from_comtrade_code(code).code == iso3


def test_what_the_table_changed_in_the_old_mapping():
    # 711 was read as South Africa, 536 as Saudi Arabia; the table says otherwise
    assert countries.from_comtrade_code(711).code == "ZA1"
    assert countries.from_comtrade_code(711).name == "Southern African Customs Union (until 1999)"
    assert countries.from_comtrade_code(710).code == "ZAF"
    assert countries.from_comtrade_code(536) == countries.Party(
        "NTZ", "Neutral Zone", PartyKind.COUNTRY)


@pytest.mark.parametrize("iso, code, kind", [
    ("S19", "S19", PartyKind.AREA_NES), ("ANT", "ANT", PartyKind.COUNTRY),
    ("SUN", "SUN", PartyKind.COUNTRY), ("_X", "_X899", PartyKind.AREA_NES),
    ("XX", "_X839", PartyKind.SPECIAL), ("X1", "_X837", PartyKind.SPECIAL),
    ("W00", "WLD", PartyKind.WORLD), ("World", "WLD", PartyKind.WORLD),
    ("_KS", "XKX", PartyKind.COUNTRY), ("xkx", "XKX", PartyKind.COUNTRY),
    ("A79", "_X636", PartyKind.AREA_NES), ("R4", "_X975", PartyKind.GROUP),
])
def test_comtrade_plus_iso_strings(iso, code, kind):
    party = countries.from_iso(iso)
    assert (party.code, party.kind) == (code, kind)


@pytest.mark.parametrize("label, code", [
    ("Rep. of Korea", "KOR"), ("China, Hong Kong SAR", "HKG"), ("Other Asia, nes", "S19"),
    ("Fmr Sudan", "SDN"), ("Serbia and Montenegro", "SCG"), ("Neth. Antilles", "ANT"),
    ("Fmr USSR", "SUN"), ("Former USSR", "SUN"), ("USSR (...1990)", "SUN"),
    ("Netherlands Antilles (until 2010)", "ANT"), ("Europe EFTA, nes", "_X697"),
    ("Kosovo", "XKX"), ("Other Asia, nes (in practice Taiwan)", "S19"), ("Taiwan", "TWN"),
])
def test_comtrade_labels_resolve_exactly(label, code):
    assert countries.from_label(label).code == code


@pytest.mark.parametrize("near", ["Neth Antilles", "USSR 1990", "Kosowo", "Other Asia"])
def test_near_comtrade_labels_are_not_guessed(near):
    with pytest.raises(countries.CountryLookupError):
        countries.from_label(near)


def test_other_asia_may_be_drawn_as_taiwan():
    assert countries.DRAWN_AS == {"S19": "TWN"}
    for area, iso3 in countries.DRAWN_AS.items():
        assert countries.is_aggregate(area)
        assert countries.from_iso(iso3).kind == PartyKind.COUNTRY
        assert pycountry.countries.get(alpha_3=iso3) is not None


def test_known_codes_are_the_codes_beyond_pycountry():
    known = countries.known_codes()
    assert {"ANT", "SUN", "XKX", "_KS", "S19", "_X", "WLD", "W00"} <= known
    for code in known:
        assert countries.from_iso(code).code  # each resolves


# ---- through the reader: a Comtrade Plus file with these partners loses no row ------------

def test_a_plus_file_with_historical_and_area_partners_uses_every_row(plus_file):
    partners = [530, 412, 891, 810, 129]
    table = PARTNERS.set_index("id")
    rows_in = []
    for month, partner in enumerate(partners, start=1):
        row = plus_row(partner=str(partner), month=month, weight=str(100 * month))
        # as Comtrade Plus writes them: "ANT", "_KS", "A49"; labels untrimmed
        row.update(partnerISO=table.loc[partner, "iso_3"],
                   partnerDesc=table.loc[partner, "country"])
        rows_in.append(row)
    result = readers.read_file(plus_file(rows_in))
    assert result.problems == []
    assert result.stats["rows_used"] == len(partners)
    frame = result.frame.set_index("partner")
    assert frame["net_weight_kg"].to_dict() == {
        "ANT": 100, "XKX": 200, "SCG": 300, "SUN": 400, "_X129": 500}
    assert frame["partner_kind"].to_dict() == {
        "ANT": "country", "XKX": "country", "SCG": "country", "SUN": "country",
        "_X129": "area_nes"}
    assert frame.loc["ANT", "partner_name"] == "Netherlands Antilles (until 2010)"
