"""Fake Tweede Kamer OData API and KOOP repository (SRU + FRBR files) on 127.0.0.1, for offline crawls."""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, unquote_plus
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from tests.harness.fixture_site import RecordedRequest
from tests.harness.local_server import LocalServer

__all__ = [
    "ANSWER",
    "LATER_ANSWER",
    "POSTPONEMENT",
    "QUESTION",
    "MEMBER_SETS",
    "FakeParliament",
    "PageRequest",
    "RecordedRequest",
    "answer_record",
    "api_stamp",
    "format_ticks",
    "frbr_path",
    "guid",
    "parse_datetimeoffset",
    "party_record",
    "person_record",
    "postponement_record",
    "question_record",
    "seat_person_record",
    "seat_record",
    "vergaderjaar",
]

V4_PATH = "/OData/v4/2.0/Document"
V5_PATH = "/OData/v5/Document"
SRU_PATH = "/sru"
ODATA_CONTENT_TYPE = (
    "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
)
SRU_CONTENT_TYPE = "text/xml; charset=utf-8"
DEFAULT_PAGE_SIZE = 250
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
PLACEHOLDER = b"{{base}}"

QUESTION = "Schriftelijke vragen"
POSTPONEMENT = "Mededeling (uitstel antwoord)"
ANSWER = "Antwoord schriftelijke vragen"
LATER_ANSWER = "Antwoord schriftelijke vragen (nader)"
DEFAULT_ADDRESSEE = "minister van Justitie en Veiligheid"
DEFAULT_SUBMITTERS: tuple[tuple[str, str], ...] = (("Jansen", "D66"),)
DEFAULT_ANSWERER = ("J. de Vries", DEFAULT_ADDRESSEE)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TICKS_PER_SECOND = 10_000_000  # .NET DateTimeOffset resolution: the API prints 7 fractional digits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# uuid5 namespace of every GUID the builders make, so a case number always maps to the same ids.
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gegevensmagazijn.tweedekamer.nl/fake-parliament")

_MINISTRY_ABBREVIATIONS = {
    "justitie en veiligheid": "JenV",
    "binnenlandse zaken en koninkrijksrelaties": "BZK",
    "economische zaken": "EZ",
    "defensie": "Def",
    "onderwijs, cultuur en wetenschap": "OCW",
    "volksgezondheid, welzijn en sport": "VWS",
    "financiën": "Fin",
    "buitenlandse zaken": "BuZa",
    "infrastructuur en waterstaat": "IenW",
    "sociale zaken en werkgelegenheid": "SZW",
    "asiel en migratie": "AenM",
    "digitale economie en soevereiniteit": "DES",
}


# -- time ------------------------------------------------------------------------------------

_DATETIMEOFFSET = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})"
)


def parse_datetimeoffset(text: str) -> int:
    """An OData DateTimeOffset (``2026-10-01T09:12:33.1234567Z``, ``…+02:00``) as 100 ns ticks since 1970 UTC.

    Integer ticks keep all 7 fractional digits, which a Python datetime (microseconds) would lose.
    """
    match = _DATETIMEOFFSET.fullmatch(text)
    if match is None:
        raise ValueError(f"not a DateTimeOffset: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if fraction is not None and len(fraction) > 7:
        raise ValueError(f"more than 7 fractional digits: {text!r}")
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=UTC)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        if offset >= timedelta(hours=24):
            raise ValueError(f"offset out of range: {text!r}")
        moment -= sign * offset
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    return seconds * TICKS_PER_SECOND + int((fraction or "").ljust(7, "0"))


def format_ticks(ticks: int) -> str:
    """100 ns ticks since 1970 UTC as the API prints ApiGewijzigdOp (the inverse of parse_datetimeoffset)."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    moment = _EPOCH + timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction:07d}Z"


def _ticks(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no defined instant; give it a tzinfo")
    delta = moment - _EPOCH
    return (delta // timedelta(seconds=1)) * TICKS_PER_SECOND + delta.microseconds * 10


def api_stamp(moment: datetime) -> str:
    """``moment`` as the API prints ApiGewijzigdOp: UTC, 7 fractional digits, ``Z``."""
    return format_ticks(_ticks(moment))


def _local(day: date, at: time = time(0, 0)) -> str:
    """A Dutch wall-clock time with its +01:00/+02:00 offset, as Datum/GewijzigdOp are printed."""
    moment = datetime.combine(day, at, tzinfo=AMSTERDAM)
    return moment.isoformat(timespec="milliseconds" if at.microsecond else "seconds")


def vergaderjaar(day: date) -> str:
    """The parliamentary year ``day`` falls in; it starts on Prinsjesdag, the third Tuesday of September."""
    first_tuesday = 1 + (1 - date(day.year, 9, 1).weekday()) % 7
    start = date(day.year, 9, first_tuesday + 14)
    return f"{day.year}-{day.year + 1}" if day >= start else f"{day.year - 1}-{day.year}"


# -- record builders -------------------------------------------------------------------------


def guid(kind: str, key: str) -> str:
    """The deterministic GUID the builders give the ``kind`` entity of ``key`` (a case or document number)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def _case_parts(case_number: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})Z(\d+)", case_number)
    if match is None:
        raise ValueError(f"not a Zaak number like 2026Z19034: {case_number!r}")
    return int(match.group(1)), int(match.group(2))


def _document_number(year: int, case_serial: int, offset: int) -> str:
    # Each document kind of a case gets its own band, so defaults never collide within a test.
    return f"{year}D{(case_serial + offset) % 100000:05d}"


def _fixed_stamp(day: date, key: str) -> str:
    """A plausible, reproducible ApiGewijzigdOp for a nested entity (only documents get live stamps)."""
    fraction = zlib.crc32(key.encode()) % TICKS_PER_SECOND
    return f"{day.isoformat()}T11:{zlib.crc32(key.encode()[::-1]) % 60:02d}:07.{fraction:07d}Z"


def _changed_at(day: date, key: str) -> str:
    millis = zlib.crc32(key.encode()) % 1000
    return _local(day + timedelta(days=1), time(9, 41, 17, millis * 1000))


def _members_phrase(submitters: Sequence[tuple[str, str]]) -> str:
    names = [f"{name} ({party})" for name, party in submitters]
    if len(names) == 1:
        return f"het lid {names[0]}"
    return f"de leden {', '.join(names[:-1])} en {names[-1]}"


def _addressee_abbreviation(addressee: str) -> str | None:
    lowered = addressee.lower()
    for ministry, abbreviation in _MINISTRY_ABBREVIATIONS.items():
        if ministry in lowered:
            return abbreviation
    return None


def _zaak(
    case_number: str,
    subject: str,
    submitted: date,
    submitters: Sequence[tuple[str, str]],
    addressee: str,
    deadline: date,
    afgedaan: bool,
    changed: date,
) -> dict[str, Any]:
    actors: list[dict[str, Any]] = []
    for index, (name, party) in enumerate(submitters):
        actors.append(
            {
                "Id": guid("zaakactor", f"{case_number}/{index}"),
                "ActorNaam": name,
                "ActorFractie": party,
                "ActorAfkorting": party,
                "Functie": "Tweede Kamerlid",
                "Relatie": "Indiener" if index == 0 else "Medeindiener",
                "Verwijderd": False,
            }
        )
    actors.append(
        {
            "Id": guid("zaakactor", f"{case_number}/addressee"),
            "ActorNaam": addressee,
            "ActorFractie": None,
            "ActorAfkorting": _addressee_abbreviation(addressee),
            "Functie": addressee,
            "Relatie": "Gericht aan",
            "Verwijderd": False,
        }
    )
    return {
        "Id": guid("zaak", case_number),
        "Nummer": case_number,
        "Soort": QUESTION,
        "Onderwerp": subject,
        "GestartOp": _local(submitted),
        "Termijn": _local(deadline),
        "Vergaderjaar": vergaderjaar(submitted),
        "Afgedaan": afgedaan,
        "Verwijderd": False,
        "ApiGewijzigdOp": _fixed_stamp(changed, f"zaak:{case_number}:{afgedaan}"),
        "ZaakActor": actors,
    }


def _document(
    *,
    soort: str,
    document_number: str,
    titel: str,
    onderwerp: str,
    day: date,
    aanhangselnummer: str | None,
    content_type: str,
    external_id: str | None,
    zaak: dict[str, Any],
    actors: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "Id": guid("document", document_number),
        "Soort": soort,
        "DocumentNummer": document_number,
        "Titel": titel,
        "Onderwerp": onderwerp,
        "Datum": _local(day),
        "Vergaderjaar": vergaderjaar(day),
        "Aanhangselnummer": aanhangselnummer,
        "GewijzigdOp": _changed_at(day, document_number),
        # None = "not given": add_document stamps it here, keeping the API's property order.
        "ApiGewijzigdOp": None,
        "Verwijderd": False,
        "ContentType": content_type,
        "Zaak": [zaak],
        "DocumentVersie": [
            {
                "Id": guid("documentversie", document_number),
                "Versienummer": 1,
                "ExterneIdentifier": external_id,
                "Datum": _local(day),
                "Extensie": ".pdf" if content_type == PDF else ".docx",
                "Verwijderd": False,
            }
        ],
        "DocumentActor": actors,
    }


def question_record(
    case_number: str,
    subject: str,
    submitted: date,
    submitters: Sequence[tuple[str, str]] = DEFAULT_SUBMITTERS,
    addressee: str = DEFAULT_ADDRESSEE,
    *,
    document_number: str | None = None,
    external_id: str | None = None,
    deadline: date | None = None,
) -> dict[str, Any]:
    """The "Schriftelijke vragen" Document of case ``case_number`` (e.g. ``2026Z19034``), submitted on ``submitted``.

    ``submitters`` are ``(name, party)``, the first one the Indiener. Defaults: document number
    ``<case year>D<case serial>``, ExterneIdentifier ``kv-tk-<case number>``, deadline 21 days later.
    """
    year, serial = _case_parts(case_number)
    if not submitters:
        raise ValueError("a question needs at least one submitter")
    deadline = deadline or submitted + timedelta(days=21)
    number = document_number or _document_number(year, serial, 0)
    zaak = _zaak(case_number, subject, submitted, submitters, addressee, deadline, False, submitted)
    actors = [
        {
            "Id": guid("documentactor", f"{number}/{index}"),
            "ActorNaam": name,
            "ActorFractie": party,
            "Functie": "Tweede Kamerlid",
            "Relatie": "Eerste ondertekenaar" if index == 0 else "Mede ondertekenaar",
            "Verwijderd": False,
        }
        for index, (name, party) in enumerate(submitters)
    ]
    return _document(
        soort=QUESTION,
        document_number=number,
        titel=subject,
        onderwerp=f"Vragen van {_members_phrase(submitters)} aan de {addressee} over {subject}",
        day=submitted,
        aanhangselnummer=None,
        content_type=DOCX,
        external_id=external_id if external_id is not None else f"kv-tk-{case_number}",
        zaak=zaak,
        actors=actors,
    )


