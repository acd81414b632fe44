"""The Tweede Kamer OData client: the sync query, API versions, and pages and records as typed data."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from crawlers import tweede_kamer_api as tk
from crawlers.tweede_kamer_api import (
    ADDRESSEE,
    API_VERSIONS,
    CO_SUBMITTER,
    ODATA_V4_URL,
    ODATA_V5_URL,
    SUBMITTER,
    ApiError,
    ApiVersion,
    Skipped,
    TkDocument,
    documents_url,
    parse_page,
    parse_record,
    permalink,
    version_for_url,
)
from pipeline.case_clock import ANSWER, POSTPONEMENT, QUESTION
from tests.harness.fake_parliament import (
    LATER_ANSWER,
    answer_record,
    api_stamp,
    postponement_record,
    question_record,
)

V4, V5 = API_VERSIONS["v4"], API_VERSIONS["v5"]
# A real Zaak as the v4 API returned it with odata.metadata=full: values verbatim from the reconstructed page 0 of
# Zaak?$filter=Soort eq 'Schriftelijke vragen' (tkapi's zaak.json as pickled by Nierot/kamervragen), links left out.
REAL_ZAAK: dict[str, Any] = {
    "@odata.type": "#TK.DA.GGM.OData.Zaak",
    "@odata.id": "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Zaak(50364ee9-f7f6-43a7-96cf-d3980fa70eeb)",
    "@odata.editLink": "Zaak(50364ee9-f7f6-43a7-96cf-d3980fa70eeb)",
    "Id@odata.type": "#Guid",
    "Id": "50364ee9-f7f6-43a7-96cf-d3980fa70eeb",
    "Nummer": "2009Z01319",
    "Soort": "Schriftelijke vragen",
    "Titel": None,
    "Citeertitel": None,
    "Alias": None,
    "Status": "Vrijgegeven",
    "Onderwerp": "De aanbestedingsplicht bij projectontwikkeling",
    "GestartOp@odata.type": "#DateTimeOffset",
    "GestartOp": "2007-01-31T00:00:00+01:00",
    "Organisatie": "Tweede Kamer",
    "Grondslagvoorhang": None,
    "Termijn": None,
    "Vergaderjaar": "2008-2009",
    "Volgnummer": -1,
    "HuidigeBehandelstatus": None,
    "Afgedaan": True,
    "GrootProject": False,
    "GewijzigdOp@odata.type": "#DateTimeOffset",
    "GewijzigdOp": "2024-02-19T10:59:02.367+01:00",
    "ApiGewijzigdOp@odata.type": "#DateTimeOffset",
    "ApiGewijzigdOp": "2024-02-19T16:29:37.2143044Z",
    "Verwijderd": False,
    "Kabinetsappreciatie": None,
    "ZaakActor@odata.associationLink": (
        "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Zaak(50364ee9-f7f6-43a7-96cf-d3980fa70eeb)/ZaakActor/$ref"
    ),
    "ZaakActor@odata.navigationLink": (
        "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Zaak(50364ee9-f7f6-43a7-96cf-d3980fa70eeb)/ZaakActor"
    ),
}
CASE = "2026Z01001"
SUBJECT = "gezichtsherkenning bij de politie"
SUBMITTERS = (("Jansen", "GroenLinks-PvdA"), ("De Vries", "D66"))
CURSOR = "2026-10-01T09:12:33.1234567Z"
KIND_FILTER = (
    "(Soort eq 'Schriftelijke vragen' or Soort eq 'Mededeling (uitstel antwoord)'"
    " or Soort eq 'Antwoord schriftelijke vragen' or Soort eq 'Antwoord schriftelijke vragen (nader)'"
    " or Verwijderd eq true)"
)


def query(url: str) -> dict[str, str]:
    """The query parameters of ``url``, percent-decoded (never '+' as space: the URL must not rely on it)."""
    raw = urlsplit(url).query
    assert " " not in raw and "+" not in raw, raw
    pairs = [part.split("=", 1) for part in raw.split("&")]
    assert len({key for key, _ in pairs}) == len(pairs), pairs
    return {unquote(key): unquote(value) for key, value in pairs}


def stamped(record: dict[str, Any], modified: str = CURSOR) -> dict[str, Any]:
    """A builder's record as the API sends it: with its ApiGewijzigdOp."""
    record = copy.deepcopy(record)
    record["ApiGewijzigdOp"] = modified
    return record


