"""The gazetteer's MPs and parties, refreshed from the Tweede Kamer open-data API (`waakhond gazetteer refresh`).

Two OData queries on the kamervragen source's endpoint: the current parties (``Fractie`` with no
``DatumInactief``) and the current seats (``FractieZetelPersoon`` with no ``TotEnMet``, expanded to
their ``Persoon`` and ``FractieZetel``/``Fractie``), each followed through ``@odata.nextLink``. The
result is a gazetteer file of ``[[entity]]`` tables that the config names in ``gazetteer_files``:

- one party per Fractie, under the built-in party's id when there is one ("GL-PvdA" is
  ``groenlinks-pvda``), so it replaces the built-in entry; its curated aliases, ambiguous aliases
  and context words are kept and the Kamer's own names added;
- one person per MP, id ``tk-<slug of the name>``, or the built-in person's id when the gazetteer
  already knows the MP by that name (its curated aliases, context and note are kept; role and party
  are the Kamer's). Aliases: the name, "Kamerlid <surname>", and the bare surname unless it is a
  common Dutch word, shared by two MPs or already an alias of another entity.

The file is checked with pipeline.gazetteer before it replaces the old one, atomically; nothing is
written when anything fails.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import tempfile
import tomllib
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from crawlers.settings import USER_AGENT
from crawlers.tweede_kamer_api import parse_datetime, version_for_url
from pipeline.folding import fold
from pipeline.gazetteer import builtin_text, parse_gazetteer
from waakhond.config import Config, Source
from waakhond.errors import ConfigError, WaakhondError

DEFAULT_FILE_NAME = "tweede-kamer-gazetteer.toml"
TIMEOUT = 30.0  # seconds per request
MAX_PAGES = 50  # per query; the Kamer has 150 seats and the API pages by 250
MAX_PAGE_BYTES = 20 * 1024 * 1024
# Characters left readable in query values, as in crawlers.tweede_kamer_api.
_QUERY_SAFE = "(),'=$"

# The API's entity-set and field names per version. v5 renamed "some attributes" without publishing a
# list (OpenDataPortaal issue #175); these are the v4/2.0 names, as crawlers.tweede_kamer_api assumes
# for Document. A rename found on /OData/v5/$metadata is one line here.
_V4_NAMES = {
    "parties": "Fractie",
    "seats_held": "FractieZetelPersoon",
    "id": "Id",
    "deleted": "Verwijderd",
    "short_name": "Afkorting",
    "name": "NaamNL",
    "seats": "AantalZetels",
    "inactive_since": "DatumInactief",
    "until": "TotEnMet",
    "since": "Van",
    "function": "Functie",
    "person": "Persoon",
    "seat": "FractieZetel",
    "party": "Fractie",
    "number": "Nummer",
    "first_name": "Roepnaam",
    "given_names": "Voornamen",
    "initials": "Initialen",
    "prefix": "Tussenvoegsel",
    "surname": "Achternaam",
}
_NAMES: dict[str, Mapping[str, str]] = {"v4": _V4_NAMES, "v5": dict(_V4_NAMES)}

# Surnames that are also ordinary Dutch words (or, with their prefix, ordinary phrases): never a bare
# alias, or "de boer" in a text about farming would be an MP. The MP is still found by full name and
# by "Kamerlid <surname>". Folded; a short list on purpose, not a dictionary.
COMMON_SURNAMES = frozenset(
    """
    baas bakker beek beer berg bevers bloem boer bos brink brouwer brug ceder dal dam dassen dekker dijk
    duin groot haan haas hamer heer herder hoek hout jager kamp keizer kerk klein knecht kok koning kort
    koster krul kuiken lang lange meer molen molenaar mulder paus plas pool poort post prins rijk roos
    schilder schipper slager smit sneller staal steen stoffer storm timmer toren veen veld visser vos
    wal water winter wit wolf zee zomer zwart
    """.split()
)
COMMON_SURNAME_PHRASES = frozenset(
    {
        "de boer", "de bakker", "de beer", "de bruin", "de graaf", "de groot", "de haan", "de heer",
        "de hoop", "de jager", "de jonge", "de kok", "de koning", "de lange", "de leeuw", "de man",
        "de mol", "de rijk", "de ruiter", "de smit", "de vos", "de waal", "de wit", "de wolf", "de zwart",
        "van dam", "van de kamp", "ter horst",
    }
)  # fmt: skip
# Near an ambiguous party alias of a party the gazetteer did not know, these confirm the party.
PARTY_CONTEXT = ("partij", "fractie", "kamerlid", "kamerleden", "tweede kamer", "motie", "stemde", "verkiezingen")
_SLUG_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "ð": "d", "þ": "th"})


class RefreshError(WaakhondError):
    """The refresh could not be done; the message is one line and nothing was written."""


@dataclass(frozen=True)
class Party:
    key: str  # the API's Fractie Id
    short_name: str | None
    name: str | None
    seats: int | None

    @property
    def shown(self) -> str:
        return self.name or self.short_name or self.key


@dataclass(frozen=True)
class Member:
    key: str  # the API's Persoon Id
    number: int | None
    first_name: str
    prefix: str | None
    surname: str
    party: str | None  # a Party.key
    function: str | None
    since: datetime | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.prefix, self.surname) if p)

    @property
    def surname_phrase(self) -> str:
        """The surname as written on its own: "Van der Plas", "Jetten"."""
        if not self.prefix:
            return self.surname
        return f"{self.prefix[:1].upper()}{self.prefix[1:]} {self.surname}"


@dataclass(frozen=True)
class Roster:
    parties: tuple[Party, ...]
    members: tuple[Member, ...]
    skipped: tuple[str, ...] = ()  # why records were left out, one line each


@dataclass(frozen=True)
class RefreshReport:
    path: Path
    parties: int
    members: int
    warnings: tuple[str, ...] = field(default=())


# -- the API -----------------------------------------------------------------------------------


def _url(base_url: str, entity_set: str, query: Mapping[str, str]) -> str:
    encoded = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}" for key, value in query.items())
    return f"{base_url.rstrip('/')}/{entity_set}?{encoded}"


def parties_url(base_url: str) -> str:
    """The current parties: not deleted, no DatumInactief. No $top: it would suppress @odata.nextLink."""
    n = _NAMES[version_for_url(base_url).name]
    return _url(base_url, n["parties"], {"$filter": f"{n['deleted']} eq false and {n['inactive_since']} eq null"})


def members_url(base_url: str) -> str:
    """The seats held now (no TotEnMet), with their person and their seat's party."""
    n = _NAMES[version_for_url(base_url).name]
    return _url(
        base_url,
        n["seats_held"],
        {
            "$filter": f"{n['deleted']} eq false and {n['until']} eq null",
            "$expand": f"{n['person']},{n['seat']}($expand={n['party']})",
        },
    )