def postponement_record(
    case_number: str,
    subject: str,
    sent: date,
    submitters: Sequence[tuple[str, str]] = DEFAULT_SUBMITTERS,
    addressee: str = DEFAULT_ADDRESSEE,
    *,
    submitted: date | None = None,
    sent_by: tuple[str, str] = DEFAULT_ANSWERER,
    document_number: str | None = None,
    external_id: str | None = None,
    deadline: date | None = None,
) -> dict[str, Any]:
    """The "Mededeling (uitstel antwoord)" Document of the case, sent on ``sent`` by ``sent_by`` = (name, function).

    ``submitted`` (the question's date, for the shared Zaak) defaults to 21 days before ``sent``;
    the document number defaults to ``<sent year>D<case serial + 25000>``; no ExterneIdentifier
    unless given.
    """
    _, serial = _case_parts(case_number)
    submitted = submitted or sent - timedelta(days=21)
    deadline = deadline or submitted + timedelta(days=21)
    number = document_number or _document_number(sent.year, serial, 25000)
    zaak = _zaak(case_number, subject, submitted, submitters, addressee, deadline, False, sent)
    name, function = sent_by
    return _document(
        soort=POSTPONEMENT,
        document_number=number,
        titel=f"Uitstel beantwoording vragen over {subject}",
        onderwerp=(
            f"Mededeling over uitstel van de beantwoording van de vragen van {_members_phrase(submitters)} "
            f"over {subject} ({case_number})"
        ),
        day=sent,
        aanhangselnummer=None,
        content_type=PDF,
        external_id=external_id,
        zaak=zaak,
        actors=[
            {
                "Id": guid("documentactor", f"{number}/0"),
                "ActorNaam": name,
                "ActorFractie": None,
                "Functie": function,
                "Relatie": "Eerste ondertekenaar",
                "Verwijderd": False,
            }
        ],
    )


def _aanhangsel(
    answered: date, serial: int, nader: bool, external_id: str | None, aanhangselnummer: str | None
) -> tuple[str, str]:
    """(ExterneIdentifier ``ah-tk-20262027-101``, Aanhangselnummer ``262700101``), each derived from the other."""
    if external_id is None and aanhangselnummer is not None:
        year = vergaderjaar(answered)
        external_id = f"ah-tk-{year.replace('-', '')}-{int(aanhangselnummer[-5:])}"
    if external_id is None:
        year = vergaderjaar(answered)
        number = (serial + (1500 if nader else 0)) % 3000 + 1
        external_id = f"ah-tk-{year.replace('-', '')}-{number}"
    if aanhangselnummer is None:
        match = re.fullmatch(r"ah-tk-\d\d(\d\d)\d\d(\d\d)-(\d+)(?:-.*)?", external_id)
        if match is None:
            raise ValueError(f"give aanhangselnummer too: {external_id!r} is not an ah-tk identifier")
        aanhangselnummer = f"{match.group(1)}{match.group(2)}{int(match.group(3)):05d}"
    return external_id, aanhangselnummer


def answer_record(
    case_number: str,
    subject: str,
    answered: date,
    submitters: Sequence[tuple[str, str]] = DEFAULT_SUBMITTERS,
    addressee: str = DEFAULT_ADDRESSEE,
    *,
    soort: str = ANSWER,
    submitted: date | None = None,
    answered_by: tuple[str, str] = DEFAULT_ANSWERER,
    document_number: str | None = None,
    external_id: str | None = None,
    aanhangselnummer: str | None = None,
    deadline: date | None = None,
) -> dict[str, Any]:
    """The answer Document of the case (``soort`` ANSWER or LATER_ANSWER), signed by ``answered_by`` = (name, function).

    Its ExterneIdentifier is ``ah-tk-<vergaderjaar digits>-<nr>`` with Aanhangselnummer
    ``<yy><yy><nr:05d>`` (give either and the other follows). ``submitted`` defaults to 28 days
    before ``answered``; the document number to ``<answer year>D<case serial + 50000>`` (75000 for
    a nader answer). Its Zaak is the question's Zaak with ``Afgedaan`` true.
    """
    if soort not in (ANSWER, LATER_ANSWER):
        raise ValueError(f"an answer's Soort is {ANSWER!r} or {LATER_ANSWER!r}, not {soort!r}")
    _, serial = _case_parts(case_number)
    nader = soort == LATER_ANSWER
    submitted = submitted or answered - timedelta(days=28)
    deadline = deadline or submitted + timedelta(days=21)
    number = document_number or _document_number(answered.year, serial, 75000 if nader else 50000)
    external_id, aanhangselnummer = _aanhangsel(answered, serial, nader, external_id, aanhangselnummer)
    zaak = _zaak(case_number, subject, submitted, submitters, addressee, deadline, True, answered)
    name, function = answered_by
    prefix = "Nader antwoord" if nader else "Antwoord"
    return _document(
        soort=soort,
        document_number=number,
        titel=f"{prefix} op vragen over {subject}",
        onderwerp=f"{prefix} op vragen van {_members_phrase(submitters)} over {subject}",
        day=answered,
        aanhangselnummer=aanhangselnummer,
        content_type=PDF,
        external_id=external_id,
        zaak=zaak,
        actors=[
            {
                "Id": guid("documentactor", f"{number}/0"),
                "ActorNaam": name,
                "ActorFractie": None,
                "Functie": function,
                "Relatie": "Eerste ondertekenaar",
                "Verwijderd": False,
            }
        ],
    )


# -- OData $filter ---------------------------------------------------------------------------

STRING, BOOLEAN, DATETIMEOFFSET, GUID, INT32, DECIMAL, DATE, NULL = (
    "Edm.String", "Edm.Boolean", "Edm.DateTimeOffset", "Edm.Guid", "Edm.Int32", "Edm.Decimal", "Edm.Date", "null",
)
_NUMERIC = frozenset({INT32, DECIMAL})
DOCUMENT_TYPE = "TK.DA.GGM.OData.Document"
# The Document properties (v4/2.0 names) a query may filter and sort on.
DOCUMENT_PROPERTIES: dict[str, str] = {
    "Id": GUID,
    "Soort": STRING,
    "DocumentNummer": STRING,
    "Titel": STRING,
    "Onderwerp": STRING,
    "Datum": DATETIMEOFFSET,
    "Volgnummer": INT32,
    "Vergaderjaar": STRING,
    "Kamer": INT32,
    "Citeertitel": STRING,
    "Alias": STRING,
    "DatumRegistratie": DATETIMEOFFSET,
    "DatumOntvangst": DATETIMEOFFSET,
    "Aanhangselnummer": STRING,
    "KenmerkAfzender": STRING,
    "Organisatie": STRING,
    "ContentType": STRING,
    "ContentLength": INT32,
    "HuidigeDocumentVersie_Id": GUID,
    "GewijzigdOp": DATETIMEOFFSET,
    "ApiGewijzigdOp": DATETIMEOFFSET,
    "Verwijderd": BOOLEAN,
}
NAVIGATION_PROPERTIES = frozenset(
    {"Zaak", "DocumentVersie", "DocumentActor", "Activiteit", "Agendapunt", "Kamerstukdossier",
     "BronDocument", "BijlageDocument", "DocumentPublicatie", "DocumentPublicatieMetadata"}
)
_EXPANDABLE = ("Zaak", "DocumentVersie", "DocumentActor")
_COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "eq": ("Equal", lambda a, b: a == b),
    "ne": ("NotEqual", lambda a, b: a != b),
    "gt": ("GreaterThan", lambda a, b: a > b),
    "ge": ("GreaterThanOrEqual", lambda a, b: a >= b),
    "lt": ("LessThan", lambda a, b: a < b),
    "le": ("LessThanOrEqual", lambda a, b: a <= b),
}
_KEYWORDS = frozenset({"and", "or", "not", *_COMPARISONS})
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Any]]] = {
    "contains": ((STRING, STRING), BOOLEAN, lambda s, sub: sub in s),
    "startswith": ((STRING, STRING), BOOLEAN, lambda s, prefix: s.startswith(prefix)),
    "endswith": ((STRING, STRING), BOOLEAN, lambda s, suffix: s.endswith(suffix)),
    "tolower": ((STRING,), STRING, str.lower),
    "toupper": ((STRING,), STRING, str.upper),
    "trim": ((STRING,), STRING, str.strip),
    "length": ((STRING,), INT32, len),
}
_FILTER_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<datetimeoffset>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    |(?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<punct>[(),:])
    """,
    re.VERBOSE,
)
_INVALID = object()  # a record value of the wrong JSON type: compares as unknown, like a null


class ODataError(Exception):
    """A request the real API refuses; answered as ``{"error": {"code": "", "message": ...}}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _invalid_query(detail: str) -> ODataError:
    return ODataError(f"The query specified in the URI is not valid. {detail}")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class _Expr:
    type: str
    eval: Callable[[Any], Any]


def _coerce(edm_type: str, raw: Any) -> Any:
    if raw is None:
        return None
    if edm_type == STRING:
        return raw if isinstance(raw, str) else _INVALID
    if edm_type == BOOLEAN:
        return raw if isinstance(raw, bool) else _INVALID
    if edm_type == INT32:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else _INVALID
    if edm_type == GUID:
        return raw.lower() if isinstance(raw, str) else _INVALID
    if edm_type == DATETIMEOFFSET:
        if not isinstance(raw, str):
            return _INVALID
        try:
            return parse_datetimeoffset(raw)
        except ValueError:
            return _INVALID
    return _INVALID


def _property_value(record: Any, name: str, properties: dict[str, str] | None = None) -> Any:
    raw = record.get(name) if isinstance(record, dict) else None
    return _coerce((DOCUMENT_PROPERTIES if properties is None else properties)[name], raw)


