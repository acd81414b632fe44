"""`waakhond gazetteer refresh`: MPs and parties from the (fake) Tweede Kamer OData API into a gazetteer file."""

from __future__ import annotations

import json
import socket
import threading
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from crawlers.settings import USER_AGENT
from pipeline.classify import Classifier
from pipeline.gazetteer import parse_gazetteer
from tests.harness.fake_parliament import FakeParliament, guid
from waakhond import members
from waakhond.cli import cli
from waakhond.config import builtin_entities, load_config
from waakhond.errors import ConfigError

TEXT = (
    "Het Kamerlid Marieke Zwaluwstaart (VVD) wil opheldering over gezichtsherkenning door de politie. "
    "Zwaluwstaart stelde daarover Kamervragen."
)


@pytest.fixture
def kamer(fake_parliament: FakeParliament) -> FakeParliament:
    """A small Kamer: six current parties (one unknown to the built-in gazetteer), seven MPs, and history."""
    fake = fake_parliament
    gl = fake.add_party("GL-PvdA", "GroenLinks-PvdA", seats=20)
    vvd = fake.add_party("VVD", "Volkspartij voor Vrijheid en Democratie", seats=22)
    d66 = fake.add_party("D66", "Democraten 66", seats=26)
    cu = fake.add_party("CU", "ChristenUnie", seats=3)
    fake.add_party("Volt", "Volt", seats=1)
    new = fake.add_party("NBP", 'Nieuwe "Burger" Partij', seats=1, active_since=date(2026, 2, 1))
    gone = fake.add_party("NSC", "Nieuw Sociaal Contract", seats=0, inactive_since=date(2025, 11, 11))
    fake.add_party("OUD", "Verwijderde Fractie", deleted=True)

    fake.add_member(vvd, "Marieke", "Zwaluwstaart", initialen="M.J.")
    fake.add_member(gl, "Barbara", "Kathmann")
    fake.add_member(gl, "Jan", "Boer", tussenvoegsel="de")
    fake.add_member(d66, "Joost", "Sneller")
    fake.add_member(d66, "Anne", "Berg", tussenvoegsel="van den", functie="Fractievoorzitter")
    fake.add_member(cu, "Pieter", "Grinwis")
    # Left NSC (seat ended), now sits for the new party.
    fake.add_member(gone, "Tess", "Overstap", until=date(2026, 1, 31))
    fake.add_member(new, "Tess", "Overstap", since=date(2026, 2, 1))
    # Not current: an ended seat, a seat still to start, a deleted seat record.
    fake.add_member(vvd, "Oud", "Kamerlid", until=date(2025, 11, 11))
    fake.add_member(vvd, "Nog", "Niet", since=datetime.now(UTC).date() + timedelta(days=30))
    deleted = fake.add_member(d66, "Weg", "Gehaald")
    fake.update_entity("FractieZetelPersoon", deleted["Id"], Verwijderd=True)
    return fake


def config_file(tmp_path: Path, url: str, extra: str = "", kind: str = "kamervragen", top: str = "") -> Path:
    """A config with one source; ``top`` goes before it (top-level keys), ``extra`` after it (more tables)."""
    path = tmp_path / "waakhond.toml"
    path.write_text(
        f'{top}[[sources]]\nname = "tweede-kamer"\nkind = "{kind}"\nurl = "{url}"\n{extra}', encoding="utf-8"
    )
    return path


def prepend(config: Path, line: str) -> None:
    config.write_text(line + "\n" + config.read_text(encoding="utf-8"), encoding="utf-8")


def refresh(config: Path, tmp_path: Path, *args: str) -> click.testing.Result:
    env = {"WAAKHOND_CONFIG": str(config), "WAAKHOND_DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": ""}
    return CliRunner().invoke(cli, ["gazetteer", "refresh", *args], env=env, catch_exceptions=False)


def default_output(tmp_path: Path) -> Path:
    return tmp_path / "data" / members.DEFAULT_FILE_NAME