def question(**changes: Any) -> dict[str, Any]:
    record = stamped(question_record(CASE, SUBJECT, date(2026, 10, 1), SUBMITTERS))
    record.update(changes)
    return record


def page(*records: Any, **extra: Any) -> bytes:
    return json.dumps({"@odata.context": "https://x/$metadata#Document", "value": list(records), **extra}).encode()


# -- the sync query ----------------------------------------------------------------------------


def test_incremental_query_filters_kinds_and_deletions_from_the_cursor_oldest_first() -> None:
    url = documents_url(ODATA_V5_URL, V5, modified_since=CURSOR)
    assert url.startswith("https://gegevensmagazijn.tweedekamer.nl/OData/v5/Document?")
    assert query(url) == {
        "$filter": f"{KIND_FILTER} and ApiGewijzigdOp ge {CURSOR}",
        "$orderby": "ApiGewijzigdOp asc,Id asc",
        "$expand": "Zaak($expand=ZaakActor),DocumentVersie,DocumentActor",
        "$count": "true",
    }


def test_the_cursor_is_kept_verbatim_with_all_seven_fractional_digits() -> None:
    # A datetime would round .1234567 to microseconds and re-send (or skip) the boundary record.
    assert f"ApiGewijzigdOp ge {CURSOR}" in query(documents_url(ODATA_V5_URL, V5, modified_since=CURSOR))["$filter"]
    padded = query(documents_url(ODATA_V5_URL, V5, modified_since=f"  {CURSOR}\n"))["$filter"]
    assert padded.endswith(f"ApiGewijzigdOp ge {CURSOR}")


def test_a_cursor_with_an_offset_keeps_its_plus_sign_percent_encoded() -> None:
    url = documents_url(ODATA_V5_URL, V5, modified_since="2026-10-01T11:12:33.1234567+02:00")
    assert "%2B02%3A00" in url  # a bare '+' would reach the server as a space
    assert query(url)["$filter"].endswith("ApiGewijzigdOp ge 2026-10-01T11:12:33.1234567+02:00")


def test_a_backfill_selects_by_document_date_without_a_cursor() -> None:
    url = documents_url(ODATA_V5_URL, V5, dated_since=datetime(2024, 1, 1, tzinfo=UTC))
    params = query(url)
    assert params["$filter"] == f"{KIND_FILTER} and Datum ge 2024-01-01T00:00:00Z"
    assert "ApiGewijzigdOp ge" not in params["$filter"]
    assert params["$orderby"] == "ApiGewijzigdOp asc,Id asc"


def test_without_cursor_or_date_every_case_document_and_deletion_is_asked_for() -> None:
    assert query(documents_url(ODATA_V5_URL, V5))["$filter"] == KIND_FILTER


@pytest.mark.parametrize("kwargs", [{}, {"modified_since": CURSOR}, {"dated_since": datetime(2024, 1, 1, tzinfo=UTC)}])
def test_never_top_or_skip_always_count(kwargs: dict[str, Any]) -> None:
    # With $top the API leaves out @odata.nextLink; paging follows nextLinks only.
    params = query(documents_url(ODATA_V5_URL, V5, **kwargs))
    assert "$top" not in params and "$skip" not in params
    assert params["$count"] == "true"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (ODATA_V5_URL, "https://gegevensmagazijn.tweedekamer.nl/OData/v5/Document?"),
        ("https://gegevensmagazijn.tweedekamer.nl/OData/v5", "https://gegevensmagazijn.tweedekamer.nl/OData/v5/Document?"),
        (ODATA_V4_URL, "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Document?"),
        ("http://127.0.0.1:8123/OData/v5//", "http://127.0.0.1:8123/OData/v5/Document?"),
    ],
)
def test_the_document_entity_set_is_under_the_base_url(base: str, expected: str) -> None:
    assert documents_url(base, version_for_url(base)).startswith(expected)