def _shown(url: str) -> str:
    """A URL without its query, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _get(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    shown = _shown(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "")
            declared_size = int(declared) if declared.isdigit() else None
            if declared_size is not None and declared_size > MAX_PAGE_BYTES:
                raise RefreshError(f"{shown}: a page larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB")
            chunks, size = [], 0
            while size <= MAX_PAGE_BYTES and (chunk := response.read(64 * 1024)):
                chunks.append(chunk)
                size += len(chunk)
            body = b"".join(chunks)
            if declared_size is not None and size < declared_size:
                raise RefreshError(f"{shown}: the connection closed mid-response ({size} of {declared_size} bytes)")
    except urllib.error.HTTPError as exc:
        detail = _error_detail(exc)
        raise RefreshError(f"{shown}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, str) else (getattr(exc.reason, "strerror", None) or exc.reason)
        raise RefreshError(f"cannot reach {shown}: {_one_line(str(reason))}") from None
    except TimeoutError:
        raise RefreshError(f"{shown}: no answer within {timeout:g} s") from None
    except http.client.IncompleteRead as exc:
        raise RefreshError(f"{shown}: the connection closed mid-response ({len(exc.partial)} bytes read)") from None
    except (http.client.HTTPException, OSError) as exc:
        raise RefreshError(f"{shown}: {_one_line(str(exc) or type(exc).__name__)}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise RefreshError(f"{shown}: a page larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB")
    return body


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The OData error message of an HTTP error response, if it has one."""
    try:
        data = json.loads(exc.read(64 * 1024))
    except (ValueError, OSError, http.client.HTTPException):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return _one_line(message) if isinstance(message, str) else ""