def entities_of(path: Path) -> dict[str, dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    _, problems = parse_gazetteer(text)
    assert problems == []
    return {t["id"]: t for t in tomllib.loads(text)["entity"]}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# -- the command -------------------------------------------------------------------------------


def test_refresh_writes_current_parties_and_mps_across_pages(kamer: FakeParliament, tmp_path: Path) -> None:
    kamer.page_size = 2  # several pages per query: every @odata.nextLink must be followed
    result = refresh(config_file(tmp_path, kamer.url("/OData/v5/")), tmp_path)

    assert result.exit_code == 0, result.output
    output = default_output(tmp_path)
    assert result.stdout.splitlines() == [
        f"wrote 6 parties and 7 MPs from tweede-kamer to {output}",
        f"to use it, the config needs: gazetteer_files = [{json.dumps(str(output))}]",
    ]
    assert leftovers(output.parent) == [members.DEFAULT_FILE_NAME]  # no temporary file left behind
    entities = entities_of(output)
    parties = {i for i, t in entities.items() if t["type"] == "party"}
    people = {i for i, t in entities.items() if t["type"] == "person"}
    # Parties take the built-in ids ("GL-PvdA" and "CU" are aliases of built-in parties); a new one its own.
    assert parties == {"groenlinks-pvda", "vvd", "d66", "christenunie", "volt", "nbp"}
    # MPs the built-in gazetteer knows by name keep its ids; the others get tk-<name>.
    assert people == {
        "tk-marieke-zwaluwstaart", "barbara-kathmann", "tk-jan-de-boer", "joost-sneller", "tk-anne-van-den-berg",
        "tk-pieter-grinwis", "tk-tess-overstap",
    }  # fmt: skip

    mp = entities["tk-marieke-zwaluwstaart"]
    assert mp["name"] == "Marieke Zwaluwstaart"
    assert mp["aliases"] == ["Marieke Zwaluwstaart", "Kamerlid Zwaluwstaart", "Zwaluwstaart"]
    assert mp["role"] == "Tweede Kamerlid (VVD)" and mp["party"] == "vvd"
    assert entities["tk-tess-overstap"]["party"] == "nbp"  # the current seat, not the ended one
    assert entities["tk-anne-van-den-berg"]["role"] == "Tweede Kamerlid (D66), fractievoorzitter"
    assert "Van den Berg" in entities["tk-anne-van-den-berg"]["aliases"]
    # "De Boer" and "Sneller" are Dutch words: only the full name and "Kamerlid <surname>".
    assert entities["tk-jan-de-boer"]["aliases"] == ["Jan de Boer", "Kamerlid De Boer"]
    assert "Sneller" not in entities["joost-sneller"]["aliases"]
    assert entities["joost-sneller"]["party"] == "d66"
    # Built-in entries are extended, not replaced by less: curated aliases and context words stay.
    builtin = {e.id: e for e in builtin_entities()}
    assert set(builtin["groenlinks-pvda"].aliases) <= set(entities["groenlinks-pvda"]["aliases"])
    assert entities["volt"]["ambiguous"] == ["Volt"] and "stroom" in entities["volt"]["not_context"]
    assert set(builtin["barbara-kathmann"].aliases) <= set(entities["barbara-kathmann"]["aliases"])
    new = entities["nbp"]
    assert new["name"] == 'Nieuwe "Burger" Partij' and new["aliases"] == ['Nieuwe "Burger" Partij', "NBP"]

    paths = [r.path for r in kamer.page_requests()]
    assert len(paths) == 3 + 4  # 6 parties and 7 seats held, 2 a page
    assert all("$top" not in p for p in paths) and sum("$skip=" in p for p in paths) == 5
    assert {r.headers.get("User-Agent") for r in kamer.requests} == {USER_AGENT}


def test_the_written_file_named_in_the_config_lets_the_classifier_find_the_mp(
    kamer: FakeParliament, tmp_path: Path
) -> None:
    config = config_file(tmp_path, kamer.url("/OData/v5/"))
    result = refresh(config, tmp_path)
    assert result.exit_code == 0, result.output
    prepend(config, result.stdout.splitlines()[-1].split(": ", 1)[1])  # the line the command printed

    loaded = load_config(config)
    by_id = {e.id: e for e in loaded.entities}
    assert len(loaded.entities) == len(builtin_entities()) + 6  # 1 new party and 5 new MPs; the rest replaced
    assert by_id["tk-marieke-zwaluwstaart"].party == "vvd"
    assert by_id["tk-marieke-zwaluwstaart"].role == "Tweede Kamerlid (VVD)"
    assert by_id["joost-sneller"].role == "Tweede Kamerlid (D66)"  # the built-in entry, refreshed
    found = Classifier(loaded.watchlists, loaded.entities).classify("Vragen over gezichtsherkenning", TEXT)
    counts = {e.entity: e.count for e in found.entities}
    assert counts["tk-marieke-zwaluwstaart"] == 2  # the full name and the bare surname
    assert counts["vvd"] == 1
    person = next(e for e in found.entities if e.entity == "tk-marieke-zwaluwstaart")
    assert person.type == "person" and person.name == "Marieke Zwaluwstaart"
    # The CLI's own classification sees the same entities.
    env = {"WAAKHOND_CONFIG": str(config), "WAAKHOND_DATA_DIR": str(tmp_path / "data")}
    check = CliRunner().invoke(cli, ["rules", "check", "--text", TEXT, "--json"], env=env, catch_exceptions=False)
    assert check.exit_code == 0
    assert "tk-marieke-zwaluwstaart" in {e["entity"] for e in json.loads(check.stdout)["entities"]}


def test_a_second_refresh_replaces_the_file_and_drops_who_left(kamer: FakeParliament, tmp_path: Path) -> None:
    config = config_file(tmp_path, kamer.url("/OData/v5/"))
    assert refresh(config, tmp_path).exit_code == 0
    seat = next(r for r in kamer.entities("FractieZetelPersoon") if r["Persoon_Id"] == guid("persoon", "Pieter Grinwis"))
    kamer.update_entity("FractieZetelPersoon", seat["Id"], TotEnMet="2026-11-01T00:00:00+01:00")
    result = refresh(config, tmp_path)
    assert result.exit_code == 0 and "6 MPs" in result.stdout
    assert "tk-pieter-grinwis" not in entities_of(default_output(tmp_path))
    # The party with no MP left is still a current fractie.
    assert "christenunie" in entities_of(default_output(tmp_path))


def test_output_option_and_v4_endpoint(kamer: FakeParliament, tmp_path: Path) -> None:
    target = tmp_path / "elders" / "kamer.toml"
    result = refresh(config_file(tmp_path, kamer.url("/OData/v4/2.0/")), tmp_path, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert f"gazetteer_files = [{json.dumps(str(target))}]" in result.stdout
    assert len(entities_of(target)) == 13
    assert all(r.api == "v4" for r in kamer.page_requests())
    assert not default_output(tmp_path).exists()


@pytest.mark.parametrize("failing_page", [1, 2, 4])
def test_a_server_error_leaves_no_file_and_exits_1(kamer: FakeParliament, tmp_path: Path, failing_page: int) -> None:
    kamer.page_size = 2
    kamer.fail_page(failing_page, status=500)
    result = refresh(config_file(tmp_path, kamer.url("/OData/v5/")), tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {kamer.base_url}/OData/v5/{'Fractie' if failing_page < 4 else 'FractieZetelPersoon'}: "
        "HTTP 500 INTERNAL SERVER ERROR: Error 500 (injected by the test)."
    ]
    assert "Traceback" not in result.output
    assert not default_output(tmp_path).exists() and leftovers(default_output(tmp_path).parent) == []


def test_a_failed_refresh_keeps_the_previous_file(kamer: FakeParliament, tmp_path: Path) -> None:
    config = config_file(tmp_path, kamer.url("/OData/v5/"))
    assert refresh(config, tmp_path).exit_code == 0
    before = default_output(tmp_path).read_bytes()
    kamer.truncate_page(2)
    result = refresh(config, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {kamer.base_url}/OData/v5/FractieZetelPersoon: the response is not JSON")
    assert default_output(tmp_path).read_bytes() == before
    assert leftovers(default_output(tmp_path).parent) == [members.DEFAULT_FILE_NAME]


def test_malformed_and_cut_off_answers_are_one_line_errors(kamer: FakeParliament, tmp_path: Path) -> None:
    config = config_file(tmp_path, kamer.url("/OData/v5/"))
    kamer.truncate_page(1)
    cut = refresh(config, tmp_path)
    kamer.truncate_page(1, mode="connection")
    dropped = refresh(config, tmp_path)
    for result, reason in ((cut, "the response is not JSON"), (dropped, "the connection closed mid-response")):
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {kamer.base_url}/OData/v5/Fractie: {reason}")
    assert not default_output(tmp_path).exists()


def test_unreachable_api_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = refresh(config_file(tmp_path, f"http://127.0.0.1:{port}/OData/v5/"), tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach http://127.0.0.1:{port}/OData/v5/Fractie: ")
    assert len(result.stderr.strip().splitlines()) == 1 and not default_output(tmp_path).exists()


def test_an_empty_answer_writes_nothing(fake_parliament: FakeParliament, tmp_path: Path) -> None:
    fake_parliament.add_party("VVD", "Volkspartij voor Vrijheid en Democratie")
    result = refresh(config_file(tmp_path, fake_parliament.url("/OData/v5/")), tmp_path)
    assert result.exit_code == 1
    assert "no current MPs in the answer; nothing written" in result.stderr
    assert not default_output(tmp_path).exists()


def test_the_source_must_be_a_kamervragen_source(kamer: FakeParliament, tmp_path: Path) -> None:
    feed_only = config_file(tmp_path, "https://example.org/rss.xml", kind="feed")
    none = refresh(feed_only, tmp_path)
    named_feed = refresh(feed_only, tmp_path, "--source", "tweede-kamer")
    unknown = refresh(feed_only, tmp_path, "--source", "bestaat-niet")
    assert none.exit_code == named_feed.exit_code == unknown.exit_code == 1
    assert none.stderr.startswith("Error: no kamervragen source configured")
    assert named_feed.stderr.strip() == "Error: tweede-kamer is a feed source, not a kamervragen source"
    assert unknown.stderr.strip() == "Error: no source named 'bestaat-niet' (configured: tweede-kamer)"
    two = config_file(
        tmp_path, kamer.url("/OData/v5/"),
        f'[[sources]]\nname = "tk-oud"\nkind = "kamervragen"\nurl = "{kamer.url("/OData/v4/2.0/")}"\n',
    )  # fmt: skip
    ambiguous = refresh(two, tmp_path)
    assert ambiguous.exit_code == 1 and "give --source NAME" in ambiguous.stderr
    chosen = refresh(two, tmp_path, "--source", "tk-oud")
    assert chosen.exit_code == 0 and "from tk-oud" in chosen.stdout
    assert kamer.page_requests() and all(r.api == "v4" for r in kamer.page_requests())


def test_refresh_recreates_a_missing_file_the_config_names(kamer: FakeParliament, tmp_path: Path) -> None:
    output = default_output(tmp_path)
    config = config_file(tmp_path, kamer.url("/OData/v5/"), top=f"gazetteer_files = [{json.dumps(str(output))}]\n")
    with pytest.raises(ConfigError):
        load_config(config)  # the file is missing: every other command refuses the config
    result = refresh(config, tmp_path)
    assert result.exit_code == 0, result.output
    assert any(e.id == "tk-marieke-zwaluwstaart" for e in load_config(config).entities)
    # A problem in the config itself is still reported.
    prepend(config, "bogus = 1")
    output.unlink()
    broken = refresh(config, tmp_path)
    assert broken.exit_code == 1 and "bogus: unknown key" in broken.stderr and not output.exists()


def test_a_hanging_api_times_out(kamer: FakeParliament, tmp_path: Path) -> None:
    release = threading.Event()
    kamer.hang_page(1, release)
    try:
        with pytest.raises(members.RefreshError, match=r"/OData/v5/Fractie: no answer within 0.3 s"):
            members.refresh(kamer.url("/OData/v5/"), tmp_path / "g.toml", timeout=0.3)
    finally:
        release.set()
    assert leftovers(tmp_path) == []


# -- the file's content ------------------------------------------------------------------------


def roster(*people: members.Member, parties: tuple[members.Party, ...] = ()) -> members.Roster:
    return members.Roster(parties or (members.Party("p1", "ABC", "Alpha Beta Centrum", 3),), people)


def mp(first: str, surname: str, prefix: str | None = None, key: str | None = None, party: str | None = "p1") -> members.Member:
    return members.Member(key or f"{first}-{surname}", 1, first, prefix, surname, party, "Lid", None)


def test_strings_that_need_escaping_survive_the_round_trip() -> None:
    odd = [
        mp('Jan "Jantje"', "Back\\slash"),
        mp("Tab\tNew\nLine", "Del\x7fete\x00"),
        mp("Zoë", "Ünïcødé", "d'"),
        mp("Emoji", "😀Lach", party=None),
        mp("Lone", "Sur\ud800rogate"),
    ]
    parties = (members.Party("p1", "A\\B", 'Quote " Partij', None),)
    text = members.gazetteer_text(roster(*odd, parties=parties), "https://x.example/OData/v5/", datetime.now(UTC))
    data = tomllib.loads(text)
    _, problems = parse_gazetteer(text)
    assert problems == []
    names = {t["name"] for t in data["entity"]}
    assert {'Jan "Jantje" Back\\slash', "Tab New Line Delete", "Zoë d' Ünïcødé", "Emoji 😀Lach", "Lone Surrogate",
            'Quote " Partij'} <= names
    assert all(t["id"].startswith("tk-") for t in data["entity"] if t["type"] == "person")


def test_bare_surnames_only_when_safe() -> None:
    people = (
        mp("Kees", "Visser"),  # a Dutch word (fisherman)
        mp("Jan", "Jong", "de"),  # "De Jong" is fine
        mp("Piet", "Koning", "de"),  # "de koning" is a phrase
        mp("Ada", "Kok"),  # short
        mp("Eva", "Pietersen", key="a"),
        mp("Rob", "Pietersen", key="b"),  # two MPs share the surname
        mp("Mark", "Wolfsen"),  # "Wolfsen" is an alias of the AP chair in the built-in gazetteer
        mp("Stephan", "Baarle", "van"),
    )
    text = members.gazetteer_text(roster(*people), "https://x.example/OData/v5/", datetime.now(UTC))
    aliases = {t["name"]: t["aliases"] for t in tomllib.loads(text)["entity"] if t["type"] == "person"}
    assert aliases["Kees Visser"] == ["Kees Visser", "Kamerlid Visser"]
    assert aliases["Jan de Jong"] == ["Jan de Jong", "Kamerlid De Jong", "De Jong"]
    assert aliases["Piet de Koning"] == ["Piet de Koning", "Kamerlid De Koning"]
    assert aliases["Ada Kok"] == ["Ada Kok", "Kamerlid Kok"]
    assert aliases["Eva Pietersen"] == ["Eva Pietersen"] and aliases["Rob Pietersen"] == ["Rob Pietersen"]
    assert aliases["Mark Wolfsen"] == ["Mark Wolfsen", "Kamerlid Wolfsen"]
    assert aliases["Stephan van Baarle"] == ["Stephan van Baarle", "Kamerlid Van Baarle", "Van Baarle"]


def test_ids_are_slugs_and_stay_unique() -> None:
    assert members.slug("Sophie in 't Veld") == "sophie-in-t-veld"
    assert members.slug("Ærø Ødegård-Çelik") == "aero-odegard-celik"
    people = (mp("Jan", "Jansen", key="a"), mp("Jan", "Jansen", key="b"))
    parties = (
        members.Party("p1", "AP", "Alternatieve Partij", 2),  # "AP" is already the Autoriteit Persoonsgegevens
        members.Party("p2", "autoriteit-persoonsgegevens", "Rare Naam", 1),  # this slug is an organisation's id
        members.Party("p3", "Storm", None, 1),  # a word, and its only name
    )
    text = members.gazetteer_text(roster(*people, parties=parties), "https://x.example/OData/v5/", datetime.now(UTC))
    tables = tomllib.loads(text)["entity"]
    assert [t["id"] for t in tables] == [
        "ap", "autoriteit-persoonsgegevens-2", "storm", "tk-jan-jansen", "tk-jan-jansen-2",
    ]  # fmt: skip
    assert tables[0]["aliases"] == ["Alternatieve Partij"]  # not "AP": another entity's alias
    assert tables[2]["aliases"] == ["Storm"] and tables[2]["ambiguous"] == ["Storm"]
    assert tables[2]["context"] == list(members.PARTY_CONTEXT)


# -- the fake API's member sets ----------------------------------------------------------------


def test_fake_serves_member_sets_with_nested_expand_and_filters(kamer: FakeParliament) -> None:
    url = kamer.url("/OData/v5/FractieZetelPersoon")
    body = httpx.get(url, params={"$filter": "TotEnMet eq null and Verwijderd eq false", "$count": "true",
                                  "$expand": "Persoon,FractieZetel($expand=Fractie)"}).json()
    assert body["@odata.context"] == f"{kamer.base_url}/OData/v5/$metadata#FractieZetelPersoon"
    assert body["@odata.count"] == 8  # 7 MPs and the seat that starts next month
    first = body["value"][0]
    assert first["Persoon"]["Achternaam"] == "Zwaluwstaart" and first["Persoon"]["Tussenvoegsel"] is None
    assert first["FractieZetel"]["Fractie"]["Afkorting"] == "VVD"
    assert first["FractieZetel"]["Fractie_Id"] == first["FractieZetel"]["Fractie"]["Id"]
    parties = httpx.get(kamer.url("/OData/v4/2.0/Fractie"),
                        params={"$filter": "Verwijderd eq false and DatumInactief eq null", "$orderby": "NaamNL"})
    assert [p["Afkorting"] for p in parties.json()["value"]] == ["CU", "D66", "GL-PvdA", "NBP", "VVD", "Volt"]
    seats = httpx.get(kamer.url("/OData/v5/Fractie"), params={"$expand": "FractieZetel($expand=FractieZetelPersoon)",
                                                              "$filter": "Afkorting eq 'GL-PvdA'"}).json()["value"]
    assert [len(z["FractieZetelPersoon"]) for z in seats[0]["FractieZetel"]] == [1, 1]
    for params in ({"$expand": "PersoonReis"}, {"$filter": "FractieZetel/Fractie/Afkorting eq 'VVD'"},
                   {"$filter": "Bestaat eq 1"}, {"$expand": "FractieZetel($select=Id)"}):
        refused = httpx.get(kamer.url("/OData/v5/FractieZetelPersoon"), params=params)
        assert refused.status_code == 400 and refused.json()["error"]["message"], params
    kamer.v4_enabled = False
    assert httpx.get(kamer.url("/OData/v4/2.0/Persoon")).status_code == 404
    assert httpx.get(kamer.url("/OData/v5/Persoon")).status_code == 200
    assert httpx.get(kamer.url("/OData/v5/Zaak")).status_code == 404


def test_the_kamer_parties_map_onto_the_built_in_party_ids() -> None:
    # Afkorting and NaamNL as the Kamer writes them, as far as known (not checked against the live API).
    kamer = [
        ("D66", "Democraten 66", "d66"), ("PVV", "Partij voor de Vrijheid", "pvv"),
        ("VVD", "Volkspartij voor Vrijheid en Democratie", "vvd"), ("GL-PvdA", "GroenLinks-PvdA", "groenlinks-pvda"),
        ("CDA", "Christen-Democratisch Appèl", "cda"), ("JA21", "JA21", "ja21"),
        ("FVD", "Forum voor Democratie", "fvd"), ("BBB", "BoerBurgerBeweging", "bbb"), ("DENK", "DENK", "denk"),
        ("CU", "ChristenUnie", "christenunie"), ("SP", "Socialistische Partij", "sp"),
        ("SGP", "Staatkundig Gereformeerde Partij", "sgp"), ("PvdD", "Partij voor de Dieren", "partij-voor-de-dieren"),
        ("50PLUS", "50PLUS", "50plus"), ("Volt", "Volt", "volt"),
        ("Groep Markuszower", "Groep Markuszower", "groep-markuszower"),
    ]  # fmt: skip
    parties = tuple(members.Party(f"p{i}", short, name, 10) for i, (short, name, _) in enumerate(kamer))
    people = tuple(mp("Lid", f"Nummer{i}", party=f"p{i}") for i in range(len(kamer)))
    text = members.gazetteer_text(members.Roster(parties, people), "https://x.example/OData/v5/", datetime.now(UTC))
    written = {t["name"]: t for t in tomllib.loads(text)["entity"]}
    by_id = {t["id"]: t for t in written.values() if t["type"] == "party"}
    assert set(by_id) == {entity_id for _, _, entity_id in kamer}
    assert by_id["denk"]["ambiguous"] == ["DENK"]  # the built-in safeguards stay
    assert written["Lid Nummer3"]["party"] == "groenlinks-pvda"