def test_string_literals_are_quoted_with_single_quotes_doubled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tk.DOCUMENT_ROLES, "Vragen van 't lid", QUESTION)
    monkeypatch.setitem(tk.DOCUMENT_ROLES, "Kind') or (true", QUESTION)
    url = documents_url(ODATA_V5_URL, V5, modified_since=CURSOR)
    kinds = query(url)["$filter"]
    assert "Soort eq 'Vragen van ''t lid'" in kinds
    assert "Soort eq 'Kind'') or (true'" in kinds  # stays one literal, cannot close the group
    assert "%27%27" not in url and "''t" in url  # quotes are left readable, as the API's own links show them


def test_the_versions_field_names_build_the_query() -> None:
    renamed = ApiVersion(
        "v6", {**V5.fields, "modified": "ApiGewijzigdOpUtc", "kind": "DocumentSoort", "deleted": "IsVerwijderd"}
    )
    params = query(documents_url(ODATA_V5_URL, renamed, modified_since=CURSOR))
    assert "DocumentSoort eq 'Schriftelijke vragen'" in params["$filter"]
    assert "IsVerwijderd eq true" in params["$filter"]
    assert params["$filter"].endswith(f"ApiGewijzigdOpUtc ge {CURSOR}")
    assert params["$orderby"] == "ApiGewijzigdOpUtc asc,Id asc"
    assert " Soort eq" not in params["$filter"] and "(Soort eq" not in params["$filter"]


@pytest.mark.parametrize(
    "cursor",
    ["", "   ", "gisteren", "2026-10-01", "2026-10-01T09:12:33", "2026-10-01T09:12:33.1234567", "1 or true",
     f"{CURSOR} or Id ne null", "2026-13-01T00:00:00Z"],
)
def test_a_cursor_that_is_not_a_timestamp_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError, match="not an OData DateTimeOffset"):
        documents_url(ODATA_V5_URL, V5, modified_since=cursor)


@pytest.mark.parametrize("cursor", ["2026-10-01 09:12:33.1234567Z", "20261001T091233Z"])
def test_a_timestamp_that_is_no_odata_literal_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError):
        documents_url(ODATA_V5_URL, V5, modified_since=cursor)


# -- API versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (ODATA_V4_URL, "v4"),
        ("https://gegevensmagazijn.tweedekamer.nl/odata/V4/2.0/", "v4"),
        ("http://127.0.0.1:8123/OData/v4", "v4"),  # no trailing slash
        ("http://127.0.0.1:8123/prefix/ODATA/v4/2.0/Document?$count=true", "v4"),
        (ODATA_V5_URL, "v5"),
        ("https://gegevensmagazijn.tweedekamer.nl/odata/V5", "v5"),
        ("https://gegevensmagazijn.tweedekamer.nl/OData/v40/", "v5"),
        ("https://example.org/OData/v5/?next=/OData/v4/", "v5"),  # only the path counts
        ("https://example.org/v4/", "v5"),
        ("https://example.org/", "v5"),
    ],
)
def test_version_for_url(url: str, name: str) -> None:
    version = version_for_url(url)
    assert version is API_VERSIONS[name] and version.name == name


def test_both_versions_know_every_field_read() -> None:
    assert set(V4.fields) == set(V5.fields)
    assert V5["modified"] == "ApiGewijzigdOp" and V5["deleted"] == "Verwijderd"
    with pytest.raises(KeyError):
        V5["nonexistent"]


# -- pages ------------------------------------------------------------------------------------


