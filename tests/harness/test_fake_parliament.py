"""Tests of the fake Tweede Kamer OData API and KOOP repository, over real HTTP."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.harness.fake_parliament import (
    ANSWER,
    LATER_ANSWER,
    ODATA_CONTENT_TYPE,
    POSTPONEMENT,
    QUESTION,
    FakeParliament,
    answer_record,
    api_stamp,
    format_ticks,
    guid,
    parse_datetimeoffset,
    postponement_record,
    question_record,
    vergaderjaar,
)

SRU = "{http://docs.oasis-open.org/ns/search-ws/sruResponse}"
GZD = "{http://standaarden.overheid.nl/sru}"
OW = "{http://standaarden.overheid.nl/wetgeving/}"
DC = "{http://purl.org/dc/terms/}"
DIAG = "{http://docs.oasis-open.org/ns/search-ws/diagnostic}"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z")
LOCAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+0[12]:00")
LOCAL_7 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+0[12]:00")
SUBJECT = "het bericht 'Politie zoekt vaker met gezichtsherkenning'"


def odata(fake: FakeParliament, api: str = "v4", **options: str) -> httpx.Response:
    url = fake.v4_url if api == "v4" else fake.v5_url
    return httpx.get(url, params={f"${k}": v for k, v in options.items()})


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["DocumentNummer"] for r in response.json()["value"]]


def doc(number: str, soort: str = QUESTION, datum: str = "2026-10-01T00:00:00+02:00", **extra: Any) -> dict[str, Any]:
    return {"Id": guid("document", number), "Soort": soort, "DocumentNummer": number, "Datum": datum,
            "Verwijderd": False, **extra}


@pytest.fixture
def five(fake_parliament: FakeParliament) -> list[dict[str, Any]]:
    """Five documents added in order 2026D00001..5, with alternating kinds."""
    kinds = [QUESTION, ANSWER, QUESTION, POSTPONEMENT, LATER_ANSWER]
    return [fake_parliament.add_document(doc(f"2026D0000{i + 1}", kinds[i])) for i in range(5)]


# -- record builders -------------------------------------------------------------------------


def test_builders_share_one_zaak_per_case_and_are_deterministic() -> None:
    question = question_record("2026Z19034", SUBJECT, date(2026, 10, 1), [("Jansen", "D66"), ("De Boer", "VVD")])
    delay = postponement_record("2026Z19034", SUBJECT, date(2026, 10, 22), submitted=date(2026, 10, 1))
    answer = answer_record("2026Z19034", SUBJECT, date(2026, 11, 3), submitted=date(2026, 10, 1))
    later = answer_record("2026Z19034", SUBJECT, date(2026, 12, 1), soort=LATER_ANSWER)
    assert question == question_record(
        "2026Z19034", SUBJECT, date(2026, 10, 1), [("Jansen", "D66"), ("De Boer", "VVD")]
    )
    assert len({question["Id"], delay["Id"], answer["Id"], later["Id"]}) == 4
    assert len({r["DocumentNummer"] for r in (question, delay, answer, later)}) == 4
    zaken = [r["Zaak"][0] for r in (question, delay, answer, later)]
    assert {z["Id"] for z in zaken} == {guid("zaak", "2026Z19034")}
    assert {z["Nummer"] for z in zaken} == {"2026Z19034"}
    assert [z["Afgedaan"] for z in zaken] == [False, False, True, True]

    assert question["Soort"] == QUESTION and delay["Soort"] == POSTPONEMENT
    assert answer["Soort"] == ANSWER and later["Soort"] == LATER_ANSWER
    assert question["DocumentVersie"][0]["ExterneIdentifier"] == "kv-tk-2026Z19034"
    assert question["Zaak"][0]["Termijn"] == "2026-10-22T00:00:00+02:00"
    assert question["Datum"] == "2026-10-01T00:00:00+02:00" and question["Vergaderjaar"] == "2026-2027"
    assert LOCAL.fullmatch(question["GewijzigdOp"])
    actors = question["Zaak"][0]["ZaakActor"]
    assert [(a["ActorNaam"], a["Relatie"]) for a in actors] == [
        ("Jansen", "Indiener"), ("De Boer", "Medeindiener"), ("minister van Justitie en Veiligheid", "Gericht aan"),
    ]
    assert set(actors[0]) == {"Id", "ActorNaam", "ActorFractie", "ActorAfkorting", "Functie", "Relatie", "Verwijderd"}
    serial = int(answer["Aanhangselnummer"][-5:])
    assert answer["DocumentVersie"][0]["ExterneIdentifier"] == f"ah-tk-20262027-{serial}"
    assert answer["Aanhangselnummer"].startswith("2627")
    assert later["DocumentVersie"][0]["ExterneIdentifier"] != answer["DocumentVersie"][0]["ExterneIdentifier"]

    given = answer_record("2026Z19034", SUBJECT, date(2026, 11, 3), external_id="ah-tk-20262027-101",
                          answered_by=("M. Minister", "minister van Justitie en Veiligheid"))
    assert given["Aanhangselnummer"] == "262700101"
    assert given["DocumentActor"][0]["ActorNaam"] == "M. Minister"
    winter = question_record("2027Z00042", SUBJECT, date(2027, 1, 12))
    assert winter["Datum"] == "2027-01-12T00:00:00+01:00" and winter["Vergaderjaar"] == "2026-2027"


def test_vergaderjaar_turns_on_prinsjesdag() -> None:
    assert vergaderjaar(date(2026, 9, 14)) == "2025-2026"
    assert vergaderjaar(date(2026, 9, 15)) == "2026-2027"  # third Tuesday of September 2026
    assert vergaderjaar(date(2027, 3, 1)) == "2026-2027"


# -- OData shape and endpoints ---------------------------------------------------------------


def test_serves_the_v4_json_shape_on_v4_and_v5(fake_parliament: FakeParliament) -> None:
    added = fake_parliament.add_document(question_record("2026Z19034", SUBJECT, date(2026, 10, 1)))
    assert STAMP.fullmatch(added["ApiGewijzigdOp"])

    for api, root in (("v4", "/OData/v4/2.0"), ("v5", "/OData/v5")):
        response = odata(fake_parliament, api, expand="Zaak($expand=ZaakActor),DocumentVersie,DocumentActor")
        assert response.status_code == 200
        assert response.headers["content-type"] == ODATA_CONTENT_TYPE
        body = response.json()
        assert body["@odata.context"] == f"{fake_parliament.base_url}{root}/$metadata#Document"
        assert "@odata.nextLink" not in body and "@odata.count" not in body
        assert body["value"] == [added]


def test_v4_disabled_answers_404_and_v5_keeps_working(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_document(doc("2026D00001"))
    fake_parliament.v4_enabled = False
    assert odata(fake_parliament, "v4").status_code == 404
    assert ids(odata(fake_parliament, "v5")) == ["2026D00001"]
    assert [r.api for r in fake_parliament.page_requests()] == ["v5"]
    assert len(fake_parliament.requests) == 2


def test_robots_allows_everything_and_other_paths_404(fake_parliament: FakeParliament) -> None:
    robots = httpx.get(fake_parliament.url("/robots.txt"))
    assert robots.status_code == 200 and "Allow: /" in robots.text
    for path in ("/", "/OData/v4/2.0/Zaak", "/OData/v4/2.0/Document(1)", "/frbr/officielepublicaties/x", "/zoek"):
        assert httpx.get(fake_parliament.url(path)).status_code == 404, path


# -- $filter ---------------------------------------------------------------------------------


def test_filter_ge_and_gt_on_api_gewijzigd_op_compare_all_seven_digits(
    fake_parliament: FakeParliament, five: list[dict[str, Any]]
) -> None:
    stamps = [r["ApiGewijzigdOp"] for r in five]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    assert fake_parliament.last_api_stamp == stamps[-1]
    third = stamps[2]
    assert ids(odata(fake_parliament, filter=f"ApiGewijzigdOp ge {third}")) == [
        "2026D00003", "2026D00004", "2026D00005"
    ]
    assert ids(odata(fake_parliament, filter=f"ApiGewijzigdOp gt {third}")) == ["2026D00004", "2026D00005"]
    # One tick (100 ns) past the stamp already excludes it; the same instant in local time still includes it.
    ticks = parse_datetimeoffset(third)
    assert ids(odata(fake_parliament, filter=f"ApiGewijzigdOp ge {format_ticks(ticks + 1)}"))[0] == "2026D00004"
    seconds, fraction = divmod(ticks, 10_000_000)
    wall = datetime.fromtimestamp(seconds, ZoneInfo("Europe/Amsterdam")).isoformat()
    local = f"{wall[:19]}.{fraction:07d}{wall[19:]}"
    assert LOCAL_7.fullmatch(local)
    assert ids(odata(fake_parliament, filter=f"ApiGewijzigdOp ge {local}"))[0] == "2026D00003"


def test_filter_compares_dates_as_instants_not_text(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_document(doc("2026D00001", datum="2026-10-01T00:00:00+02:00"))  # 30 Sep 22:00 UTC
    fake_parliament.add_document(doc("2026D00002", datum="2026-10-01T03:00:00+02:00"))
    fake_parliament.add_document(doc("2026D00003", datum=None))
    assert ids(odata(fake_parliament, filter="Datum ge 2026-10-01T00:00:00Z")) == ["2026D00002"]
    assert ids(odata(fake_parliament, filter="Datum lt 2026-10-01T00:00:00Z")) == ["2026D00001"]
    assert ids(odata(fake_parliament, filter="Datum le 2026-09-30T22:00:00.0000000Z")) == ["2026D00001"]
    assert ids(odata(fake_parliament, filter="Datum eq null")) == ["2026D00003"]
    assert ids(odata(fake_parliament, filter="Datum ne null")) == ["2026D00001", "2026D00002"]


def test_filter_and_or_not_and_parentheses(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.delete_document(five[0]["Id"])
    q = "Soort eq 'Schriftelijke vragen'"
    a = "Soort eq 'Antwoord schriftelijke vragen'"
    assert ids(odata(fake_parliament, filter=f"Verwijderd eq false and {q}")) == ["2026D00003"]
    assert ids(odata(fake_parliament, filter=f"Verwijderd eq false and ({q} or {a})")) == ["2026D00002", "2026D00003"]
    # Without parentheses "and" binds tighter: the deleted question comes back through the "or".
    assert ids(odata(fake_parliament, filter=f"{a} or {q} and Verwijderd eq true")) == ["2026D00001", "2026D00002"]
    assert ids(odata(fake_parliament, filter=f"not ({q}) and not Verwijderd")) == [
        "2026D00002", "2026D00004", "2026D00005"
    ]
    assert ids(odata(fake_parliament, filter="Verwijderd")) == ["2026D00001"]
    assert ids(odata(fake_parliament, filter="DocumentNummer ge '2026D00004' or DocumentNummer lt '2026D00002'")) == [
        "2026D00001", "2026D00004", "2026D00005"
    ]
    assert ids(odata(fake_parliament, filter="((DocumentNummer ne '2026D00001')) and true eq Verwijderd")) == []
    assert ids(odata(fake_parliament, filter="contains(Soort,'Antwoord') and endswith(Soort,'(nader)')")) == [
        "2026D00005"
    ]


def test_filter_string_literals_escape_quotes_by_doubling(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_document(doc("2026D00001", Onderwerp="Vragen over 's-Hertogenbosch"))
    fake_parliament.add_document(doc("2026D00002", Onderwerp="Vragen over Den Bosch"))
    fake_parliament.add_document(doc("O'Brien-1"))
    assert ids(odata(fake_parliament, filter="Onderwerp eq 'Vragen over ''s-Hertogenbosch'")) == ["2026D00001"]
    assert ids(odata(fake_parliament, filter="DocumentNummer eq 'O''Brien-1'")) == ["O'Brien-1"]
    assert ids(odata(fake_parliament, filter="contains(Onderwerp,'''s-')")) == ["2026D00001"]
    assert ids(odata(fake_parliament, filter="Onderwerp eq ''")) == []


@pytest.mark.parametrize(
    "expression",
    [
        "Soort eq",
        "Soort eq 'Schriftelijke vragen",
        "Soort eq 'a' and",
        "(Soort eq 'a'",
        "Soort eq 'a')",
        "Soort EQ 'a'",
        "Soort eq 'a' AND Verwijderd eq false",
        "Bestaatniet eq 'a'",
        "Datum ge 'gisteren'",
        "Datum ge 2026-10-01",
        "Datum ge 2026-13-01T00:00:00Z",
        "ApiGewijzigdOp ge 2026-10-01T00:00:00.12345678Z",
        "Verwijderd eq 'false'",
        "Verwijderd gt false",
        "not Soort eq 'a'",
        "Soort",
        "Zaak/any(z: z/Nummer eq '2026Z19034')",
        "frobnicate(Soort)",
        "Soort eq \"a\"",
        "",
    ],
)
def test_malformed_filter_answers_400_with_an_odata_error(fake_parliament: FakeParliament, expression: str) -> None:
    fake_parliament.add_document(doc("2026D00001"))
    response = odata(fake_parliament, filter=expression)
    assert response.status_code == 400
    assert response.headers["content-type"] == ODATA_CONTENT_TYPE
    error = response.json()["error"]
    assert set(error) >= {"code", "message"} and error["message"]


# -- paging, $top, $skip, $count, $orderby, $expand ------------------------------------------


def test_pages_follow_next_links_with_skip(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.page_size = 2
    url = httpx.URL(fake_parliament.v4_url, params={
        "$filter": "Verwijderd eq false", "$orderby": "ApiGewijzigdOp asc,Id asc", "$count": "true",
    })
    seen: list[str] = []
    links: list[str] = []
    while True:
        body = httpx.get(url).json()
        assert body["@odata.count"] == 5
        seen += [r["DocumentNummer"] for r in body["value"]]
        if "@odata.nextLink" not in body:
            break
        links.append(body["@odata.nextLink"])
        url = httpx.URL(body["@odata.nextLink"])
    assert seen == [f"2026D0000{i}" for i in range(1, 6)]
    assert len(links) == 2
    assert all(link.startswith(fake_parliament.v4_url + "?") for link in links)
    assert [httpx.URL(link).params["$skip"] for link in links] == ["2", "4"]
    assert all(httpx.URL(link).params["$filter"] == "Verwijderd eq false" for link in links)
    assert [r.params.get("$skip") for r in fake_parliament.page_requests()] == [None, "2", "4"]


def test_next_link_replaces_an_existing_skip_and_is_absent_on_the_last_page(
    fake_parliament: FakeParliament, five: list[dict[str, Any]]
) -> None:
    fake_parliament.page_size = 2
    body = odata(fake_parliament, skip="1").json()
    assert [r["DocumentNummer"] for r in body["value"]] == ["2026D00002", "2026D00003"]
    link = httpx.URL(body["@odata.nextLink"])
    assert str(link).count("$skip") == 1 and link.params["$skip"] == "3"
    last = odata(fake_parliament, skip="3").json()
    assert [r["DocumentNummer"] for r in last["value"]] == ["2026D00004", "2026D00005"]
    assert "@odata.nextLink" not in last
    assert odata(fake_parliament, skip="9").json()["value"] == []


def test_top_suppresses_next_link_like_the_real_api(
    fake_parliament: FakeParliament, five: list[dict[str, Any]]
) -> None:
    fake_parliament.page_size = 2
    body = odata(fake_parliament, top="1", count="true").json()
    assert [r["DocumentNummer"] for r in body["value"]] == ["2026D00001"]
    assert body["@odata.count"] == 5 and "@odata.nextLink" not in body
    # A $top beyond the page size is still capped at one page, and still without a next link.
    capped = odata(fake_parliament, top="10").json()
    assert len(capped["value"]) == 2 and "@odata.nextLink" not in capped
    assert ids(odata(fake_parliament, top="2", skip="3")) == ["2026D00004", "2026D00005"]
    assert odata(fake_parliament, top="-1").status_code == 400
    assert odata(fake_parliament, skip="x").status_code == 400


def test_count_counts_all_matches_not_the_page(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.page_size = 2
    body = odata(fake_parliament, filter="Soort ne 'Schriftelijke vragen'", count="true").json()
    assert body["@odata.count"] == 3 and len(body["value"]) == 2
    keys = list(body)
    assert keys.index("@odata.count") < keys.index("value") < keys.index("@odata.nextLink")
    assert "@odata.count" not in odata(fake_parliament, count="false").json()
    assert odata(fake_parliament, count="yes").status_code == 400


def test_orderby_sorts_by_several_keys_in_either_direction(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_document(doc("2026D00001", datum="2026-10-02T00:00:00+02:00"))
    fake_parliament.add_document(doc("2026D00002", datum="2026-10-01T00:00:00+02:00"))
    fake_parliament.add_document(doc("2026D00003", datum="2026-10-02T00:00:00+02:00"))
    fake_parliament.add_document(doc("2026D00004", datum=None))
    assert ids(odata(fake_parliament, orderby="Datum")) == ["2026D00004", "2026D00002", "2026D00001", "2026D00003"]
    assert ids(odata(fake_parliament, orderby="Datum desc,DocumentNummer desc")) == [
        "2026D00003", "2026D00001", "2026D00002", "2026D00004"
    ]
    assert ids(odata(fake_parliament, orderby="ApiGewijzigdOp desc")) == [
        "2026D00004", "2026D00003", "2026D00002", "2026D00001"
    ]
    assert odata(fake_parliament, orderby="Bestaatniet").status_code == 400
    assert odata(fake_parliament, orderby="Datum sideways").status_code == 400


def test_expand_accepts_the_spider_form_and_refuses_others(fake_parliament: FakeParliament) -> None:
    record = fake_parliament.add_document(question_record("2026Z19034", SUBJECT, date(2026, 10, 1)))
    for expand in ("Zaak($expand=ZaakActor),DocumentVersie,DocumentActor", "DocumentVersie", "Zaak, DocumentActor"):
        assert odata(fake_parliament, expand=expand).json()["value"] == [record], expand
    for expand in ("Kamerstukdossier", "Zaak($select=Nummer)", "Zaak($expand=Document)", "Bestaatniet", "Zaak("):
        response = odata(fake_parliament, expand=expand)
        assert response.status_code == 400, expand
        assert response.json()["error"]["message"]

    fake_parliament.strict_expand = True
    bare = odata(fake_parliament).json()["value"][0]
    assert not {"Zaak", "DocumentVersie", "DocumentActor"} & set(bare)
    partial = odata(fake_parliament, expand="Zaak,DocumentVersie").json()["value"][0]
    assert "ZaakActor" not in partial["Zaak"][0] and "DocumentActor" not in partial
    assert odata(fake_parliament, expand="Zaak($expand=ZaakActor),DocumentVersie,DocumentActor").json()["value"] == [
        record
    ]


def test_unknown_and_repeated_query_options_are_refused(fake_parliament: FakeParliament) -> None:
    assert odata(fake_parliament, select="Id").status_code == 400
    repeated = httpx.get(fake_parliament.v4_url + "?$top=1&$top=2")
    assert repeated.status_code == 400 and "more than once" in repeated.json()["error"]["message"]
    assert httpx.get(fake_parliament.v4_url + "?utm=1&$format=json").status_code == 200


# -- corrections and deletions ---------------------------------------------------------------


def test_update_and_deletion_markers_are_found_by_the_incremental_query(
    fake_parliament: FakeParliament, five: list[dict[str, Any]]
) -> None:
    watermark = fake_parliament.last_api_stamp
    assert watermark is not None
    corrected = fake_parliament.update_document(five[1]["Id"], Titel="Gecorrigeerd")
    deleted = fake_parliament.delete_document(five[2]["Id"])
    marker = fake_parliament.delete_document(five[3]["Id"], empty=True)
    assert corrected["ApiGewijzigdOp"] > watermark and corrected["DocumentNummer"] == "2026D00002"
    assert deleted["Verwijderd"] is True and deleted["Soort"] == QUESTION
    assert marker == {"Id": five[3]["Id"], "Verwijderd": True, "ApiGewijzigdOp": marker["ApiGewijzigdOp"]}
    assert corrected["ApiGewijzigdOp"] < deleted["ApiGewijzigdOp"] < marker["ApiGewijzigdOp"]

    changed = odata(fake_parliament, filter=f"ApiGewijzigdOp gt {watermark}", orderby="ApiGewijzigdOp").json()
    assert [r["Id"] for r in changed["value"]] == [five[1]["Id"], five[2]["Id"], five[3]["Id"]]
    assert changed["value"][0]["Titel"] == "Gecorrigeerd"
    assert changed["value"][2] == marker
    gone = odata(fake_parliament, filter=f"Verwijderd eq true and ApiGewijzigdOp ge {watermark}").json()["value"]
    assert [r["Id"] for r in gone] == [five[2]["Id"], five[3]["Id"]]
    live = odata(fake_parliament, filter="Verwijderd eq false and Soort eq 'Schriftelijke vragen'")
    assert ids(live) == ["2026D00001"]
    with pytest.raises(KeyError):
        fake_parliament.update_document("no-such-id", Titel="x")


def test_stamps_use_the_clock_and_stay_strictly_increasing() -> None:
    frozen = datetime(2026, 10, 1, 9, 12, 33, 123456, tzinfo=UTC)
    fake = FakeParliament(clock=lambda: frozen)
    first = fake.add_document(doc("2026D00001"))["ApiGewijzigdOp"]
    second = fake.add_document(doc("2026D00002"))["ApiGewijzigdOp"]
    given = fake.add_document(doc("2026D00003", ApiGewijzigdOp="2026-10-05T00:00:00.0000001Z"))
    after = fake.add_document(doc("2026D00004"))["ApiGewijzigdOp"]
    assert first == "2026-10-01T09:12:33.1234560Z" == api_stamp(frozen)
    assert second == "2026-10-01T09:12:33.1234561Z"
    assert given["ApiGewijzigdOp"] == "2026-10-05T00:00:00.0000001Z"
    assert after == "2026-10-05T00:00:00.0000002Z"
    with pytest.raises(ValueError, match="exists"):
        fake.add_document(doc("2026D00001"))


def test_raw_records_reach_the_client_whatever_the_filter(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_document(doc("2026D00001"))
    fake_parliament.add_raw_record({"Id": "kapot", "Soort": 42, "Datum": "gisteren"})
    fake_parliament.add_raw_record("geen object")
    fake_parliament.add_raw_record({"Soort": QUESTION, "Verwijderd": False}, always_match=False)
    fake_parliament.add_raw_record({"Soort": 42}, always_match=False)
    body = odata(fake_parliament, filter=f"Soort eq '{QUESTION}' and Verwijderd eq false", count="true").json()
    assert body["value"] == [
        {"Id": guid("document", "2026D00001"), "Soort": QUESTION, "DocumentNummer": "2026D00001",
         "Datum": "2026-10-01T00:00:00+02:00", "Verwijderd": False,
         "ApiGewijzigdOp": body["value"][0]["ApiGewijzigdOp"]},
        {"Id": "kapot", "Soort": 42, "Datum": "gisteren"},
        "geen object",
        {"Soort": QUESTION, "Verwijderd": False},
    ]
    assert body["@odata.count"] == 4
    # Unreadable values sort as nulls (first) and compare as unknown.
    assert odata(fake_parliament, orderby="Datum desc").status_code == 200
    assert odata(fake_parliament, filter="Datum ge 2020-01-01T00:00:00Z").json()["value"][1:] == [
        {"Id": "kapot", "Soort": 42, "Datum": "gisteren"}, "geen object"
    ]


# -- fault injection -------------------------------------------------------------------------


def test_fail_page_fails_the_nth_page_request_once(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.page_size = 2
    odata(fake_parliament)  # pages are counted from the call on, not from the start
    fake_parliament.fail_page(2, status=503, headers={"Retry-After": "1"})
    first = odata(fake_parliament)
    failed = httpx.get(first.json()["@odata.nextLink"])
    retried = httpx.get(first.json()["@odata.nextLink"])
    assert first.status_code == 200
    assert failed.status_code == 503 and failed.headers["retry-after"] == "1" and failed.json()["error"]["message"]
    assert retried.status_code == 200 and ids(retried) == ["2026D00003", "2026D00004"]
    with pytest.raises(ValueError):
        fake_parliament.fail_page(0)


def test_truncate_page_cuts_the_json_once(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.truncate_page(1)
    cut = odata(fake_parliament)
    assert cut.status_code == 200 and cut.headers["content-type"] == ODATA_CONTENT_TYPE
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    whole = odata(fake_parliament)
    assert len(whole.json()["value"]) == 5
    assert whole.content.startswith(cut.content) and 0 < len(cut.content) < len(whole.content)


def test_truncate_page_can_drop_the_connection_mid_body(
    fake_parliament: FakeParliament, five: list[dict[str, Any]]
) -> None:
    fake_parliament.truncate_page(1, mode="connection")
    with pytest.raises(httpx.RemoteProtocolError):
        odata(fake_parliament)
    assert len(odata(fake_parliament).json()["value"]) == 5


def test_hang_page_blocks_until_the_event_is_set(fake_parliament: FakeParliament, five: list[dict[str, Any]]) -> None:
    fake_parliament.page_size = 2
    release = threading.Event()
    fake_parliament.hang_page(2, release)
    first = odata(fake_parliament).json()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.get, first["@odata.nextLink"], timeout=60)
        fake_parliament.wait_for_page_requests(2)
        # The server holds the page: the request arrived and stays unanswered until the release.
        assert not pending.done()
        fake_parliament.update_document(five[2]["Id"], Titel="Tijdens het wachten")
        release.set()
        answered = pending.result(timeout=30)
    assert answered.status_code == 200
    assert answered.json()["value"][0]["Titel"] == "Tijdens het wachten"


def test_a_hung_page_is_released_when_the_server_stops() -> None:
    fake = FakeParliament()
    fake.start()
    fake.hang_page(1, threading.Event())
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.get, fake.v5_url, timeout=60)
        fake.wait_for_page_requests(1)
        fake.stop()
        assert pending.result(timeout=30).status_code == 503


def test_wait_for_requests_matches_a_predicate(fake_parliament: FakeParliament) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: [httpx.get(fake_parliament.url(p)) for p in ("/robots.txt", "/sru", "/robots.txt")])
        hits = fake_parliament.wait_for_requests(lambda r: r.path == "/robots.txt", count=2)
    assert [r.method for r in hits] == ["GET", "GET"]
    with pytest.raises(AssertionError, match="not 5"):
        fake_parliament.wait_for_requests(count=5, timeout=0.1)


# -- SRU and FRBR ----------------------------------------------------------------------------


def sru(fake: FakeParliament, query: str, **extra: str) -> ElementTree.Element:
    response = httpx.get(fake.sru_url, params={
        "operation": "searchRetrieve", "version": "2.0", "query": query, "maximumRecords": "1", **extra,
    })
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def test_sru_finds_a_publication_by_identifier(fake_parliament: FakeParliament) -> None:
    xml_url = fake_parliament.add_publication("ah-tk-20262027-101", b"<kamervragen/>")
    html_url = fake_parliament.add_publication("ah-tk-20262027-101", "<p>antwoord</p>", manifestation="html")
    fake_parliament.add_publication("kv-tk-2026Z19034", b"<kamervragen/>", title="Vragen over gezichtsherkenning")

    root = sru(fake_parliament, 'c.product-area==officielepublicaties and dt.identifier=="ah-tk-20262027-101"')
    assert root.tag == f"{SRU}searchRetrieveResponse"
    assert root.findtext(f"{SRU}version") == "2.0" and root.findtext(f"{SRU}numberOfRecords") == "1"
    record = root.find(f"{SRU}records/{SRU}record")
    assert record is not None
    assert record.findtext(f"{SRU}recordSchema") == "http://standaarden.overheid.nl/sru/"
    assert record.findtext(f"{SRU}recordPacking") == "xml" and record.findtext(f"{SRU}recordPosition") == "1"
    gzd = record.find(f"{SRU}recordData/{GZD}gzd")
    assert gzd is not None
    meta = gzd.find(f"{GZD}originalData/{OW}meta")
    assert meta is not None
    assert meta.findtext(f"{OW}owmskern/{DC}identifier") == "ah-tk-20262027-101"
    assert meta.findtext(f"{OW}owmskern/{DC}type") == "Kamervragen (Aanhangsel)"
    assert meta.findtext(f"{OW}owmskern/{DC}title")
    assert meta.findtext(f"{OW}tpmeta/{OW}publicatienaam") == "Kamervragen (Aanhangsel)"
    assert meta.findtext(f"{OW}tpmeta/{OW}vergaderjaar") == "2026-2027"
    enriched = gzd.find(f"{GZD}enrichedData")
    assert enriched is not None
    assert enriched.findtext(f"{GZD}url") == xml_url
    assert enriched.findtext(f"{GZD}preferredUrl")
    items = {e.get("manifestation"): e.text for e in enriched.findall(f"{GZD}itemUrl")}
    assert items == {"html": html_url, "xml": xml_url}
    assert xml_url == (
        f"{fake_parliament.base_url}/frbr/officielepublicaties/ah-tk/20262027/ah-tk-20262027-101/1/xml/"
        "ah-tk-20262027-101.xml"
    )

    question = sru(fake_parliament, 'dt.identifier=="kv-tk-2026Z19034"')
    kern = f"{SRU}records/{SRU}record/{SRU}recordData/{GZD}gzd/{GZD}originalData/{OW}meta/"
    assert question.findtext(kern + f"{OW}tpmeta/{OW}publicatienaam") == "Kamervragen zonder antwoord"
    assert question.findtext(kern + f"{OW}owmskern/{DC}title") == "Vragen over gezichtsherkenning"
    assert question.findtext(kern + f"{OW}tpmeta/{OW}vraagnummer") == "2026Z19034"
    assert question.findtext(f"{SRU}records/{SRU}record/{SRU}recordData/{GZD}gzd/{GZD}enrichedData/{GZD}url") == (
        f"{fake_parliament.base_url}/frbr/officielepublicaties/kv-tk/2026/kv-tk-2026Z19034/1/xml/kv-tk-2026Z19034.xml"
    )


def test_sru_misses_and_counts_several_hits(fake_parliament: FakeParliament) -> None:
    fake_parliament.add_publication("ah-tk-20262027-101", b"<a/>")
    fake_parliament.add_publication("ah-tk-20262027-102", b"<a/>")
    miss = sru(fake_parliament, 'c.product-area==officielepublicaties and dt.identifier=="ah-tk-20262027-999"')
    assert miss.findtext(f"{SRU}numberOfRecords") == "0" and miss.find(f"{SRU}records") is None
    assert miss.find(f"{SRU}diagnostics") is None
    both = sru(fake_parliament, 'w.publicatienaam=="Kamervragen (Aanhangsel)" sortBy dt.date/sort.descending')
    assert both.findtext(f"{SRU}numberOfRecords") == "2"
    assert len(both.findall(f"{SRU}records/{SRU}record")) == 1
    assert both.findtext(f"{SRU}nextRecordPosition") == "2"
    fake_parliament.remove_publication("ah-tk-20262027-101")
    assert sru(fake_parliament, "dt.identifier==ah-tk-20262027-101").findtext(f"{SRU}numberOfRecords") == "0"


@pytest.mark.parametrize(
    ("query", "uri"),
    [
        ("w.publicatienaam==Kamervragen (Aanhangsel)", "info:srw/diagnostic/1/10"),
        ('dt.identifier=="ah-tk-20262027-101" and', "info:srw/diagnostic/1/10"),
        ('(dt.identifier=="ah-tk-20262027-101"', "info:srw/diagnostic/1/10"),
        ('dt.identifier=="open', "info:srw/diagnostic/1/10"),
        ("", "info:srw/diagnostic/1/10"),
        ('x.bestaatniet=="1"', "info:srw/diagnostic/1/16"),
    ],
)
def test_sru_answers_what_it_cannot_parse_with_a_diagnostic(
    fake_parliament: FakeParliament, query: str, uri: str
) -> None:
    root = sru(fake_parliament, query)
    diagnostic = root.find(f"{SRU}diagnostics/{DIAG}diagnostic")
    assert diagnostic is not None
    assert diagnostic.findtext(f"{DIAG}uri") == uri and diagnostic.findtext(f"{DIAG}message")
    assert root.find(f"{SRU}records") is None


def test_frbr_files_are_served_with_base_filled_in(fake_parliament: FakeParliament) -> None:
    body = b'<kamervragen><extref doc="{{base}}/frbr/x.xml"/></kamervragen>'
    xml_url = fake_parliament.add_publication("ah-tk-20262027-101", body)
    pdf_url = fake_parliament.add_publication("ah-tk-20262027-101", b"%PDF-1.7 {{base}}", manifestation="pdf")
    meta_url = fake_parliament.add_publication("ah-tk-20262027-101", b"<m>{{base}}</m>", manifestation="metadata")
    html_url = fake_parliament.add_publication(
        "kv-tk-2026Z19034", b"<html>{{base}}</html>", manifestation="html", content_type="text/html"
    )
    xml = httpx.get(xml_url)
    assert xml.status_code == 200 and xml.headers["content-type"] == "application/xml"
    assert xml.content == body.replace(b"{{base}}", fake_parliament.base_url.encode())
    pdf = httpx.get(pdf_url)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content == b"%PDF-1.7 {{base}}"
    assert meta_url.endswith("/ah-tk-20262027-101/1/metadata/metadata.xml")
    assert httpx.get(meta_url).text == f"<m>{fake_parliament.base_url}</m>"
    html = httpx.get(html_url)
    assert html.headers["content-type"] == "text/html" and html.text == f"<html>{fake_parliament.base_url}</html>"
    assert html_url.endswith("/frbr/officielepublicaties/kv-tk/2026/kv-tk-2026Z19034/1/html/kv-tk-2026Z19034.html")

    wrong_folder = xml_url.replace("/20262027/", "/20252026/")
    assert httpx.get(wrong_folder).status_code == 404
    assert httpx.get(xml_url.replace("/1/xml/", "/1/odt/").replace(".xml", ".odt")).status_code == 404
    fake_parliament.remove_publication("ah-tk-20262027-101")
    assert httpx.get(xml_url).status_code == 404


def test_page_requests_record_decoded_options(fake_parliament: FakeParliament) -> None:
    odata(fake_parliament, filter="Soort eq 'Schriftelijke vragen'", top="5")
    odata(fake_parliament, "v5")
    first, second = fake_parliament.page_requests()
    assert first.api == "v4" and first.params == {"$filter": "Soort eq 'Schriftelijke vragen'", "$top": "5"}
    assert first.path.startswith("/OData/v4/2.0/Document?")
    assert second.api == "v5" and second.params == {} and second.path == "/OData/v5/Document"
    assert [r.path for r in fake_parliament.requests] == [first.path, second.path]


def test_clock_dates_publications(fake_parliament: FakeParliament) -> None:
    fake = FakeParliament(clock=lambda: datetime(2025, 6, 1, 12, tzinfo=UTC))
    fake.start()
    try:
        fake.add_publication("ah-tk-20262027-7", b"<a/>", available=date(2026, 11, 2))
        fake.add_publication("ah-tk-20262027-8", b"<a/>")
        found = sru(fake, "dt.modified>=2026-11-01", maximumRecords="10")
        assert found.findtext(f"{SRU}numberOfRecords") == "1"
    finally:
        fake.stop()