def _page(body: bytes, url: str) -> dict[str, Any]:
    shown = _shown(url)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RefreshError(f"{shown}: the response is not JSON ({_one_line(str(exc), 80)})") from None
    if not isinstance(data, dict):
        raise RefreshError(f"{shown}: the response is not a JSON object")
    if "error" in data:
        error = data["error"] if isinstance(data["error"], dict) else {}
        raise RefreshError(f"{shown}: OData error: {_one_line(str(error.get('message', data['error'])))}")
    if not isinstance(data.get("value"), list):
        raise RefreshError(f"{shown}: the response has no 'value' array")
    return data


def fetch_all(url: str, timeout: float = TIMEOUT) -> list[Any]:
    """Every record of a query, page after page through ``@odata.nextLink``."""
    records: list[Any] = []
    seen = {url}
    for _ in range(MAX_PAGES):
        data = _page(_get(url, timeout), url)
        records.extend(data["value"])
        link = data.get("@odata.nextLink")
        if link is None:
            return records
        following = urljoin(url, link) if isinstance(link, str) and link.strip() else ""
        if urlsplit(following).scheme not in ("http", "https"):
            raise RefreshError(f"{_shown(url)}: unusable @odata.nextLink {_one_line(repr(link), 80)}")
        if following in seen:
            raise RefreshError(f"{_shown(url)}: @odata.nextLink leads back to a page already read")
        seen.add(following)
        url = following
    raise RefreshError(f"{_shown(url)}: more than {MAX_PAGES} pages; is the filter ignored?")


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return " ".join(clean(value).split()) or None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _party(raw: Any, n: Mapping[str, str]) -> Party | None:
    if not isinstance(raw, dict) or raw.get(n["deleted"]) is True:
        return None
    key = _text(raw.get(n["id"]))
    short_name, name = _text(raw.get(n["short_name"])), _text(raw.get(n["name"]))
    if key is None or (short_name is None and name is None):
        return None
    return Party(key.lower(), short_name, name, _int(raw.get(n["seats"])))


def parse_roster(party_records: Iterable[Any], seat_records: Iterable[Any], version: str, now: datetime) -> Roster:
    """Parties and MPs from the two queries' records; unusable records are left out with a reason."""
    n = _NAMES[version]
    skipped: list[str] = []
    parties: dict[str, Party] = {}
    for raw in party_records:
        party = _party(raw, n)
        if party is None:
            skipped.append(f"a {n['parties']} record without Id or name, or deleted")
        elif raw.get(n["inactive_since"]) is None:  # the server's filter, checked again
            parties.setdefault(party.key, party)
    members: dict[str, Member] = {}
    for raw in seat_records:
        if not isinstance(raw, dict) or raw.get(n["deleted"]) is True or raw.get(n["until"]) is not None:
            continue
        person = raw.get(n["person"])
        if not isinstance(person, dict) or person.get(n["deleted"]) is True:
            skipped.append(f"{n['seats_held']} {_text(raw.get(n['id']))}: no {n['person']}")
            continue
        key = _text(person.get(n["id"]))
        surname = _text(person.get(n["surname"]))
        given = _text(person.get(n["given_names"]))
        first = _text(person.get(n["first_name"])) or (given.split()[0] if given else None)
        first = first or _text(person.get(n["initials"]))
        if key is None or surname is None or first is None:
            skipped.append(f"{n['person']} {key}: no name")
            continue
        since = parse_datetime(raw.get(n["since"]))
        if since is not None and since > now:
            skipped.append(f"{first} {surname}: seat starts {since.date().isoformat()}")
            continue
        seat = raw.get(n["seat"])
        party = _party(seat.get(n["party"]), n) if isinstance(seat, dict) and seat.get(n["deleted"]) is not True else None
        if party is None:
            skipped.append(f"{first} {surname}: seat without a party; written without one")
        else:
            parties.setdefault(party.key, party)  # a current seat makes its party current
        member = Member(
            key=key.lower(),
            number=_int(person.get(n["number"])),
            first_name=first,
            prefix=_text(person.get(n["prefix"])),
            surname=surname,
            party=party.key if party else None,
            function=_text(raw.get(n["function"])),
            since=since,
        )
        if member.key in members:
            continue  # two open seats of one person (a data error): the first counts
        members[member.key] = member
    return Roster(tuple(parties.values()), tuple(members.values()), tuple(skipped))