def test_a_page_of_one_case_question_postponement_and_answers() -> None:
    submitted = date(2026, 10, 1)
    records = [
        question(),
        stamped(postponement_record(CASE, SUBJECT, date(2026, 10, 21), SUBMITTERS, submitted=submitted),
                "2026-10-21T10:00:00.0000001Z"),
        stamped(answer_record(CASE, SUBJECT, date(2026, 11, 5), SUBMITTERS, submitted=submitted),
                "2026-11-05T10:00:00.0000002Z"),
        stamped(answer_record(CASE, SUBJECT, date(2026, 12, 1), SUBMITTERS, submitted=submitted, soort=LATER_ANSWER),
                "2026-12-01T10:00:00.0000003Z"),
    ]
    result = parse_page(page(*records, **{"@odata.count": 4}), V5)
    assert result.skipped == [] and result.total == 4 and result.next_link is None
    assert [(r.kind, r.role) for r in result.records] == [
        ("Schriftelijke vragen", QUESTION),
        ("Mededeling (uitstel antwoord)", POSTPONEMENT),
        ("Antwoord schriftelijke vragen", ANSWER),
        ("Antwoord schriftelijke vragen (nader)", ANSWER),
    ]
    assert [r.modified for r in result.records] == [
        CURSOR, "2026-10-21T10:00:00.0000001Z", "2026-11-05T10:00:00.0000002Z", "2026-12-01T10:00:00.0000003Z"
    ]
    assert {r.case.number for r in result.records if r.case} == {CASE}
    assert len({r.id for r in result.records}) == 4
    answer = result.records[2]
    assert answer.aanhangselnummer and answer.external_id and answer.external_id.startswith("ah-tk-")
    assert [(s.name, s.function) for s in answer.signers] == [("J. de Vries", "minister van Justitie en Veiligheid")]


def test_unusable_records_are_skipped_with_their_reason() -> None:
    no_case = question(Id="doc-no-case", Zaak=[])
    other_case = question(Id="doc-other-case")
    other_case["Zaak"][0]["Soort"] = "Wetgeving"
    unnumbered = question(Id="doc-unnumbered")
    unnumbered["Zaak"][0]["Nummer"] = None
    result = parse_page(
        page(
            "a string",
            [1, 2],
            None,
            question(Id=None),
            question(Id="   "),
            question(Id="doc-no-stamp", ApiGewijzigdOp=None),
            question(Id="doc-bad-stamp", ApiGewijzigdOp="gisteren"),
            question(Id="doc-naive-stamp", ApiGewijzigdOp="2026-10-01T09:12:33.1234567"),
            question(Id="doc-brief", Soort="Brief regering"),
            question(Id="doc-no-kind", Soort=None),
            no_case,
            other_case,
            unnumbered,
            question(Id="doc-good"),
        ),
        V5,
    )
    assert [r.id for r in result.records] == ["doc-good"]
    case_reason = "Schriftelijke vragen without a 'Schriftelijke vragen' case (Zaak) with a number"
    assert result.skipped == [
        Skipped(None, "record is not an object but str"),
        Skipped(None, "record is not an object but list"),
        Skipped(None, "record is not an object but NoneType"),
        Skipped(None, "record has no Id"),
        Skipped(None, "record has no Id"),
        Skipped("doc-no-stamp", "record has no valid ApiGewijzigdOp"),
        Skipped("doc-bad-stamp", "record has no valid ApiGewijzigdOp"),
        Skipped("doc-naive-stamp", "record has no valid ApiGewijzigdOp"),
        Skipped("doc-brief", "unknown document kind 'Brief regering'"),
        Skipped("doc-no-kind", "unknown document kind None"),
        Skipped("doc-no-case", case_reason),
        Skipped("doc-other-case", case_reason),
        Skipped("doc-unnumbered", case_reason),
    ]


def test_deleted_records_need_nothing_but_id_and_stamp() -> None:
    marker = {"Id": "doc-gone", "Verwijderd": True, "ApiGewijzigdOp": " 2026-11-02T08:00:00.0000004Z "}
    full = question(Id="doc-withdrawn", Verwijderd=True, Soort="Brief regering", Zaak=[])
    unstamped = {"Id": "doc-unstamped", "Verwijderd": True}
    result = parse_page(page(marker, full, unstamped), V5)
    gone, withdrawn = result.records
    assert gone == TkDocument(
        id="doc-gone", modified="2026-11-02T08:00:00.0000004Z", deleted=True,
        raw=json.dumps(marker, ensure_ascii=False, sort_keys=True).encode(),
    )
    assert withdrawn.deleted and withdrawn.id == "doc-withdrawn"
    assert (withdrawn.kind, withdrawn.role, withdrawn.case) == (None, None, None)
    assert json.loads(withdrawn.raw)["Soort"] == "Brief regering"  # the evidence is the whole record
    assert result.skipped == [Skipped("doc-unstamped", "record has no valid ApiGewijzigdOp")]