def _compare(op: str, left: Any, right: Any) -> bool | None:
    """Three-valued like the API's SQL: a comparison with an unknown value is unknown (None)."""
    if left is _INVALID or right is _INVALID:
        return None
    if left is None or right is None:
        if op == "eq":
            return left is None and right is None
        if op == "ne":
            return not (left is None and right is None)
        return None
    return _COMPARISONS[op][1](left, right)


def _and(left: Any, right: Any) -> bool | None:
    if left is False or right is False:
        return False
    return True if left is True and right is True else None


def _or(left: Any, right: Any) -> bool | None:
    if left is True or right is True:
        return True
    return False if left is False and right is False else None


class _FilterParser:
    """Recursive descent over the OData v4 ``$filter`` grammar the spider uses, precedence as in the spec.

    ``not`` is a unary operator binding tighter than comparisons (``not Soort eq 'x'`` is a type
    error, as on the real API; write ``not (Soort eq 'x')``).
    """

    def __init__(
        self,
        text: str,
        properties: dict[str, str] | None = None,
        entity_type: str = DOCUMENT_TYPE,
        navigation: frozenset[str] = NAVIGATION_PROPERTIES,
    ) -> None:
        self.text = text
        # The entity set's own properties and navigation properties (default: Document's).
        self.properties = DOCUMENT_PROPERTIES if properties is None else properties
        self.entity_type = entity_type
        self.navigation = navigation
        self.tokens = self._tokenize(text)
        self.index = 0

    def _tokenize(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        pos = 0
        while pos < len(text):
            match = _FILTER_TOKEN.match(text, pos)
            if match is None:
                raise self._syntax_error(pos)
            assert match.lastgroup is not None
            if match.lastgroup != "ws":
                tokens.append(_Token(match.lastgroup, match.group(), pos))
            pos = match.end()
        return tokens

    def _syntax_error(self, pos: int) -> ODataError:
        return _invalid_query(f"Syntax error at position {pos} in '{self.text}'.")

    def parse(self) -> _Expr:
        if not self.tokens:
            raise _invalid_query("The $filter query option is empty.")
        expr = self._disjunction()
        if self.index < len(self.tokens):
            raise self._syntax_error(self.tokens[self.index].pos)
        if expr.type != BOOLEAN:
            raise _invalid_query(f"The $filter expression must evaluate to a single boolean value, not {expr.type}.")
        return expr

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise self._syntax_error(len(self.text))
        self.index += 1
        return token

    def _accept(self, kind: str, text: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == kind and token.text == text:
            self.index += 1
            return True
        return False

    def _boolean_operands(self, kind: str, left: _Expr, right: _Expr) -> None:
        for operand in (left, right):
            if operand.type not in (BOOLEAN, NULL):
                raise _invalid_query(
                    f"A binary operator with incompatible types was detected. Found operand types "
                    f"'{left.type}' and '{right.type}' for operator kind '{kind}'."
                )

    def _disjunction(self) -> _Expr:
        left = self._conjunction()
        while self._accept("name", "or"):
            right = self._conjunction()
            self._boolean_operands("Or", left, right)
            left = _Expr(BOOLEAN, lambda r, a=left.eval, b=right.eval: _or(a(r), b(r)))
        return left

    def _conjunction(self) -> _Expr:
        left = self._comparison()
        while self._accept("name", "and"):
            right = self._comparison()
            self._boolean_operands("And", left, right)
            left = _Expr(BOOLEAN, lambda r, a=left.eval, b=right.eval: _and(a(r), b(r)))
        return left

    def _comparison(self) -> _Expr:
        left = self._unary()
        while (token := self._peek()) is not None and token.kind == "name" and token.text in _COMPARISONS:
            self.index += 1
            right = self._unary()
            kind = _COMPARISONS[token.text][0]
            types = {left.type, right.type} - {NULL}
            compatible = len(types) <= 1 or types <= _NUMERIC
            if not compatible or (types == {BOOLEAN} and token.text not in ("eq", "ne")):
                raise _invalid_query(
                    f"A binary operator with incompatible types was detected. Found operand types "
                    f"'{left.type}' and '{right.type}' for operator kind '{kind}'."
                )
            left = _Expr(BOOLEAN, lambda r, op=token.text, a=left.eval, b=right.eval: _compare(op, a(r), b(r)))
        return left

    def _unary(self) -> _Expr:
        if self._accept("name", "not"):
            operand = self._unary()
            if operand.type not in (BOOLEAN, NULL):
                raise _invalid_query(
                    f"A unary operator with an incompatible type was detected. Found operand type "
                    f"'{operand.type}' for operator kind 'Not'."
                )
            return _Expr(BOOLEAN, lambda r, a=operand.eval: (not v) if isinstance(v := a(r), bool) else None)
        return self._primary()

    def _primary(self) -> _Expr:
        token = self._next()
        if token.kind == "punct" and token.text == "(":
            inner = self._disjunction()
            if not self._accept("punct", ")"):
                raise self._syntax_error(self._peek().pos if self._peek() else len(self.text))
            return inner
        if token.kind == "string":
            value = token.text[1:-1].replace("''", "'")
            return _Expr(STRING, lambda r, v=value: v)
        if token.kind == "datetimeoffset":
            try:
                ticks = parse_datetimeoffset(token.text)
            except ValueError:
                raise _invalid_query(f"Unrecognized 'Edm.DateTimeOffset' literal '{token.text}' at '{token.pos}'.") from None
            return _Expr(DATETIMEOFFSET, lambda r, v=ticks: v)
        if token.kind == "guid":
            return _Expr(GUID, lambda r, v=token.text.lower(): v)
        if token.kind == "date":
            try:
                day = date.fromisoformat(token.text)
            except ValueError:
                raise _invalid_query(f"Unrecognized 'Edm.Date' literal '{token.text}' at '{token.pos}'.") from None
            return _Expr(DATE, lambda r, v=day: v)
        if token.kind == "number":
            if "." in token.text:
                try:
                    return _Expr(DECIMAL, lambda r, v=Decimal(token.text): v)
                except InvalidOperation:
                    raise self._syntax_error(token.pos) from None
            return _Expr(INT32, lambda r, v=int(token.text): v)
        if token.kind == "name":
            return self._name(token)
        raise self._syntax_error(token.pos)

    def _name(self, token: _Token) -> _Expr:
        name = token.text
        if name in ("true", "false"):
            return _Expr(BOOLEAN, lambda r, v=name == "true": v)
        if name == "null":
            return _Expr(NULL, lambda r: None)
        if name in _KEYWORDS:
            raise self._syntax_error(token.pos)
        if "/" in name:
            # The real API follows navigation paths and any()/all(); the fake does not.
            own = self.entity_type.rsplit(".", 1)[-1]
            raise _invalid_query(
                f"FakeParliament supports only {own}'s own properties in $filter, not the path '{name}'."
            )
        following = self._peek()
        if following is not None and following.kind == "punct" and following.text == "(":
            return self._call(token)
        if name in self.navigation:
            raise _invalid_query(f"FakeParliament cannot filter on the navigation property '{name}'.")
        edm_type = self.properties.get(name)
        if edm_type is None:
            raise _invalid_query(f"Could not find a property named '{name}' on type '{self.entity_type}'.")
        return _Expr(edm_type, lambda r, n=name, p=self.properties: _property_value(r, n, p))

    def _call(self, token: _Token) -> _Expr:
        signature = _FUNCTIONS.get(token.text)
        if signature is None:
            raise _invalid_query(
                f"An unknown function with name '{token.text}' was found. This may also be a function import "
                f"or a key lookup on a navigation property, which is not allowed."
            )
        self.index += 1  # the "("
        args: list[_Expr] = []
        if not self._accept("punct", ")"):
            while True:
                args.append(self._disjunction())
                if self._accept("punct", ")"):
                    break
                if not self._accept("punct", ","):
                    raise self._syntax_error(self._peek().pos if self._peek() else len(self.text))
        parameter_types, result_type, function = signature
        if len(args) != len(parameter_types) or any(
            arg.type not in (expected, NULL) for arg, expected in zip(args, parameter_types, strict=False)
        ):
            found = ", ".join(arg.type for arg in args)
            raise _invalid_query(f"No function signature for the function with name '{token.text}' matches ({found}).")

        def call(record: Any, evals: tuple[Callable[[Any], Any], ...] = tuple(a.eval for a in args)) -> Any:
            values = [e(record) for e in evals]
            if any(v is None or v is _INVALID for v in values):
                return None
            return function(*values)

        return _Expr(result_type, call)


def parse_filter(
    text: str,
    properties: dict[str, str] | None = None,
    entity_type: str = DOCUMENT_TYPE,
    navigation: frozenset[str] = NAVIGATION_PROPERTIES,
) -> Callable[[Any], bool]:
    """Compile ``$filter`` text to a predicate on records; raises ODataError like the API's 400.

    ``properties`` (name -> Edm type), ``entity_type`` and ``navigation`` describe the entity set
    filtered; by default Document's.
    """
    expr = _FilterParser(text, properties, entity_type, navigation).parse()
    return lambda record: expr.eval(record) is True


def _parse_orderby(
    text: str,
    properties: dict[str, str] | None = None,
    entity_type: str = DOCUMENT_TYPE,
    navigation: frozenset[str] = NAVIGATION_PROPERTIES,
) -> list[tuple[str, bool]]:
    own = DOCUMENT_PROPERTIES if properties is None else properties
    keys: list[tuple[str, bool]] = []
    for item in text.split(","):
        match = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_/]*)(?:\s+(asc|desc))?\s*", item)
        if match is None:
            raise _invalid_query(f"Syntax error in $orderby '{text}'.")
        name, direction = match.groups()
        if name not in own:
            if name in navigation or "/" in name:
                raise _invalid_query(f"FakeParliament cannot order by '{name}'.")
            raise _invalid_query(f"Could not find a property named '{name}' on type '{entity_type}'.")
        keys.append((name, direction == "desc"))
    return keys


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise _invalid_query(f"Syntax error in $expand '{text}': unbalanced parentheses.")
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise _invalid_query(f"Syntax error in $expand '{text}': unbalanced parentheses.")
    parts.append("".join(current))
    return parts