def fetch_roster(base_url: str, *, timeout: float = TIMEOUT, now: datetime | None = None) -> Roster:
    version = version_for_url(base_url).name
    parties = fetch_all(parties_url(base_url), timeout)
    seats = fetch_all(members_url(base_url), timeout)
    return parse_roster(parties, seats, version, now or datetime.now(UTC))


# -- the gazetteer file ------------------------------------------------------------------------


def clean(text: str) -> str:
    """Text without control characters and lone surrogates (which TOML strings, or UTF-8, cannot hold)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t\n")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by '-': "Sophie in 't Veld" -> "sophie-in-t-veld"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).translate(_SLUG_EXTRA)).strip("-")


def _entity_id(base: str, taken: set[str], prefix: str = "") -> str:
    base = (prefix + base)[:60].rstrip("-") or (prefix.rstrip("-") or "x")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = " ".join(clean(value).split())
        if value and value not in seen:
            seen.append(value)
    return seen


def _builtin_tables() -> list[dict[str, Any]]:
    return [t for t in tomllib.loads(builtin_text()).get("entity", []) if isinstance(t, dict)]


def _folded_aliases(table: Mapping[str, Any]) -> set[str]:
    return {fold(a) for a in [table.get("name", ""), *table.get("aliases", [])] if isinstance(a, str)}


def build_tables(
    roster: Roster, builtin: Sequence[Mapping[str, Any]], *, source: str, day: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The party tables and person tables of the file."""
    taken = {str(t["id"]) for t in builtin if t.get("type") != "party"}
    builtin_parties = [t for t in builtin if t.get("type") == "party"]
    party_tables: dict[str, dict[str, Any]] = {}  # Party.key -> table
    claimed: set[str] = set()
    # Aliases other entities already have: a party the gazetteer did not know does not take them over.
    others = {a for t in builtin if t.get("type") != "party" for a in _folded_aliases(t)}
    # Bigger parties choose first, so "GL-PvdA" and not a splinter gets the built-in GroenLinks-PvdA.
    for party in sorted(roster.parties, key=lambda p: (-(p.seats or 0), p.shown)):
        names = {fold(x) for x in (party.short_name, party.name) if x}
        own = slug(party.short_name or party.name or "") or "fractie"
        candidates = (
            [t for t in builtin_parties if t["id"] == own]
            + [t for t in builtin_parties if fold(str(t.get("name", ""))) in names]
            + [t for t in builtin_parties if names & _folded_aliases(t)]
        )
        match = next((t for t in candidates if t["id"] not in claimed), None)
        if match is not None:
            claimed.add(str(match["id"]))
            taken.add(str(match["id"]))
        party_tables[party.key] = _party_table(party, match, taken, others, source, day)

    parties_by_key = {p.key: p for p in roster.parties}
    builtin_people = [t for t in builtin if t.get("type") == "person"]
    reserved: dict[str, str] = {}  # folded alias -> id of the entity that has it
    for table in [*builtin, *party_tables.values()]:
        for alias in _folded_aliases(table):
            reserved.setdefault(alias, str(table["id"]))
    surnames = Counter(fold(m.surname_phrase) for m in roster.members)
    used_builtin: set[str] = set()
    person_tables = []
    for member in sorted(roster.members, key=lambda m: (fold(m.surname), fold(m.full_name), m.key)):
        match = next(
            (t for t in builtin_people if fold(member.full_name) in _folded_aliases(t) and t["id"] not in used_builtin),
            None,
        )
        if match is not None:
            used_builtin.add(str(match["id"]))
        party_table = party_tables.get(member.party) if member.party else None
        party = parties_by_key.get(member.party) if member.party else None
        person_tables.append(
            _person_table(member, match, party_table, party, surnames, reserved, taken, source, day)
        )
    return list(party_tables.values()), person_tables