@pytest.mark.parametrize("flag", [False, None, "true", 1])
def test_only_verwijderd_true_deletes(flag: Any) -> None:
    (record,) = parse_page(page(question(Verwijderd=flag)), V5).records
    assert not record.deleted and record.role == QUESTION


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (f"{ODATA_V5_URL}Document?$skip=250", f"{ODATA_V5_URL}Document?$skip=250"),
        ("http://127.0.0.1:8123/OData/v5/Document?$skiptoken=a", "http://127.0.0.1:8123/OData/v5/Document?$skiptoken=a"),
        ("Document?$skip=250", None),
        ("/OData/v5/Document?$skip=250", None),
        ("//evil.example/Document", None),
        ("ftp://gegevensmagazijn.tweedekamer.nl/x", None),
        ("javascript:alert(1)", None),
        (42, None),
        (None, None),
    ],
)
def test_next_link_only_when_absolute_http(link: Any, expected: str | None) -> None:
    assert parse_page(page(**{"@odata.nextLink": link}), V5).next_link == expected


def test_a_page_without_next_link_is_the_last() -> None:
    assert parse_page(page(question()), V5).next_link is None


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1234, 1234), ("1234", None), (True, None), (12.5, None)])
def test_odata_count(count: Any, expected: int | None) -> None:
    assert parse_page(page(**{"@odata.count": count}), V5).total == expected


def test_no_count_is_none() -> None:
    assert parse_page(page(), V5).total is None


def test_an_empty_page_is_fine() -> None:
    result = parse_page(page(), V5)
    assert (result.records, result.skipped, result.next_link, result.total) == ([], [], None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": {"code": "0x0", "message": "The query specified in the URI is not valid."}}',
         "OData error 0x0: The query specified in the URI is not valid."),
        (b'{"error": {"message": "Service unavailable"}, "value": []}', "OData error ?: Service unavailable"),
        (b'{"error": "kapot"}', "OData error ?: kapot"),
        (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
        (b'{"value": [{"Id": "a"', "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe\xfa", "not JSON"),
        (b"[]", "not a JSON object"),
        (b'[{"value": []}]', "not a JSON object"),
        (b'"value"', "not a JSON object"),
        (b"{}", "no 'value' array"),
        (b'{"value": null}', "no 'value' array"),
        (b'{"value": {"Id": "a"}}', "no 'value' array"),
        (b'{"@odata.nextLink": "https://x/Document?$skip=250"}', "no 'value' array"),
    ],
)
def test_an_unusable_page_is_an_api_error(body: bytes, message: str) -> None:
    with pytest.raises(ApiError, match=message.replace("?", r"\?").replace(".", r"\.")):
        parse_page(body, V5)


# -- records ----------------------------------------------------------------------------------


def test_a_question_record_in_full() -> None:
    raw = question()
    record = parse_record(raw, V5)
    assert isinstance(record, TkDocument)
    assert (record.id, record.modified, record.deleted) == (raw["Id"], CURSOR, False)
    assert (record.kind, record.role, record.number, record.title) == (
        "Schriftelijke vragen", QUESTION, "2026D01001", SUBJECT
    )
    assert record.subject and record.subject.startswith("Vragen van de leden Jansen (GroenLinks-PvdA) en De Vries (D66)")
    assert record.date == datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=2)))
    assert (record.vergaderjaar, record.aanhangselnummer, record.external_id) == ("2026-2027", None, f"kv-tk-{CASE}")
    assert json.loads(record.raw) == raw
    case = record.case
    assert case is not None
    assert (case.id, case.number, case.subject, case.vergaderjaar, case.deleted) == (
        raw["Zaak"][0]["Id"], CASE, SUBJECT, "2026-2027", False
    )
    assert case.started == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert [(a.name, a.party, a.relation) for a in case.actors_as(SUBMITTER, CO_SUBMITTER)] == [
        ("Jansen", "GroenLinks-PvdA", SUBMITTER), ("De Vries", "D66", CO_SUBMITTER)
    ]
    (addressee,) = case.actors_as(ADDRESSEE)
    assert (addressee.name, addressee.party, addressee.function) == (
        "minister van Justitie en Veiligheid", None, "minister van Justitie en Veiligheid"
    )
    assert [(s.name, s.relation) for s in record.signers] == [
        ("Jansen", "Eerste ondertekenaar"), ("De Vries", "Mede ondertekenaar")
    ]