def _parse_expand(text: str) -> dict[str, bool]:
    """Expanded navigation property -> whether ZaakActor is expanded inside it (only meaningful for Zaak)."""
    expanded: dict[str, bool] = {}
    for raw in _split_top_level(text):
        item = re.sub(r"\s+", "", raw)
        if item == "Zaak($expand=ZaakActor)":
            expanded["Zaak"] = True
        elif item in _EXPANDABLE:
            expanded[item] = expanded.get(item, False)
        else:
            name = item.split("(", 1)[0]
            if not name:
                raise _invalid_query(f"Syntax error in $expand '{text}'.")
            if name in _EXPANDABLE or name in NAVIGATION_PROPERTIES:
                raise _invalid_query(
                    f"FakeParliament expands only Zaak($expand=ZaakActor), DocumentVersie and DocumentActor, "
                    f"not '{raw.strip()}'."
                )
            raise _invalid_query(f"Could not find a property named '{name}' on type '{DOCUMENT_TYPE}'.")
    return expanded


def _non_negative(option: str, value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise _invalid_query(f"Invalid value '{value}' for {option} query option found. "
                             f"The {option} query option requires a non-negative integer value.")
    return int(value)


# -- members: Fractie, Persoon, FractieZetel, FractieZetelPersoon --------------------------------
#
# Who sits in the Kamer, in the OData JSON shape of v4/2.0 (served unchanged on v5, as Document is):
# flat records with ``<Navigation>_Id`` foreign keys, expanded navigation properties as an object
# (to-one) or an array (to-many). Property lists follow the public samples of real responses
# (Persoon, Fractie, FractieZetel and FractieZetelPersoon quoted in third-party clients) and
# openkamer/tkapi's fractie.py and persoon.py; the values the builders make are invented.

MEMBER_SETS = ("Fractie", "Persoon", "FractieZetel", "FractieZetelPersoon")
_MEMBER_ROOTS = {"v4": "/OData/v4/2.0/", "v5": "/OData/v5/"}
MEMBER_PROPERTIES: dict[str, dict[str, str]] = {
    "Fractie": {
        "Id": GUID, "Nummer": INT32, "Afkorting": STRING, "NaamNL": STRING, "NaamEN": STRING,
        "AantalZetels": INT32, "AantalStemmen": INT32, "DatumActief": DATETIMEOFFSET,
        "DatumInactief": DATETIMEOFFSET, "ContentType": STRING, "ContentLength": INT32,
        "GewijzigdOp": DATETIMEOFFSET, "ApiGewijzigdOp": DATETIMEOFFSET, "Verwijderd": BOOLEAN,
    },
    "Persoon": {
        "Id": GUID, "Nummer": INT32, "Titels": STRING, "Initialen": STRING, "Tussenvoegsel": STRING,
        "Achternaam": STRING, "Voornamen": STRING, "Roepnaam": STRING, "Geslacht": STRING, "Functie": STRING,
        "Geboortedatum": DATETIMEOFFSET, "Geboorteplaats": STRING, "Geboorteland": STRING,
        "Overlijdensdatum": DATETIMEOFFSET, "Overlijdensplaats": STRING, "Woonplaats": STRING, "Land": STRING,
        "Fractielabel": STRING, "ContentType": STRING, "ContentLength": INT32,
        "GewijzigdOp": DATETIMEOFFSET, "ApiGewijzigdOp": DATETIMEOFFSET, "Verwijderd": BOOLEAN,
    },
    "FractieZetel": {
        "Id": GUID, "Gewicht": INT32, "Fractie_Id": GUID,
        "GewijzigdOp": DATETIMEOFFSET, "ApiGewijzigdOp": DATETIMEOFFSET, "Verwijderd": BOOLEAN,
    },
    "FractieZetelPersoon": {
        "Id": GUID, "FractieZetel_Id": GUID, "Persoon_Id": GUID, "Functie": STRING,
        "Van": DATETIMEOFFSET, "TotEnMet": DATETIMEOFFSET,
        "GewijzigdOp": DATETIMEOFFSET, "ApiGewijzigdOp": DATETIMEOFFSET, "Verwijderd": BOOLEAN,
    },
}  # fmt: skip
# Navigation the fake follows: set -> property -> (target set, "one" | "many", foreign key).
# "one": the target whose Id is the record's foreign key; "many": the targets whose foreign key is the record's Id.
MEMBER_NAVIGATION: dict[str, dict[str, tuple[str, Literal["one", "many"], str]]] = {
    "Fractie": {"FractieZetel": ("FractieZetel", "many", "Fractie_Id")},
    "Persoon": {"FractieZetelPersoon": ("FractieZetelPersoon", "many", "Persoon_Id")},
    "FractieZetel": {
        "Fractie": ("Fractie", "one", "Fractie_Id"),
        "FractieZetelPersoon": ("FractieZetelPersoon", "many", "FractieZetel_Id"),
    },
    "FractieZetelPersoon": {
        "FractieZetel": ("FractieZetel", "one", "FractieZetel_Id"),
        "Persoon": ("Persoon", "one", "Persoon_Id"),
    },
}
# Navigation properties the real sets have and the fake does not follow (refused with a 400 naming them).
_UNFOLLOWED_MEMBER_NAVIGATION = {
    "Fractie": frozenset({"FractieAanvullendGegeven", "Organisatie", "ZaakActor", "Stemming", "DocumentActor"}),
    "Persoon": frozenset({"PersoonContactinformatie", "PersoonGeschenk", "PersoonLoopbaan", "PersoonNevenfunctie",
                          "PersoonOnderwijs", "PersoonReis", "ZaakActor", "DocumentActor", "ActiviteitActor",
                          "CommissieZetelVastPersoon", "CommissieZetelVervangerPersoon", "FractieAanvullendGegeven",
                          "Stemming"}),
    "FractieZetel": frozenset({"FractieZetelVacature"}),
    "FractieZetelPersoon": frozenset(),
}  # fmt: skip
DEFAULT_SEATED = date(2025, 11, 12)  # a swearing-in day for the builders' default seats


def _member_type(entity_set: str) -> str:
    return f"TK.DA.GGM.OData.{entity_set}"


def _member_navigation(entity_set: str) -> frozenset[str]:
    return frozenset(MEMBER_NAVIGATION[entity_set]) | _UNFOLLOWED_MEMBER_NAVIGATION[entity_set]


def party_record(
    afkorting: str,
    naam: str,
    *,
    seats: int | None = None,
    active_since: date = date(2023, 12, 6),
    inactive_since: date | None = None,
    naam_en: str | None = None,
    number: int | None = None,
    deleted: bool = False,
) -> dict[str, Any]:
    """A Fractie record (``Afkorting`` like "GL-PvdA", ``NaamNL`` like "GroenLinks-PvdA"); Id from the abbreviation."""
    changed = inactive_since or active_since
    return {
        "Id": guid("fractie", afkorting),
        "Nummer": number if number is not None else 3000 + zlib.crc32(afkorting.encode()) % 1000,
        "Afkorting": afkorting,
        "NaamNL": naam,
        "NaamEN": naam_en if naam_en is not None else naam,
        "AantalZetels": seats,
        "AantalStemmen": None,
        "DatumActief": _local(active_since),
        "DatumInactief": _local(inactive_since) if inactive_since else None,
        "ContentType": "image/png",
        "ContentLength": 4000 + zlib.crc32(naam.encode()) % 9000,
        "GewijzigdOp": _changed_at(changed, f"fractie:{afkorting}"),
        "ApiGewijzigdOp": _fixed_stamp(changed, f"fractie:{afkorting}"),
        "Verwijderd": deleted,
    }


def person_record(
    roepnaam: str,
    achternaam: str,
    *,
    tussenvoegsel: str | None = None,
    initialen: str | None = None,
    voornamen: str | None = None,
    functie: str = "Tweede Kamerlid",
    number: int | None = None,
    deleted: bool = False,
) -> dict[str, Any]:
    """A Persoon record; birth, residence and the like are null (the fake has no use for personal data)."""
    key = " ".join(p for p in (roepnaam, tussenvoegsel, achternaam) if p)
    first = voornamen or roepnaam
    return {
        "Id": guid("persoon", key),
        "Nummer": number if number is not None else 1000 + zlib.crc32(key.encode()) % 5000,
        "Titels": None,
        "Initialen": initialen if initialen is not None else "".join(f"{w[0]}." for w in first.split()),
        "Tussenvoegsel": tussenvoegsel,
        "Achternaam": achternaam,
        "Voornamen": first,
        "Roepnaam": roepnaam,
        "Geslacht": None,
        "Functie": functie,
        "Geboortedatum": None,
        "Geboorteplaats": None,
        "Geboorteland": None,
        "Overlijdensdatum": None,
        "Overlijdensplaats": None,
        "Woonplaats": None,
        "Land": "NL",
        "Fractielabel": None,  # only Eerste Kamer members carry one (OpenDataPortaal issue #168)
        "ContentType": "image/jpeg",
        "ContentLength": 100000 + zlib.crc32(key.encode()) % 400000,
        "GewijzigdOp": _changed_at(DEFAULT_SEATED, f"persoon:{key}"),
        "ApiGewijzigdOp": _fixed_stamp(DEFAULT_SEATED, f"persoon:{key}"),
        "Verwijderd": deleted,
    }


def seat_record(fractie_id: str, weight: int, *, deleted: bool = False) -> dict[str, Any]:
    """A FractieZetel: seat number ``weight`` (Gewicht) of the Fractie."""
    key = f"{fractie_id}/{weight}"
    return {
        "Id": guid("fractiezetel", key),
        "Gewicht": weight,
        "Fractie_Id": fractie_id,
        "GewijzigdOp": _changed_at(DEFAULT_SEATED, f"zetel:{key}"),
        "ApiGewijzigdOp": _fixed_stamp(DEFAULT_SEATED, f"zetel:{key}"),
        "Verwijderd": deleted,
    }


def seat_person_record(
    seat_id: str,
    person_id: str,
    *,
    since: date = DEFAULT_SEATED,
    until: date | None = None,
    functie: str = "Lid",
    deleted: bool = False,
) -> dict[str, Any]:
    """A FractieZetelPersoon: the person holds the seat from ``since`` up to and including ``until`` (None: now)."""
    key = f"{seat_id}/{person_id}/{since.isoformat()}"
    changed = until or since
    return {
        "Id": guid("fractiezetelpersoon", key),
        "FractieZetel_Id": seat_id,
        "Persoon_Id": person_id,
        "Functie": functie,
        "Van": _local(since),
        "TotEnMet": _local(until) if until else None,
        "GewijzigdOp": _changed_at(changed, f"fzp:{key}"),
        "ApiGewijzigdOp": _fixed_stamp(changed, f"fzp:{key}"),
        "Verwijderd": deleted,
    }


def _parse_member_expand(text: str, entity_set: str) -> dict[str, Any]:
    """``$expand`` of a member set as a tree: navigation property -> the nested expansion (``{}``: none)."""
    tree: dict[str, Any] = {}
    for raw in _split_top_level(text):
        item = raw.strip()
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?", item, re.S)
        if match is None:
            raise _invalid_query(f"Syntax error in $expand '{text}'.")
        name, inner = match.group(1), match.group(2)
        if name not in MEMBER_NAVIGATION[entity_set]:
            if name in _UNFOLLOWED_MEMBER_NAVIGATION[entity_set]:
                raise _invalid_query(f"FakeParliament cannot expand '{name}' of {entity_set}.")
            raise _invalid_query(f"Could not find a property named '{name}' on type '{_member_type(entity_set)}'.")
        nested: dict[str, Any] = {}
        if inner is not None and inner.strip():
            option = re.fullmatch(r"\s*\$expand=(.+)", inner, re.S)
            if option is None:
                raise _invalid_query(
                    f"FakeParliament supports only $expand inside $expand, not '{inner.strip()}'."
                )
            nested = _parse_member_expand(option.group(1), MEMBER_NAVIGATION[entity_set][name][0])
        tree[name] = nested
    return tree


def _same_id(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _expand_member(
    record: dict[str, Any], entity_set: str, tree: dict[str, Any], records: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """``record`` with each navigation property of ``tree`` joined in: an object or null (to-one), an array (to-many)."""
    out = dict(record)
    for name, nested in tree.items():
        target, cardinality, foreign_key = MEMBER_NAVIGATION[entity_set][name]
        if cardinality == "one":
            related = next((r for r in records[target] if _same_id(r.get("Id"), record.get(foreign_key))), None)
            out[name] = None if related is None else _expand_member(related, target, nested, records)
        else:
            out[name] = [
                _expand_member(r, target, nested, records)
                for r in records[target]
                if _same_id(r.get(foreign_key), record.get("Id"))
            ]
    return out


# -- CQL (SRU) -------------------------------------------------------------------------------


class _SruDiagnostic(Exception):
    """An SRU error: answered, like the real service, as HTTP 200 with a <diagnostics> element."""

    def __init__(self, number: int, message: str, details: str = "") -> None:
        super().__init__(message)
        self.uri = f"info:srw/diagnostic/1/{number}"
        self.message = message
        self.details = details


_CQL_TOKEN = re.compile(
    r"""\s*(?:
    (?P<open>\()|(?P<close>\))
    |(?P<quoted>"(?:[^"\\]|\\.)*")
    |(?P<relation>==|<>|>=|<=|=|<|>)
    |(?P<slash>/)
    |(?P<word>[^\s()"=<>/]+)
    )""",
    re.VERBOSE,
)
_CQL_BOOLEANS = frozenset({"and", "or", "not", "prox"})
_CQL_WORD_RELATIONS = frozenset({"any", "all", "adj", "exact", "within", "encloses"})


@dataclass
class _Publication:
    identifier: str
    prefix: str
    folder: str
    publicatienaam: str | None
    title: str | None
    vergaderjaar: str | None
    vraagnummer: str | None
    aanhangselnummer: str | None
    available: date
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # manifestation -> (name, body, type)

    @property
    def shown_title(self) -> str:
        return self.title or f"{self.publicatienaam or 'Publicatie'} {self.identifier}"

    def text(self) -> str:
        bodies = [body.decode("utf-8", "replace") for _, body, _ in self.files.values()]
        return "\n".join([self.shown_title, *bodies])


def _cql_value_matcher(index: str, relation: str, value: str) -> Callable[[_Publication], bool]:
    folded = value.casefold()
    equality = relation in ("==", "=", "exact")

    def exact(get: Callable[[_Publication], str | None]) -> Callable[[_Publication], bool]:
        if relation == "<>":
            return lambda p: (get(p) or "").casefold() != folded
        if equality:
            return lambda p: (get(p) or "").casefold() == folded
        if relation == "any":
            words = set(folded.split())
            return lambda p: (get(p) or "").casefold() in words
        raise _SruDiagnostic(19, "Unsupported relation", relation)

    if index == "c.product-area":
        return exact(lambda p: "officielepublicaties")
    if index == "dt.identifier":
        return exact(lambda p: p.identifier)
    if index in ("w.publicatienaam", "dt.type"):
        return exact(lambda p: p.publicatienaam)
    if index == "w.vergaderjaar":
        return exact(lambda p: p.vergaderjaar)
    if index in ("dt.modified", "dt.available", "dt.date"):
        if relation not in _COMPARE_DATES:
            raise _SruDiagnostic(19, "Unsupported relation", relation)
        compare = _COMPARE_DATES[relation]
        return lambda p: compare(p.available.isoformat(), value)
    if index in ("cql.textAndIndexes", "cql.serverChoice", "dt.title"):
        # A substring search stands in for the real full-text index.
        if relation not in ("=", "==", "any", "all", "adj"):
            raise _SruDiagnostic(19, "Unsupported relation", relation)
        source: Callable[[_Publication], str] = (lambda p: p.shown_title) if index == "dt.title" else _Publication.text
        if relation in ("any", "all"):
            words = folded.split()
            combine = any if relation == "any" else all
            return lambda p: combine(w in source(p).casefold() for w in words)
        return lambda p: folded in source(p).casefold()
    raise _SruDiagnostic(16, "Unsupported index", index)


_COMPARE_DATES: dict[str, Callable[[str, str], bool]] = {
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


class _CqlParser:
    """CQL as KOOP's SRU takes it: ``index relation value`` clauses joined by and/or/not, parentheses, sortBy."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _CQL_TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise _SruDiagnostic(10, "Query syntax error", f"token recognition error at: '{text[pos:pos + 1]}'")
            assert match.lastgroup is not None
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()
        self.index = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _mismatch(self) -> _SruDiagnostic:
        token = self._peek()
        shown = token[1] if token else "<EOF>"
        return _SruDiagnostic(10, "Query syntax error", f"mismatched input '{shown}'")

    def parse(self) -> Callable[[_Publication], bool]:
        if not self.tokens:
            raise _SruDiagnostic(10, "Query syntax error", "empty query")
        matcher = self._scoped()
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].lower() == "sortby":
            self.index = len(self.tokens)  # the fake keeps registration order
        if self._peek() is not None:
            raise self._mismatch()
        return matcher

    def _scoped(self) -> Callable[[_Publication], bool]:
        left = self._clause()
        while (token := self._peek()) is not None and token[0] == "word" and token[1].lower() in _CQL_BOOLEANS:
            self.index += 1
            operator = token[1].lower()
            right = self._clause()
            if operator == "and":
                left = lambda p, a=left, b=right: a(p) and b(p)  # noqa: E731
            elif operator == "or":
                left = lambda p, a=left, b=right: a(p) or b(p)  # noqa: E731
            elif operator == "not":
                left = lambda p, a=left, b=right: a(p) and not b(p)  # noqa: E731
            else:
                raise _SruDiagnostic(37, "Unsupported boolean operator", operator)
        return left

    def _term(self) -> str:
        token = self._peek()
        if token is None or token[0] not in ("word", "quoted"):
            raise self._mismatch()
        self.index += 1
        if token[0] == "quoted":
            return re.sub(r"\\(.)", r"\1", token[1][1:-1])
        return token[1]

    def _clause(self) -> Callable[[_Publication], bool]:
        token = self._peek()
        if token is not None and token[0] == "open":
            self.index += 1
            inner = self._scoped()
            if self._peek() is None or self._peek()[0] != "close":  # type: ignore[index]
                raise self._mismatch()
            self.index += 1
            return inner
        first = self._term()
        token = self._peek()
        is_relation = token is not None and (
            token[0] == "relation" or (token[0] == "word" and token[1].lower() in _CQL_WORD_RELATIONS)
        )
        if token is not None and is_relation:
            self.index += 1
            relation = token[1].lower()
            return _cql_value_matcher(first, relation, self._term())
        return _cql_value_matcher("cql.serverChoice", "=", first)


# -- publications ----------------------------------------------------------------------------

_MANIFESTATION_FILES = {"metadata": "metadata.xml", "metadataowms": "metadata_owms.xml"}
_MANIFESTATION_TYPES = {
    "xml": "application/xml",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "metadata": "application/xml",
    "metadataowms": "application/xml",
}
_TEMPLATED_MANIFESTATIONS = frozenset({"xml", "html", "metadata", "metadataowms"})
_PUBLICATION_NAMES = {"kv-tk": "Kamervragen zonder antwoord", "ah-tk": "Kamervragen (Aanhangsel)"}
_IDENTIFIER = re.compile(r"(?P<prefix>ah-tk|kv-tk|[a-z]+(?:-[a-z]+)*)-(?P<digits>\d{4,8})")
_FRBR = re.compile(
    r"/frbr/officielepublicaties/(?P<prefix>[^/]+)/(?P<folder>[^/]+)/(?P<identifier>[^/]+)"
    r"/1/(?P<manifestation>[^/]+)/(?P<file>[^/]+)"
)
SRU_NAMESPACES = {
    "2.0": (
        "http://docs.oasis-open.org/ns/search-ws/sruResponse",
        "http://docs.oasis-open.org/ns/search-ws/diagnostic",
    ),
    "1.2": ("http://www.loc.gov/zing/srw/", "http://www.loc.gov/zing/srw/diagnostic/"),
}
_GZD_NAMESPACES = (
    'xmlns:gzd="http://standaarden.overheid.nl/sru" '
    'xmlns:overheidwetgeving="http://standaarden.overheid.nl/wetgeving/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:overheid="http://standaarden.overheid.nl/owms/terms/" '
    'xmlns:c="http://standaarden.overheid.nl/collectie/"'
)


def _file_name(identifier: str, manifestation: str) -> str:
    return _MANIFESTATION_FILES.get(manifestation, f"{identifier}.{manifestation}")


def _identifier_parts(identifier: str) -> tuple[str, str]:
    match = _IDENTIFIER.match(identifier)
    if match is None:
        raise ValueError(f"cannot place {identifier!r} in the repository; pass folder=")
    # The digits after the prefix are the folder: the calendar year for kv-tk (kv-tk-2026Z12345 -> 2026,
    # the "Z" ends the match), the parliamentary year for ah-tk (ah-tk-20262027-101 -> 20262027).
    return match.group("prefix"), match.group("digits")


def frbr_path(identifier: str, manifestation: str = "xml", folder: str | None = None) -> str:
    """``/frbr/officielepublicaties/<prefix>/<folder>/<id>/1/<manifestation>/<file>`` of a publication."""
    prefix, digits = _identifier_parts(identifier)
    folder = folder or digits
    return (
        f"/frbr/officielepublicaties/{prefix}/{folder}/{identifier}/1/{manifestation}/"
        f"{_file_name(identifier, manifestation)}"
    )


# -- the server ------------------------------------------------------------------------------


class PageRequest(NamedTuple):
    """One request that reached an OData endpoint (Document or a member set); ``params`` are the decoded query options."""

    method: str
    path: str
    api: Literal["v4", "v5"]
    params: dict[str, str]


@dataclass
class _Entry:
    value: Any
    raw: bool = False
    always_match: bool = False


@dataclass
class _Fault:
    kind: Literal["fail", "truncate", "hang"]
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    mode: Literal["body", "connection"] = "body"
    event: threading.Event | None = None


class FakeParliament(LocalServer):
    """Plays ``gegevensmagazijn.tweedekamer.nl`` (OData Document, v4/2.0 and v5) and ``repository.overheid.nl``.

    Serves ``/OData/v4/2.0/Document`` and ``/OData/v5/Document`` (same records; set
    ``v4_enabled = False`` for the v4 shutdown), the member sets ``Fractie``, ``Persoon``,
    ``FractieZetel`` and ``FractieZetelPersoon`` under the same two roots (see add_party and
    add_member), ``/sru`` and ``/frbr/officielepublicaties/…``, and ``/robots.txt``. Records are served with their Zaak/DocumentVersie/DocumentActor arrays
    whatever ``$expand`` says, unless ``strict_expand`` is set.
    ``clock`` gives "now" for ApiGewijzigdOp stamps and publication dates (default: real UTC time).
    """

    def __init__(self, host: str = "127.0.0.1", *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(host)
        self.page_size = DEFAULT_PAGE_SIZE
        self.v4_enabled = True
        self.strict_expand = False
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cond = threading.Condition()
        self._entries: list[_Entry] = []
        self._last_ticks: int | None = None
        self._publications: dict[str, _Publication] = {}
        self._members: dict[str, list[dict[str, Any]]] = {name: [] for name in MEMBER_SETS}
        self._requests: list[RecordedRequest] = []
        self._page_requests: list[PageRequest] = []
        self._faults: dict[int, list[_Fault]] = {}
        # Set on stop(): releases pages held by hang_page(), so a hang never outlives the server.
        self._released = threading.Event()

    def stop(self) -> None:
        self._released.set()
        super().stop()

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def v4_url(self) -> str:
        """The Document entity set on the v4/2.0 API (the spider's base URL + ``/Document``)."""
        return self.base_url + V4_PATH

    @property
    def v5_url(self) -> str:
        return self.base_url + V5_PATH

    @property
    def sru_url(self) -> str:
        return self.base_url + SRU_PATH

    # -- records -----------------------------------------------------------------------------

    def _stamp(self) -> str:
        ticks = _ticks(self._clock())
        if self._last_ticks is not None:
            ticks = max(ticks, self._last_ticks + 1)
        self._last_ticks = ticks
        return format_ticks(ticks)

    def _note_given_stamp(self, value: Any) -> None:
        if isinstance(value, str):
            try:
                ticks = parse_datetimeoffset(value)
            except ValueError:
                return
            self._last_ticks = ticks if self._last_ticks is None else max(self._last_ticks, ticks)

    def _find(self, doc_id: str) -> _Entry:
        for entry in self._entries:
            if not entry.raw and entry.value.get("Id") == doc_id:
                return entry
        raise KeyError(f"no document with Id {doc_id!r}")

    def add_document(self, record: dict[str, Any]) -> dict[str, Any]:
        """Store a copy of ``record`` (needs an ``Id``); stamps ApiGewijzigdOp unless it has one. Returns the copy."""
        if not isinstance(record, dict) or not isinstance(record.get("Id"), str):
            raise ValueError("a document needs a string Id; use add_raw_record() for malformed records")
        stored = copy.deepcopy(record)
        with self._cond:
            if any(not e.raw and e.value.get("Id") == stored["Id"] for e in self._entries):
                raise ValueError(f"a document with Id {stored['Id']!r} exists; use update_document()")
            if stored.get("ApiGewijzigdOp") is None:
                stored["ApiGewijzigdOp"] = self._stamp()
            else:
                self._note_given_stamp(stored["ApiGewijzigdOp"])
            self._entries.append(_Entry(stored))
            return copy.deepcopy(stored)

    def add_documents(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.add_document(record) for record in records]

    def update_document(self, doc_id: str, **changes: Any) -> dict[str, Any]:
        """A correction: apply ``changes`` and re-stamp ApiGewijzigdOp (unless given); the rest stays."""
        with self._cond:
            entry = self._find(doc_id)
            updated = copy.deepcopy(entry.value)
            updated.update(copy.deepcopy(changes))
            if "ApiGewijzigdOp" in changes and changes["ApiGewijzigdOp"] is not None:
                self._note_given_stamp(changes["ApiGewijzigdOp"])
            else:
                updated["ApiGewijzigdOp"] = self._stamp()
            entry.value = updated  # replaced, not mutated: a page being serialised keeps its snapshot
            return copy.deepcopy(updated)

    def delete_document(self, doc_id: str, empty: bool = False) -> dict[str, Any]:
        """Set ``Verwijderd: true`` and re-stamp; ``empty=True`` leaves only Id, Verwijderd and ApiGewijzigdOp."""
        with self._cond:
            entry = self._find(doc_id)
            if empty:
                updated: dict[str, Any] = {"Id": doc_id, "Verwijderd": True, "ApiGewijzigdOp": self._stamp()}
            else:
                updated = copy.deepcopy(entry.value)
                updated["Verwijderd"] = True
                updated["ApiGewijzigdOp"] = self._stamp()
            entry.value = updated
            return copy.deepcopy(updated)

    def add_raw_record(self, obj: Any, *, always_match: bool = True) -> None:
        """Serve any JSON value as a record, stored as given (no stamp), for malformed-record tests.

        By default it is on every page's result whatever the ``$filter`` (a real server would not
        produce it, so there is no filter it would fail); with ``always_match=False`` the filter
        is applied, missing or mistyped properties counting as unknown. It sorts as if its
        properties were null (first, ascending).
        """
        with self._cond:
            self._entries.append(_Entry(copy.deepcopy(obj), raw=True, always_match=always_match))

    @property
    def documents(self) -> list[Any]:
        """Every stored record (raw ones included), in storage order."""
        with self._cond:
            return [copy.deepcopy(e.value) for e in self._entries]

    def document(self, doc_id: str) -> dict[str, Any]:
        with self._cond:
            return copy.deepcopy(self._find(doc_id).value)

    @property
    def last_api_stamp(self) -> str | None:
        """The newest ApiGewijzigdOp issued or given so far."""
        with self._cond:
            return None if self._last_ticks is None else format_ticks(self._last_ticks)

    # -- members -----------------------------------------------------------------------------

    def add_entity(self, entity_set: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a copy of a Fractie, Persoon, FractieZetel or FractieZetelPersoon record (needs a unique ``Id``)."""
        if entity_set not in MEMBER_SETS:
            raise ValueError(f"{entity_set!r} is not one of {', '.join(MEMBER_SETS)}")
        if not isinstance(record, dict) or not isinstance(record.get("Id"), str):
            raise ValueError(f"a {entity_set} record needs a string Id")
        stored = copy.deepcopy(record)
        with self._cond:
            if any(r.get("Id") == stored["Id"] for r in self._members[entity_set]):
                raise ValueError(f"a {entity_set} with Id {stored['Id']!r} exists; use update_entity()")
            self._members[entity_set].append(stored)
            return copy.deepcopy(stored)

    def update_entity(self, entity_set: str, entity_id: str, **changes: Any) -> dict[str, Any]:
        """Apply ``changes`` to a stored member-set record (a seat ending: ``TotEnMet=...``)."""
        with self._cond:
            records = self._members[entity_set]
            for i, record in enumerate(records):
                if record.get("Id") == entity_id:
                    updated = {**copy.deepcopy(record), **copy.deepcopy(changes)}
                    records[i] = updated
                    return copy.deepcopy(updated)
        raise KeyError(f"no {entity_set} with Id {entity_id!r}")

    def entities(self, entity_set: str) -> list[dict[str, Any]]:
        """The stored records of a member set, in storage order."""
        with self._cond:
            return copy.deepcopy(self._members[entity_set])

    def add_party(self, afkorting: str, naam: str, **kwargs: Any) -> dict[str, Any]:
        """Store a Fractie built by party_record(afkorting, naam, **kwargs); returns it."""
        return self.add_entity("Fractie", party_record(afkorting, naam, **kwargs))

    def add_member(
        self,
        party: dict[str, Any] | str,
        roepnaam: str,
        achternaam: str,
        *,
        tussenvoegsel: str | None = None,
        initialen: str | None = None,
        voornamen: str | None = None,
        since: date = DEFAULT_SEATED,
        until: date | None = None,
        functie: str = "Lid",
    ) -> dict[str, Any]:
        """Seat a person in ``party`` (a Fractie record or Id): a new FractieZetel and its FractieZetelPersoon.

        The Persoon is stored on first use and shared by later seats (a member who changed party has
        an ended seat and a current one). Returns the FractieZetelPersoon record.
        """
        party_id = party["Id"] if isinstance(party, dict) else party
        person = person_record(
            roepnaam, achternaam, tussenvoegsel=tussenvoegsel, initialen=initialen, voornamen=voornamen
        )
        with self._cond:
            if not any(r.get("Id") == person["Id"] for r in self._members["Persoon"]):
                self._members["Persoon"].append(person)
            weight = 1 + sum(1 for r in self._members["FractieZetel"] if r.get("Fractie_Id") == party_id)
            seat = seat_record(party_id, weight)
            self._members["FractieZetel"].append(seat)
            held = seat_person_record(seat["Id"], person["Id"], since=since, until=until, functie=functie)
            self._members["FractieZetelPersoon"].append(held)
            return copy.deepcopy(held)

    # -- fault injection ---------------------------------------------------------------------

    def _schedule(self, n: int, fault: _Fault) -> None:
        if n < 1:
            raise ValueError("pages are counted from 1 (the next page request)")
        with self._cond:
            self._faults.setdefault(len(self._page_requests) + n, []).append(fault)

    def fail_page(self, n: int, status: int = 500, *, headers: dict[str, str] | None = None) -> None:
        """The ``n``-th page request from now (1 = the next) answers ``status`` with an OData error body, once."""
        self._schedule(n, _Fault("fail", status=status, headers=dict(headers or {})))

    def truncate_page(self, n: int, *, mode: Literal["body", "connection"] = "body") -> None:
        """The ``n``-th page request from now gets its JSON cut off halfway, once.

        ``mode="body"``: a complete HTTP 200 whose body is the first half (invalid JSON).
        ``mode="connection"``: Content-Length promises the whole page, the connection closes after
        half (the client sees a data-loss / incomplete-read error).
        """
        self._schedule(n, _Fault("truncate", mode=mode))

    def hang_page(self, n: int, event: threading.Event) -> None:
        """The ``n``-th page request from now blocks until ``event`` is set (or the server stops).

        Its answer is computed after the release, from the records at that moment.
        """
        self._schedule(n, _Fault("hang", event=event))

    # -- publications ------------------------------------------------------------------------

    def add_publication(
        self,
        identifier: str,
        body: bytes | str,
        manifestation: str = "xml",
        content_type: str | None = None,
        *,
        title: str | None = None,
        publicatienaam: str | None = None,
        vergaderjaar: str | None = None,
        vraagnummer: str | None = None,
        available: date | None = None,
        folder: str | None = None,
    ) -> str:
        """Register one manifestation of a KOOP publication; returns its absolute FRBR URL.

        ``{{base}}`` in xml/html/metadata bodies becomes the server's base URL when served. The
        SRU record is derived from the identifier (publicatienaam, vergaderjaar of ah-tk,
        vraagnummer of kv-tk) unless the keyword arguments say otherwise; a later call for the
        same identifier adds a manifestation and overrides only the metadata it passes.
        """
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        prefix, digits = _identifier_parts(identifier)
        with self._cond:
            publication = self._publications.get(identifier)
            if publication is None:
                aanhangsel = re.fullmatch(r"ah-tk-\d{8}-(\d+)(?:-.*)?", identifier)
                vraag = re.fullmatch(r"kv-tk-(\d{4}Z\d+)", identifier)
                publication = _Publication(
                    identifier=identifier,
                    prefix=prefix,
                    folder=folder or digits,
                    publicatienaam=_PUBLICATION_NAMES.get(prefix),
                    title=None,
                    vergaderjaar=f"{digits[:4]}-{digits[4:]}" if prefix == "ah-tk" and len(digits) == 8 else None,
                    vraagnummer=vraag.group(1) if vraag else None,
                    aanhangselnummer=aanhangsel.group(1) if aanhangsel else None,
                    available=self._clock().astimezone(AMSTERDAM).date(),
                )
                self._publications[identifier] = publication
            elif folder is not None:
                publication.folder = folder
            for name, value in (
                ("title", title), ("publicatienaam", publicatienaam), ("vergaderjaar", vergaderjaar),
                ("vraagnummer", vraagnummer), ("available", available),
            ):
                if value is not None:
                    setattr(publication, name, value)
            publication.files[manifestation] = (
                _file_name(identifier, manifestation),
                data,
                content_type or _MANIFESTATION_TYPES.get(manifestation, "application/octet-stream"),
            )
            return self.base_url + self._frbr_path(publication, manifestation)

    def remove_publication(self, identifier: str) -> None:
        """Drop every manifestation: SRU no longer finds it and its files answer 404."""
        with self._cond:
            self._publications.pop(identifier, None)

    @staticmethod
    def _frbr_path(publication: _Publication, manifestation: str) -> str:
        name = publication.files[manifestation][0]
        return (
            f"/frbr/officielepublicaties/{publication.prefix}/{publication.folder}/"
            f"{publication.identifier}/1/{manifestation}/{name}"
        )

    # -- observation -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request in arrival order; ``path`` carries ``?query`` (as sent) when there was one."""
        with self._cond:
            return list(self._requests)

    def page_requests(self) -> list[PageRequest]:
        """The requests an enabled OData endpoint (Document or a member set) received; a disabled v4's 404s are not pages.

        fail_page, truncate_page and hang_page count these.
        """
        with self._cond:
            return list(self._page_requests)

    def reset_requests(self) -> None:
        with self._cond:
            self._requests.clear()

    def wait_for_requests(
        self,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[RecordedRequest]:
        """Block until ``count`` requests matching ``predicate`` (all, if None) arrived; woken per request."""
        def matching() -> list[RecordedRequest]:
            return [r for r in self._requests if predicate is None or predicate(r)]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise AssertionError(
                    f"{len(matching())} matching request(s), not {count}, within {timeout}s; "
                    f"all requests: {[r.path for r in self._requests]!r}"
                )
            return matching()

    def wait_for_page_requests(self, count: int, timeout: float = 30.0) -> list[PageRequest]:
        """Block until the OData endpoints (Document and member sets) received ``count`` page requests in all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._page_requests) >= count, timeout=timeout):
                raise AssertionError(
                    f"{len(self._page_requests)} page request(s), not {count}, within {timeout}s: "
                    f"{[r.path for r in self._page_requests]!r}"
                )
            return list(self._page_requests)

    # -- serving -----------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        path = request.path
        query = request.query_string.decode("latin-1")
        api: Literal["v4", "v5"] | None = "v4" if path == V4_PATH else "v5" if path == V5_PATH else None
        member_set: str | None = None
        if api is None:
            for version, root in (("v4", _MEMBER_ROOTS["v4"]), ("v5", _MEMBER_ROOTS["v5"])):
                if path.startswith(root) and path[len(root):] in MEMBER_SETS:
                    api, member_set = ("v4" if version == "v4" else "v5"), path[len(root):]
        served_page = api == "v5" or (api == "v4" and self.v4_enabled)
        faults: list[_Fault] = []
        with self._cond:
            self._requests.append(
                RecordedRequest(request.method, f"{path}?{query}" if query else path, dict(request.headers))
            )
            if served_page and api is not None:
                params = dict(parse_qsl(query, keep_blank_values=True))
                self._page_requests.append(
                    PageRequest(request.method, f"{path}?{query}" if query else path, api, params)
                )
                faults = self._faults.pop(len(self._page_requests), [])
            self._cond.notify_all()

        if api is not None:
            if not served_page:
                return self._not_found()
            return self._serve_page(request, api, faults, member_set)
        if path == "/robots.txt":
            return Response(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
        if path == SRU_PATH:
            return self._serve_sru(request)
        if path.startswith("/frbr/"):
            return self._serve_frbr(request)
        return self._not_found()

    @staticmethod
    def _not_found() -> Response:
        return Response(b"404 Not Found\n", status=404, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _odata_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps({"error": {"code": "", "message": message}}, ensure_ascii=False)
        return Response(body, status=status, headers=headers or {}, content_type=ODATA_CONTENT_TYPE)

    def _serve_page(
        self, request: Request, api: Literal["v4", "v5"], faults: list[_Fault], member_set: str | None = None
    ) -> Response:
        for fault in faults:
            if fault.kind == "hang":
                assert fault.event is not None
                # Bounded waits so that stop() can release the page even if the test never sets the event.
                while not fault.event.wait(0.05):
                    if self._released.is_set():
                        return self._odata_error(503, "The service is shutting down.")
        failure = next((f for f in faults if f.kind == "fail"), None)
        if failure is not None:
            return self._odata_error(failure.status, f"Error {failure.status} (injected by the test).", failure.headers)
        if request.method != "GET":
            return Response(b"", status=405, headers={"Allow": "GET"})
        try:
            payload = self._member_query(request, api, member_set) if member_set else self._query(request, api)
        except ODataError as err:
            return self._odata_error(err.status, err.message)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"OData-Version": "4.0"}
        truncation = next((f for f in faults if f.kind == "truncate"), None)
        if truncation is None:
            return Response(body, headers=headers, content_type=ODATA_CONTENT_TYPE)
        cut = body[: len(body) // 2]
        if truncation.mode == "body":
            return Response(cut, headers=headers, content_type=ODATA_CONTENT_TYPE)
        response = Response([cut], headers=headers, content_type=ODATA_CONTENT_TYPE)
        # werkzeug closes every connection after the response, so the client sees the body end early.
        response.headers["Content-Length"] = str(len(body))
        return response

    @staticmethod
    def _query_options(raw_query: str) -> dict[str, str]:
        """The ``$`` system query options, refused like the API refuses repeated, unknown or bad ones."""
        options: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            if not key.startswith("$"):
                continue  # custom query options are ignored, as OData prescribes
            if key in options:
                raise _invalid_query(
                    f"Query option '{key}' was specified more than once, but it must be specified at most once."
                )
            options[key] = value
        unknown = set(options) - {"$filter", "$orderby", "$expand", "$count", "$skip", "$top", "$format"}
        if unknown:
            raise _invalid_query(f"The query parameter '{sorted(unknown)[0]}' is not supported by FakeParliament.")
        if "$format" in options and options["$format"].split(";", 1)[0].strip() not in ("json", "application/json"):
            raise ODataError(f"The requested format '{options['$format']}' is not supported.", status=406)
        return options

    def _query(self, request: Request, api: Literal["v4", "v5"]) -> dict[str, Any]:
        raw_query = request.query_string.decode("latin-1")
        options = self._query_options(raw_query)
        predicate = parse_filter(options["$filter"]) if "$filter" in options else None
        order = _parse_orderby(options["$orderby"]) if "$orderby" in options else []
        expanded = _parse_expand(options["$expand"]) if "$expand" in options else {}
        count = options.get("$count")
        if count not in (None, "true", "false"):
            raise _invalid_query(f"'{count}' is not a valid count option.")
        skip = _non_negative("$skip", options["$skip"]) if "$skip" in options else 0
        top = _non_negative("$top", options["$top"]) if "$top" in options else None

        with self._cond:
            entries = [(e.value, e.raw, e.always_match) for e in self._entries]
            page_size = max(1, int(self.page_size))
        matched = [
            value for value, raw, always in entries
            if (raw and always) or predicate is None or predicate(value)
        ]
        for name, descending in reversed(order):
            def key(record: Any, name: str = name) -> tuple[int, Any]:
                value = _property_value(record, name)
                return (0, 0) if value is None or value is _INVALID else (1, value)

            matched.sort(key=key, reverse=descending)

        window = matched[skip: skip + (min(top, page_size) if top is not None else page_size)]
        root = f"{self.base_url}{V4_PATH if api == 'v4' else V5_PATH}".rsplit("/", 1)[0]
        payload: dict[str, Any] = {"@odata.context": f"{root}/$metadata#Document"}
        if count == "true":
            payload["@odata.count"] = len(matched)
        payload["value"] = [self._project(record, expanded) for record in window]
        # The real API never pages a $top query (OpenDataPortaal issue #70).
        if top is None and skip + page_size < len(matched):
            payload["@odata.nextLink"] = self._next_link(request, raw_query, skip + page_size)
        return payload

    def _project(self, record: Any, expanded: dict[str, bool]) -> Any:
        if not self.strict_expand or not isinstance(record, dict):
            return record
        projected = {k: v for k, v in record.items() if k not in _EXPANDABLE or k in expanded}
        if "Zaak" in projected and not expanded.get("Zaak") and isinstance(projected["Zaak"], list):
            projected["Zaak"] = [
                {k: v for k, v in z.items() if k != "ZaakActor"} if isinstance(z, dict) else z
                for z in projected["Zaak"]
            ]
        return projected

    def _member_query(self, request: Request, api: Literal["v4", "v5"], entity_set: str) -> dict[str, Any]:
        """A page of a member set: $filter/$orderby on its own properties, $expand of its navigation (nested)."""
        raw_query = request.query_string.decode("latin-1")
        options = self._query_options(raw_query)
        properties = MEMBER_PROPERTIES[entity_set]
        entity_type, navigation = _member_type(entity_set), _member_navigation(entity_set)
        predicate = parse_filter(options["$filter"], properties, entity_type, navigation) if "$filter" in options else None
        order = _parse_orderby(options["$orderby"], properties, entity_type, navigation) if "$orderby" in options else []
        expanded = _parse_member_expand(options["$expand"], entity_set) if "$expand" in options else {}
        if options.get("$count") not in (None, "true", "false"):
            raise _invalid_query(f"'{options['$count']}' is not a valid count option.")
        skip = _non_negative("$skip", options["$skip"]) if "$skip" in options else 0
        top = _non_negative("$top", options["$top"]) if "$top" in options else None
        with self._cond:
            snapshot = copy.deepcopy(self._members)
            page_size = max(1, int(self.page_size))
        matched = [r for r in snapshot[entity_set] if predicate is None or predicate(r)]
        for name, descending in reversed(order):
            def key(record: Any, name: str = name) -> tuple[int, Any]:
                value = _property_value(record, name, properties)
                return (0, 0) if value is None or value is _INVALID else (1, value)

            matched.sort(key=key, reverse=descending)
        window = matched[skip: skip + (min(top, page_size) if top is not None else page_size)]
        payload: dict[str, Any] = {"@odata.context": f"{self.base_url}{_MEMBER_ROOTS[api]}$metadata#{entity_set}"}
        if options.get("$count") == "true":
            payload["@odata.count"] = len(matched)
        payload["value"] = [_expand_member(record, entity_set, expanded, snapshot) for record in window]
        if top is None and skip + page_size < len(matched):
            payload["@odata.nextLink"] = self._next_link(request, raw_query, skip + page_size)
        return payload

    def _next_link(self, request: Request, raw_query: str, skip: int) -> str:
        """The same URL with ``$skip`` set, the other options kept exactly as the client encoded them."""
        parts: list[str] = []
        replaced = False
        for part in raw_query.split("&"):
            if not part:
                continue
            if unquote_plus(part.split("=", 1)[0]) == "$skip":
                if not replaced:
                    parts.append(f"$skip={skip}")
                    replaced = True
                continue
            parts.append(part)
        if not replaced:
            parts.append(f"$skip={skip}")
        return f"{self.base_url}{request.path}?{'&'.join(parts)}"

    # -- SRU and FRBR ------------------------------------------------------------------------

    def _serve_sru(self, request: Request) -> Response:
        version = request.args.get("version", "2.0")
        namespace, diagnostic_ns = SRU_NAMESPACES.get(version, SRU_NAMESPACES["2.0"])
        try:
            if version not in SRU_NAMESPACES:
                raise _SruDiagnostic(5, "Unsupported version", version)
            operation = request.args.get("operation", "searchRetrieve")
            if operation != "searchRetrieve":
                raise _SruDiagnostic(4, "Unsupported operation", operation)
            query = request.args.get("query")
            if query is None:
                raise _SruDiagnostic(7, "Mandatory parameter not supplied", "query")
            start = self._sru_int(request, "startRecord", 1, minimum=1)
            maximum = self._sru_int(request, "maximumRecords", 10, minimum=0)
            matcher = _CqlParser(query).parse()
            with self._cond:
                publications = list(self._publications.values())
                hits = [p for p in publications if matcher(p)]
                records = [self._sru_record(p, start + i) for i, p in enumerate(hits[start - 1: start - 1 + maximum])]
        except _SruDiagnostic as diag:
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<sru:searchRetrieveResponse xmlns:sru="{namespace}">'
                f"<sru:version>{escape(version if version in SRU_NAMESPACES else '2.0')}</sru:version>"
                f"<sru:numberOfRecords>0</sru:numberOfRecords>"
                f'<sru:diagnostics><diag:diagnostic xmlns:diag="{diagnostic_ns}">'
                f"<diag:uri>{diag.uri}</diag:uri><diag:details>{escape(diag.details)}</diag:details>"
                f"<diag:message>{escape(diag.message)}</diag:message></diag:diagnostic></sru:diagnostics>"
                f"</sru:searchRetrieveResponse>"
            )
            return Response(body.encode("utf-8"), content_type=SRU_CONTENT_TYPE)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<sru:searchRetrieveResponse xmlns:sru="{namespace}">',
            f"<sru:version>{version}</sru:version>",
            f"<sru:numberOfRecords>{len(hits)}</sru:numberOfRecords>",
        ]
        if records:
            parts.append("<sru:records>" + "".join(records) + "</sru:records>")
        if maximum and start - 1 + maximum < len(hits):
            parts.append(f"<sru:nextRecordPosition>{start + maximum}</sru:nextRecordPosition>")
        parts.append("</sru:searchRetrieveResponse>")
        return Response("".join(parts).encode("utf-8"), content_type=SRU_CONTENT_TYPE)

    @staticmethod
    def _sru_int(request: Request, name: str, default: int, minimum: int) -> int:
        raw = request.args.get(name)
        if raw is None:
            return default
        if not re.fullmatch(r"\d+", raw) or int(raw) < minimum:
            raise _SruDiagnostic(6, "Unsupported parameter value", name)
        return int(raw)

    def _sru_record(self, publication: _Publication, position: int) -> str:
        base = self.base_url
        urls = {m: base + self._frbr_path(publication, m) for m in sorted(publication.files)}
        main = urls.get("xml") or next(iter(urls.values()))
        name = publication.publicatienaam
        tpmeta = [
            "<c:product-area>officielepublicaties</c:product-area>",
            f"<c:content-area>officielepublicaties/{escape(publication.prefix)}/{escape(publication.folder)}"
            "</c:content-area>",
        ]
        for element, value in (
            ("publicatienaam", name),
            ("vergaderjaar", publication.vergaderjaar),
            ("aanhangselnummer", publication.aanhangselnummer),
            ("vraagnummer", publication.vraagnummer),
        ):
            if value is not None:
                tpmeta.append(f"<overheidwetgeving:{element}>{escape(value)}</overheidwetgeving:{element}>")
        available = publication.available.isoformat()
        kern = [
            f"<dcterms:identifier>{escape(publication.identifier)}</dcterms:identifier>",
            f"<dcterms:title>{escape(publication.shown_title)}</dcterms:title>",
            "<dcterms:language>nl</dcterms:language>",
        ]
        if name is not None:
            kern.append(f'<dcterms:type scheme="OVERHEIDop.Publicatietype">{escape(name)}</dcterms:type>')
        kern += [
            '<dcterms:creator scheme="overheid:StaatsOrgaan">Tweede Kamer der Staten-Generaal</dcterms:creator>',
            f"<dcterms:modified>{available}</dcterms:modified>",
        ]
        items = "".join(
            f"<gzd:itemUrl manifestation={quoteattr(m)}>{escape(u)}</gzd:itemUrl>" for m, u in urls.items()
        )
        return (
            "<sru:record>"
            "<sru:recordSchema>http://standaarden.overheid.nl/sru/</sru:recordSchema>"
            "<sru:recordPacking>xml</sru:recordPacking>"
            f"<sru:recordData><gzd:gzd {_GZD_NAMESPACES}><gzd:originalData><overheidwetgeving:meta>"
            f"<overheidwetgeving:owmskern>{''.join(kern)}</overheidwetgeving:owmskern>"
            f"<overheidwetgeving:owmsmantel><dcterms:available>{available}</dcterms:available>"
            f"<dcterms:date>{available}</dcterms:date></overheidwetgeving:owmsmantel>"
            f"<overheidwetgeving:tpmeta>{''.join(tpmeta)}</overheidwetgeving:tpmeta>"
            "</overheidwetgeving:meta></gzd:originalData>"
            f"<gzd:enrichedData><gzd:url>{escape(main)}</gzd:url>"
            # The real preferredUrl is on zoek.officielebekendmakingen.nl; here it 404s, use itemUrl.
            f"<gzd:preferredUrl>{escape(base)}/{escape(publication.identifier)}.html</gzd:preferredUrl>"
            f"{items}<gzd:timestamp>{available}T09:00:00+01:00</gzd:timestamp></gzd:enrichedData>"
            "</gzd:gzd></sru:recordData>"
            f"<sru:recordPosition>{position}</sru:recordPosition>"
            "</sru:record>"
        )

    def _serve_frbr(self, request: Request) -> Response:
        match = _FRBR.fullmatch(request.path)
        if match is None:
            return self._not_found()
        with self._cond:
            publication = self._publications.get(match.group("identifier"))
            stored = publication.files.get(match.group("manifestation")) if publication else None
            if (
                publication is None
                or stored is None
                or match.group("prefix") != publication.prefix
                or match.group("folder") != publication.folder
                or match.group("file") != stored[0]
            ):
                return self._not_found()
        if request.method not in ("GET", "HEAD"):
            return Response(b"", status=405, headers={"Allow": "GET, HEAD"})
        _, body, content_type = stored
        if match.group("manifestation") in _TEMPLATED_MANIFESTATIONS:
            body = body.replace(PLACEHOLDER, self.base_url.encode("ascii"))
        return Response(body, content_type=content_type)