def _party_table(
    party: Party, match: Mapping[str, Any] | None, taken: set[str], others: set[str], source: str, day: str
) -> dict[str, Any]:
    seats = f", {party.seats} seat{'' if party.seats == 1 else 's'}" if party.seats is not None else ""
    names = " / ".join(_unique(x for x in (party.name, party.short_name) if x))
    note = f"Tweede Kamer open data ({source}), {day}: fractie {names}{seats}."
    if match is not None:
        aliases = _unique([*match.get("aliases", []), *(x for x in (party.name, party.short_name) if x)])
        table: dict[str, Any] = {"id": match["id"], "type": "party", "name": match.get("name") or party.shown,
                                 "aliases": aliases}
        for key in ("ambiguous", "context", "not_context"):
            if match.get(key):
                table[key] = _unique(match[key])
        if match.get("note"):
            note += f" Built-in entry: {match['note']}"
        table["note"] = note
        return table
    written = _unique(x for x in (party.name, party.short_name) if x)
    aliases = [a for a in written if fold(a) not in others] or written
    table = {"id": _entity_id(slug(party.short_name or party.name or "") or "fractie", taken), "type": "party",
             "name": party.shown, "aliases": aliases}
    ambiguous = [a for a in aliases if fold(a) in COMMON_SURNAMES or fold(a) in others or len(fold(a)) <= 2]
    if ambiguous:
        table["ambiguous"] = ambiguous
        table["context"] = list(PARTY_CONTEXT)
    table["note"] = note
    return table


def _person_table(
    member: Member,
    match: Mapping[str, Any] | None,
    party_table: Mapping[str, Any] | None,
    party: Party | None,
    surnames: Counter[str],
    reserved: Mapping[str, str],
    taken: set[str],
    source: str,
    day: str,
) -> dict[str, Any]:
    surname = member.surname_phrase
    folded = fold(surname)
    unique = surnames[folded] == 1
    own_id = str(match["id"]) if match is not None else None
    aliases = [member.full_name]
    if unique and reserved.get(fold(f"Kamerlid {surname}"), own_id) == own_id:
        aliases.append(f"Kamerlid {surname}")
    bare_ok = (
        unique
        and reserved.get(folded, own_id) == own_id
        and not (member.prefix is None and (folded in COMMON_SURNAMES or len(re.sub(r"\W", "", folded)) <= 3))
        and not (member.prefix is not None and folded in COMMON_SURNAME_PHRASES)
    )
    # A curated person keeps its choice about the bare surname ("Kamerlid Sneller", never "Sneller").
    if bare_ok and match is None:
        aliases.append(surname)
    party_name = str(party_table["name"]) if party_table else None
    role = f"Tweede Kamerlid ({party_name})" if party_name else "Tweede Kamerlid"
    if member.function and fold(member.function) != "lid":
        role += f", {member.function[:1].lower()}{member.function[1:]}"
    seat = f"seat in {party_name or (party.shown if party else 'no known party')}"
    since = f" since {member.since.date().isoformat()}" if member.since else ""
    number = f", Persoon {member.number}" if member.number is not None else ""
    note = f"Tweede Kamer open data ({source}{number}), {day}: {seat}{since}."
    if match is not None:
        table: dict[str, Any] = {"id": match["id"], "type": "person", "name": match.get("name") or member.full_name,
                                 "aliases": _unique([*match.get("aliases", []), *aliases])}
        for key in ("ambiguous", "context", "not_context"):
            if match.get(key):
                table[key] = _unique(match[key])
        if match.get("role"):
            note += f" Built-in role: {match['role']}."
        if match.get("note"):
            note += f" Built-in note: {match['note']}"
    else:
        table = {"id": _entity_id(slug(member.full_name), taken, "tk-"), "type": "person",
                 "name": member.full_name, "aliases": _unique(aliases)}
    table["role"] = role
    if party_table:
        table["party"] = party_table["id"]
    table["note"] = note
    return table