def test_the_newest_live_document_version_gives_the_external_id() -> None:
    versions = [
        {"Versienummer": 1, "ExterneIdentifier": "kv-tk-v1", "Verwijderd": False},
        {"Versienummer": 4, "ExterneIdentifier": "kv-tk-v4-deleted", "Verwijderd": True},
        {"Versienummer": 3, "ExterneIdentifier": "kv-tk-v3", "Verwijderd": False},
        {"Versienummer": 5, "ExterneIdentifier": None, "Verwijderd": False},
        {"Versienummer": 6, "ExterneIdentifier": "   ", "Verwijderd": False},
        {"Versienummer": 2, "ExterneIdentifier": "kv-tk-v2", "Verwijderd": False},
        "not a version",
    ]
    for order in (versions, versions[::-1]):
        record = parse_record(question(DocumentVersie=order), V5)
        assert isinstance(record, TkDocument) and record.external_id == "kv-tk-v3"


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        (None, None),
        ([], None),
        ({"ExterneIdentifier": "kv-tk-x"}, None),  # not an array
        ([{"Versienummer": 1, "ExterneIdentifier": "kv-tk-x", "Verwijderd": True}], None),
        ([{"ExterneIdentifier": "kv-tk-unnumbered"}, {"Versienummer": 1, "ExterneIdentifier": "kv-tk-1"}], "kv-tk-1"),
        ([{"Versienummer": True, "ExterneIdentifier": "kv-tk-bool"}, {"Versienummer": 0, "ExterneIdentifier": "kv-tk-0"}],
         "kv-tk-0"),
    ],
)
def test_external_id_edge_cases(versions: Any, expected: str | None) -> None:
    record = parse_record(question(DocumentVersie=versions), V5)
    assert isinstance(record, TkDocument) and record.external_id == expected


def test_deleted_and_nameless_actors_are_left_out() -> None:
    raw = question()
    zaak_actors = raw["Zaak"][0]["ZaakActor"]
    zaak_actors[1]["Verwijderd"] = True  # De Vries withdrew as co-submitter
    zaak_actors.append({"ActorNaam": None, "Relatie": "Medeindiener", "Verwijderd": False})
    zaak_actors.append({"ActorNaam": "  Bakker \n", "ActorFractie": " SP ", "Relatie": "Medeindiener"})
    zaak_actors.append("not an actor")
    raw["DocumentActor"][1]["Verwijderd"] = True
    record = parse_record(raw, V5)
    assert isinstance(record, TkDocument) and record.case is not None
    assert [(a.name, a.party, a.relation) for a in record.case.actors] == [
        ("Jansen", "GroenLinks-PvdA", SUBMITTER),
        ("minister van Justitie en Veiligheid", None, ADDRESSEE),
        ("Bakker", "SP", CO_SUBMITTER),
    ]
    assert [s.name for s in record.signers] == ["Jansen"]


def test_case_actors_as_picks_by_relation() -> None:
    record = parse_record(question(), V5)
    assert isinstance(record, TkDocument) and record.case is not None
    assert [a.name for a in record.case.actors_as(SUBMITTER)] == ["Jansen"]
    assert [a.name for a in record.case.actors_as(CO_SUBMITTER)] == ["De Vries"]
    assert record.case.actors_as("Volgcommissie") == ()


