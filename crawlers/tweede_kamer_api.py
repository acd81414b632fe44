"""Tweede Kamer open-data OData API: each version's endpoint, field names and queries, and its pages as typed records."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from pipeline.case_clock import ANSWER, POSTPONEMENT, QUESTION

# Production endpoints. v4/2.0 was switched off on 1 October 2026 (OpenDataPortaal issue #175); v5
# replaced it on 12 June 2026 with "new names for some attributes" that were never published as a list.
ODATA_V5_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v5/"
ODATA_V4_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"

# Document kinds (Soort) of a written-question case, and the role each plays in its clock.
DOCUMENT_ROLES = {
    "Schriftelijke vragen": QUESTION,
    "Mededeling (uitstel antwoord)": POSTPONEMENT,
    "Antwoord schriftelijke vragen": ANSWER,
    "Antwoord schriftelijke vragen (nader)": ANSWER,
}
CASE_KIND = "Schriftelijke vragen"
SUBMITTER, CO_SUBMITTER, ADDRESSEE = "Indiener", "Medeindiener", "Gericht aan"


@dataclass(frozen=True)
class ApiVersion:
    """One version of the OData API: its name and the API's field name for each field Waakhond reads."""

    name: str
    fields: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.fields[key]


# Field names of v4/2.0, as documented on opendata.tweedekamer.nl and in the SyncFeed XSDs.
_V4_FIELDS = {
    "id": "Id",
    "kind": "Soort",
    "number": "DocumentNummer",
    "title": "Titel",
    "subject": "Onderwerp",
    "date": "Datum",
    "vergaderjaar": "Vergaderjaar",
    "aanhangselnummer": "Aanhangselnummer",
    "modified": "ApiGewijzigdOp",
    "deleted": "Verwijderd",
    "cases": "Zaak",
    "case_number": "Nummer",
    "case_kind": "Soort",
    "case_subject": "Onderwerp",
    "case_started": "GestartOp",
    "case_vergaderjaar": "Vergaderjaar",
    "case_actors": "ZaakActor",
    "actor_name": "ActorNaam",
    "actor_party": "ActorFractie",
    "actor_function": "Functie",
    "actor_relation": "Relatie",
    "versions": "DocumentVersie",
    "version_number": "Versienummer",
    "external_id": "ExterneIdentifier",
    "document_actors": "DocumentActor",
}
# v5 keeps the names Waakhond reads as far as can be documented (queries on v5 quoted in OpenDataPortaal
# issues #182 and #191 use Verwijderd, Url and the v4 entity names). A rename found on
# /OData/v5/$metadata is one line here.
_V5_FIELDS = dict(_V4_FIELDS)

API_VERSIONS = {"v4": ApiVersion("v4", _V4_FIELDS), "v5": ApiVersion("v5", _V5_FIELDS)}


def version_for_url(url: str) -> ApiVersion:
    """The API version an endpoint URL speaks: /OData/v4/… is v4, anything else v5."""
    return API_VERSIONS["v4" if "/odata/v4/" in urlsplit(url).path.lower() + "/" else "v5"]


@dataclass(frozen=True)
class TkActor:
    name: str
    party: str | None
    function: str | None
    relation: str | None


@dataclass(frozen=True)
class TkCase:
    id: str
    number: str
    subject: str
    started: datetime | None
    vergaderjaar: str | None
    deleted: bool
    actors: tuple[TkActor, ...]

    def actors_as(self, *relations: str) -> tuple[TkActor, ...]:
        return tuple(a for a in self.actors if a.relation in relations)