def _toml_value(value: Any) -> str:
    # A JSON string is a valid TOML basic string once control characters are gone (clean()).
    if isinstance(value, str):
        return json.dumps(" ".join(clean(value).split()), ensure_ascii=False)
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def render(tables: Sequence[Mapping[str, Any]], header: Sequence[str]) -> str:
    lines = [f"# {_one_line(clean(h), 1000)}" for h in header]
    for table in tables:
        lines += ["", "[[entity]]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def gazetteer_text(roster: Roster, source: str, now: datetime) -> str:
    """The file's text, checked: it parses, and pipeline.gazetteer finds no problem in it."""
    day = now.astimezone(UTC).date().isoformat()
    parties, people = build_tables(roster, _builtin_tables(), source=_shown(source), day=day)
    header = [
        f"Tweede Kamer parties and MPs for Waakhond's gazetteer, from {_shown(source)}",
        f"written by `waakhond gazetteer refresh` on {now.astimezone(UTC).isoformat(timespec='seconds')}:"
        f" {len(parties)} parties, {len(people)} MPs.",
        "Do not edit: the next refresh replaces this file. Name it in the config's gazetteer_files;",
        "an entity here with a built-in id replaces the built-in one.",
    ]
    text = render([*parties, *people], header)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # a bug here, not in the data: refuse to write it
        raise RefreshError(f"the gazetteer made from the API's data is not valid TOML ({exc}); nothing written") from None
    _, problems = parse_gazetteer(text)
    if problems:
        first = problems[0]
        raise RefreshError(
            f"the gazetteer made from the API's data has {len(problems)} problem(s), first "
            f"{first.key}: {first.reason}; nothing written"
        )
    return text


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else None
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise RefreshError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise RefreshError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def refresh(
    base_url: str, output: Path, *, timeout: float = TIMEOUT, now: datetime | None = None
) -> RefreshReport:
    """Fetch the parties and MPs and write them to ``output`` as a gazetteer file.

    Raises:
        RefreshError: the API could not be read, or gave nothing usable; ``output`` is untouched.
    """
    now = now or datetime.now(UTC)
    roster = fetch_roster(base_url, timeout=timeout, now=now)
    if not roster.members:
        hint = f" ({len(roster.skipped)} records left out, first: {roster.skipped[0]})" if roster.skipped else ""
        raise RefreshError(f"{_shown(members_url(base_url))}: no current MPs in the answer{hint}; nothing written")
    if not roster.parties:
        raise RefreshError(f"{_shown(parties_url(base_url))}: no current parties in the answer; nothing written")
    text = gazetteer_text(roster, base_url, now)
    write_atomically(output, text)
    warnings = list(roster.skipped)
    if len(roster.members) > 150:
        warnings.append(f"{len(roster.members)} MPs, but the Tweede Kamer has 150 seats")
    return RefreshReport(output, len(roster.parties), len(roster.members), tuple(warnings))


# -- the config --------------------------------------------------------------------------------


def choose_source(sources: Sequence[Source], name: str | None) -> Source:
    """The kamervragen source named, or the only one configured."""
    candidates = [s for s in sources if s.kind == "kamervragen"]
    if name:
        found = next((s for s in sources if s.name == name), None)
        if found is None:
            known = ", ".join(s.name for s in sources) or "none"
            raise RefreshError(f"no source named {name!r} (configured: {known})")
        if found.kind != "kamervragen":
            raise RefreshError(f"{name} is a {found.kind} source, not a kamervragen source")
        return found
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise RefreshError("no kamervragen source configured: its OData URL is where the MPs are read")
    names = ", ".join(s.name for s in candidates)
    raise RefreshError(f"several kamervragen sources ({names}): give --source NAME")


def configured_sources(load: Callable[[], Config], config_path: str | None) -> tuple[Source, ...]:
    """The config's sources; also when only files named in its gazetteer_files are broken or missing.

    A refresh is how such a file is made again, so it must not need that file to start.
    """
    try:
        return load().sources
    except ConfigError as exc:
        if config_path is None:
            raise
        path = Path(config_path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            raise exc from None
        named = data.get("gazetteer_files")
        if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
            raise
        files = {_resolved(path.parent, n) for n in named}
        if not exc.problems or not all(_resolved(Path.cwd(), p.file) in files for p in exc.problems):
            raise
        from waakhond.config import _check  # the config checked as load_config checks it, minus those files

        data.pop("gazetteer_files")
        return _check(data, config_path, text, path.parent).sources


def _resolved(base: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return (path if path.is_absolute() else base / path).resolve()