def test_the_written_question_case_is_found_among_other_cases() -> None:
    raw = question()
    written = raw["Zaak"][0]
    other = dict(written, Id="zaak-other", Nummer="2026Z99999", Soort="Commissiedebat", ZaakActor=[])
    raw["Zaak"] = ["not a case", other, dict(written, Nummer=None, Id="zaak-unnumbered"), written]
    record = parse_record(raw, V5)
    assert isinstance(record, TkDocument) and record.case is not None
    assert (record.case.id, record.case.number) == (written["Id"], CASE)


def test_a_deleted_case_is_flagged_not_skipped() -> None:
    raw = question()
    raw["Zaak"][0]["Verwijderd"] = True
    record = parse_record(raw, V5)
    assert isinstance(record, TkDocument) and not record.deleted
    assert record.case is not None and record.case.deleted


def test_text_fields_are_normalised() -> None:
    raw = question(DocumentNummer=20261001, Titel="  Vragen \n over\tgezichtsherkenning ", Onderwerp="   ", Datum="morgen",
                   Aanhangselnummer=True)
    record = parse_record(raw, V5)
    assert isinstance(record, TkDocument)
    assert (record.number, record.title, record.subject, record.date, record.aanhangselnummer) == (
        "20261001", "Vragen over gezichtsherkenning", None, None, None
    )


def test_a_real_zaak_with_full_metadata_annotations() -> None:
    """A Zaak as the API returns it with odata.metadata=full (annotations, navigation links), inside a Document."""
    raw = question(Zaak=[copy.deepcopy(REAL_ZAAK)], ApiGewijzigdOp=REAL_ZAAK["ApiGewijzigdOp"])
    record = parse_record(raw, V4)
    assert isinstance(record, TkDocument) and record.case is not None
    assert record.modified == "2024-02-19T16:29:37.2143044Z"
    assert (record.case.id, record.case.number, record.case.subject, record.case.vergaderjaar) == (
        "50364ee9-f7f6-43a7-96cf-d3980fa70eeb", "2009Z01319", "De aanbestedingsplicht bij projectontwikkeling", "2008-2009"
    )
    assert record.case.started == datetime(2007, 1, 31, tzinfo=timezone(timedelta(hours=1)))
    assert record.case.actors == ()  # ZaakActor only as a navigation link: not expanded


def test_records_are_read_with_the_versions_field_names() -> None:
    renamed = ApiVersion("v6", {**V5.fields, "modified": "ApiGewijzigdOpUtc", "number": "Nummer", "versions": "Versies"})
    raw = question()
    raw["ApiGewijzigdOpUtc"] = raw.pop("ApiGewijzigdOp")
    raw["Nummer"] = raw.pop("DocumentNummer")
    raw["Versies"] = raw.pop("DocumentVersie")
    record = parse_record(raw, renamed)
    assert isinstance(record, TkDocument)
    assert (record.modified, record.number, record.external_id) == (CURSOR, "2026D01001", f"kv-tk-{CASE}")
    assert parse_record(raw, V5) == Skipped(raw["Id"], "record has no valid ApiGewijzigdOp")


def test_a_modified_stamp_from_the_harness_parses() -> None:
    stamp = api_stamp(datetime(2026, 10, 1, 9, 12, 33, 123456, tzinfo=UTC))
    record = parse_record(question(ApiGewijzigdOp=stamp), V5)
    assert isinstance(record, TkDocument) and record.modified == stamp == "2026-10-01T09:12:33.1234560Z"


# -- permalinks -------------------------------------------------------------------------------


def test_permalink() -> None:
    base = "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail"
    assert permalink(CASE, "2026D01001") == f"{base}?id=2026Z01001&did=2026D01001"
    assert permalink(CASE, None) == f"{base}?id=2026Z01001"
    assert permalink(CASE, "") == f"{base}?id=2026Z01001"


def test_permalink_url_encodes_both_numbers() -> None:
    url = permalink("2026Z 1&x=1", "D#1?é")
    assert url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2026Z%201%26x%3D1&did=D%231%3F%C3%A9"
    assert query(url) == {"id": "2026Z 1&x=1", "did": "D#1?é"}