@dataclass(frozen=True)
class TkDocument:
    """One Document record of a written-question case; ``deleted`` records may carry nothing but their id."""

    id: str
    modified: str  # ApiGewijzigdOp exactly as sent: the sync cursor, compared as the API compares it
    deleted: bool
    raw: bytes  # the record's JSON, archived as the evidence for metadata-only documents
    kind: str | None = None
    role: str | None = None
    number: str | None = None
    title: str | None = None
    subject: str | None = None
    date: datetime | None = None
    vergaderjaar: str | None = None
    aanhangselnummer: str | None = None
    external_id: str | None = None
    case: TkCase | None = None
    signers: tuple[TkActor, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A record that could not be used, and why (logged, counted, never fatal)."""

    record_id: str | None
    reason: str


@dataclass(frozen=True)
class OdataPage:
    records: list[TkDocument]
    skipped: list[Skipped]
    next_link: str | None
    total: int | None


class ApiError(Exception):
    """A page of the API is unusable as a whole (not JSON, an OData error, no ``value`` array)."""


_DATETIME_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})")
# Characters left readable in query values, as the API's own nextLinks show them.
_QUERY_SAFE = "(),'=$"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def documents_url(base_url: str, version: ApiVersion, *, modified_since: str | None = None,
                  dated_since: datetime | None = None) -> str:
    """The Document query of a sync: the case document kinds (and every deletion), oldest change first.

    ``modified_since`` is the cursor (an ApiGewijzigdOp value, compared with ``ge``: the boundary record
    comes again and is recognised as unchanged); ``dated_since`` selects by document date, for backfills.
    """
    f = version.fields
    kinds = " or ".join(f"{f['kind']} eq {_literal(kind)}" for kind in DOCUMENT_ROLES)
    conditions = [f"({kinds} or {f['deleted']} eq true)"]
    if modified_since is not None:
        conditions.append(f"{f['modified']} ge {_timestamp(modified_since)}")
    if dated_since is not None:
        conditions.append(f"{f['date']} ge {dated_since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    expand = f"{f['cases']}($expand={f['case_actors']}),{f['versions']},{f['document_actors']}"
    query = {
        "$filter": " and ".join(conditions),
        "$orderby": f"{f['modified']} asc,{f['id']} asc",
        "$expand": expand,
        "$count": "true",
    }
    # No $top: the API leaves out @odata.nextLink when $top is given (OpenDataPortaal issue #70).
    encoded = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}" for key, value in query.items())
    return f"{base_url.rstrip('/')}/Document?{encoded}"


def _timestamp(value: str) -> str:
    """A cursor value as an OData DateTimeOffset literal; refuses anything else (it is read back from the database)."""
    value = value.strip()
    if not _DATETIME_OFFSET.fullmatch(value) or parse_datetime(value) is None:
        raise ValueError(f"not an OData DateTimeOffset: {value!r}")
    return value


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_page(body: bytes, version: ApiVersion) -> OdataPage:
    """The records of one page of Document results; bad records are skipped with a reason.

    Raises:
        ApiError: the page as a whole is unusable.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"response is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ApiError("response is not a JSON object")
    if "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {}
        raise ApiError(f"OData error {error.get('code', '?')}: {error.get('message', data['error'])}")
    values = data.get("value")
    if not isinstance(values, list):
        raise ApiError("response has no 'value' array")
    records, skipped = [], []
    for raw in values:
        result = parse_record(raw, version)
        (records if isinstance(result, TkDocument) else skipped).append(result)
    next_link = data.get("@odata.nextLink")
    total = data.get("@odata.count")
    return OdataPage(
        records=records,
        skipped=skipped,
        next_link=next_link if isinstance(next_link, str) and next_link.startswith(("http://", "https://")) else None,
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
    )


def parse_record(raw: Any, version: ApiVersion) -> TkDocument | Skipped:
    f = version.fields
    if not isinstance(raw, dict):
        return Skipped(None, f"record is not an object but {type(raw).__name__}")
    record_id = _text(raw.get(f["id"]))
    modified = raw.get(f["modified"])
    if record_id is None:
        return Skipped(None, "record has no Id")
    if parse_datetime(modified) is None:
        return Skipped(record_id, f"record has no valid {f['modified']}")
    assert isinstance(modified, str)
    evidence = json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if raw.get(f["deleted"]) is True:
        return TkDocument(id=record_id, modified=modified.strip(), deleted=True, raw=evidence)
    kind = _text(raw.get(f["kind"]))
    if kind not in DOCUMENT_ROLES:
        return Skipped(record_id, f"unknown document kind {kind!r}")
    case = _written_question_case(raw.get(f["cases"]), version)
    if case is None:
        return Skipped(record_id, f"{kind} without a '{CASE_KIND}' case (Zaak) with a number")
    return TkDocument(
        id=record_id,
        modified=modified.strip(),
        deleted=False,
        raw=evidence,
        kind=kind,
        role=DOCUMENT_ROLES[kind],
        number=_text(raw.get(f["number"])),
        title=_text(raw.get(f["title"])),
        subject=_text(raw.get(f["subject"])),
        date=parse_datetime(raw.get(f["date"])),
        vergaderjaar=_text(raw.get(f["vergaderjaar"])),
        aanhangselnummer=_text(raw.get(f["aanhangselnummer"])),
        external_id=_external_id(raw.get(f["versions"]), version),
        case=case,
        signers=_actors(raw.get(f["document_actors"]), version),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _written_question_case(value: Any, version: ApiVersion) -> TkCase | None:
    f = version.fields
    for raw in value if isinstance(value, list) else []:
        if not isinstance(raw, dict) or _text(raw.get(f["case_kind"])) != CASE_KIND:
            continue
        case_id, number = _text(raw.get(f["id"])), _text(raw.get(f["case_number"]))
        if case_id is None or number is None:
            continue
        return TkCase(
            id=case_id,
            number=number,
            subject=_text(raw.get(f["case_subject"])) or "",
            started=parse_datetime(raw.get(f["case_started"])),
            vergaderjaar=_text(raw.get(f["case_vergaderjaar"])),
            deleted=raw.get(f["deleted"]) is True,
            actors=_actors(raw.get(f["case_actors"]), version),
        )
    return None


def _actors(value: Any, version: ApiVersion) -> tuple[TkActor, ...]:
    f = version.fields
    actors = []
    for raw in value if isinstance(value, list) else []:
        if not isinstance(raw, dict) or raw.get(f["deleted"]) is True:
            continue
        name = _text(raw.get(f["actor_name"]))
        if name is None:
            continue
        actors.append(
            TkActor(
                name=name,
                party=_text(raw.get(f["actor_party"])),
                function=_text(raw.get(f["actor_function"])),
                relation=_text(raw.get(f["actor_relation"])),
            )
        )
    return tuple(actors)


def _external_id(value: Any, version: ApiVersion) -> str | None:
    """The officielebekendmakingen identifier of the newest version of the document."""
    f = version.fields
    best: tuple[int, str] | None = None
    for raw in value if isinstance(value, list) else []:
        if not isinstance(raw, dict) or raw.get(f["deleted"]) is True:
            continue
        identifier = _text(raw.get(f["external_id"]))
        number = raw.get(f["version_number"])
        rank = number if isinstance(number, int) and not isinstance(number, bool) else 0
        if identifier and (best is None or rank >= best[0]):
            best = (rank, identifier)
    return best[1] if best else None


def permalink(case_number: str, document_number: str | None) -> str:
    """The document's page on tweedekamer.nl: the stable, citable URL a Kamervraag document is archived under."""
    url = f"https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id={quote(case_number)}"
    return f"{url}&did={quote(document_number)}" if document_number else url
