"""Decides cross-source links: the Kamervragen case a text cites or discusses, and the AP sanction it covers.

Reasons and their confidence:

- ``case-number`` (0.95): the text cites the case number ("2024Z16676");
- ``document-number`` (0.9): it cites the number of one of the case's documents ("2024D48672");
- ``member-and-subject`` (0.45–0.8): it names a submitting MP ("Kamerlid Bakker", "Bakker (SP)", or a
  gazetteer person with that surname) within ``MEMBER_WINDOW`` of the submission, and shares at least
  two of the case subject's content words (and at least 40 % of them); more shared words and the word
  "Kamervragen" raise the confidence. Naming the MP alone is never enough;
- ``linked-from`` (1.0): an AP decision and the press release that links it;
- ``covers-sanction`` (0.6–0.9): a text names the amount of an AP fine or penalty payment and the AP or
  the organisation sanctioned, within ``SANCTION_WINDOW`` of the AP publication.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta

from pipeline.folding import fold, words
from pipeline.stemming import root
from pipeline.tokens import tokenize

CASE_NUMBER, DOCUMENT_NUMBER, MEMBER_AND_SUBJECT = "case-number", "document-number", "member-and-subject"
LINKED_FROM, COVERS_SANCTION = "linked-from", "covers-sanction"
CONFIDENCE = {CASE_NUMBER: 0.95, DOCUMENT_NUMBER: 0.9, LINKED_FROM: 1.0}

MEMBER_WINDOW = timedelta(days=14)
SANCTION_WINDOW = timedelta(days=30)
AP_ENTITY = "autoriteit-persoonsgegevens"

# How close (in words) a party name or "Kamerlid" must stand to a surname for the text to name that MP.
_MEMBER_CONTEXT = 4
_MEMBER_WORDS = {"kamerlid", "kamerleden", "fractievoorzitter", "fractieleider", "tweede", "kamer"}
# Words of case subjects that say nothing about what the case is about.
_GENERIC = {
    "bericht", "berichten", "artikel", "vraag", "vragen", "kamervragen", "over", "gebruik", "gebruikt", "gebruiken",
    "gebruikte", "inzet", "inzetten", "ingezet", "nederland",
    "nederlandse", "kabinet", "minister", "ministerie", "staatssecretaris", "overheid", "stand", "zaken", "zaak",
    "mogelijk", "mogelijke", "rond", "omtrent", "naar", "aanleiding", "onder", "andere", "tegen", "tussen",
    "door", "voor", "zijn", "wordt", "worden", "heeft", "hebben", "niet", "geen", "meer", "veel", "deze", "dit",
    "die", "dat", "een", "het", "van", "met", "bij", "uit", "aan", "wat", "wel", "nog", "ook", "als", "dan",
}
_KAMERVRAGEN = re.compile(r"\bkamervragen\b|\bvragen (?:gesteld|stellen|aan de minister)", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Z]\.)+$|^[A-Z]$")


@dataclass(frozen=True)
class Verdict:
    reason: str
    confidence: float
    evidence: str


def cited_numbers(entities: Iterable[str]) -> tuple[set[str], set[str]]:
    """Case numbers ("2024Z16676") and document numbers ("2024D48672") among a document's entity mentions."""
    cases, documents = set(), set()
    for entity in entities:
        kind, _, number = entity.partition(":")
        if kind == "case":
            cases.add(number)
        elif kind == "document":
            documents.add(number)
    return cases, documents


def surname(actor_name: str) -> str | None:
    """The folded surname of an MP as the Tweede Kamer names them: "Q.M. Rajkowski", "Nobel, J.N.J.", "van Weel"."""
    name = actor_name.split(",", 1)[0] if "," in actor_name else actor_name
    kept = [w for w in name.split() if not _INITIALS.match(w)]
    folded = " ".join(words(" ".join(kept)))
    return folded or None


def names_member(text: str, member_surname: str, party: str | None, persons: Iterable[str] = ()) -> str | None:
    """How ``text`` names the MP with this surname, or None.

    A gazetteer person whose name ends in the surname counts (``persons``: names of the person entities
    found in the text). Otherwise the surname must be written with a capital and stand within a few words
    of "Kamerlid" or the MP's party: "Kamerlid Bakker", "SP-Kamerlid Bakker", "Bakker (SP)". A common word
    that is also a surname ("bakker", "de vries") is not enough on its own.
    """
    target = member_surname.split()
    for person in persons:
        folded = fold(person).split()
        if folded[-len(target):] == target:
            return person
    tokens = tokenize([("text", text)])
    party_words = set(words(party or "")) - {"en"}
    n = len(target)
    for i in range(len(tokens) - n + 1):
        if [t.folded for t in tokens[i : i + n]] != target or not tokens[i + n - 1].original[:1].isupper():
            continue
        around = tokens[max(0, i - _MEMBER_CONTEXT) : i] + tokens[i + n : i + n + _MEMBER_CONTEXT]
        for token in around:
            if token.folded in _MEMBER_WORDS or token.folded.endswith("kamerlid") or (party_words and token.folded in party_words):
                first, last = min(tokens[i].start, token.start), max(tokens[i + n - 1].end, token.end)
                return " ".join(text[first:last].split())
    return None


def subject_words(subject: str) -> dict[str, str]:
    """The case subject's content words by word family (pipeline.stemming.root): {"gezichtsherkenn": "gezichtsherkenning"}."""
    return {root(w): w for w in words(subject) if len(w) >= 4 and w not in _GENERIC and not w.isdigit()}


def subject_overlap(subject: str, text: str) -> tuple[list[str], float]:
    """The subject's content words whose family occurs in the text, and their share of the subject's."""
    wanted = subject_words(subject)
    if not wanted:
        return [], 0.0
    present = {root(w) for w in words(text)}
    shared = sorted(word for family, word in wanted.items() if family in present)
    return shared, len(shared) / len(wanted)


def member_and_subject(
    text: str, subject: str, members: Collection[tuple[str, str | None]], persons: Iterable[str], days_apart: float,
) -> Verdict | None:
    """The link of a text to a case it does not cite by number: a submitter named and the subject shared, close in time.

    ``members``: the case's submitters as (name as the Tweede Kamer gives it, party); ``days_apart``: between
    the text and the case's submission.
    """
    if abs(days_apart) > MEMBER_WINDOW.days:
        return None
    persons = list(persons)
    named = None
    for name, party in members:
        folded = surname(name)
        if folded and (named := names_member(text, folded, party, persons)):
            break
    if named is None:
        return None
    shared, share = subject_overlap(subject, text)
    if len(shared) < 2 or share < 0.4:
        return None
    confidence = 0.45 + 0.25 * share + (0.1 if _KAMERVRAGEN.search(text) else 0.0)
    evidence = f"names {named}; subject words {', '.join(shared)}; {abs(days_apart):.0f} days from submission"
    return Verdict(MEMBER_AND_SUBJECT, round(min(confidence, 0.8), 2), evidence)


def covers_sanction(
    amounts: Collection[int], entities: Collection[str], text: str, fine: int | None, penalty_max: int | None,
    organisation: str | None, days_apart: float,
) -> Verdict | None:
    """The link of a text to an AP release or decision whose sanction it reports (see the module docstring).

    ``amounts``: the euro amounts the text names; ``entities``: its entity ids.
    """
    if abs(days_apart) > SANCTION_WINDOW.days:
        return None
    named = [a for a in (fine, penalty_max) if a is not None and a in amounts]
    if not named:
        return None
    by_ap = AP_ENTITY in entities
    by_name = bool(organisation) and _names_organisation(text, organisation or "")
    if not (by_ap or by_name):
        return None
    confidence = 0.6 + (0.15 if by_ap and by_name else 0.0) + (0.15 if len(named) == 2 else 0.0)
    who = " and ".join(p for p, ok in (("the AP", by_ap), (organisation or "", by_name)) if ok)
    evidence = f"names € {', '.join(f'{a:,}'.replace(',', '.') for a in named)} and {who}; {abs(days_apart):.0f} days apart"
    return Verdict(COVERS_SANCTION, round(confidence, 2), evidence)


_LEGAL_FORMS = {"bv", "b", "v", "nv", "n", "vof", "holding", "groep", "group", "inc", "ltd", "llc"}


def _names_organisation(text: str, organisation: str) -> bool:
    """Whether the text names the organisation, legal form left out ("Zorgketen Mediwaard B.V." -> "mediwaard")."""
    name = [w for w in words(organisation) if w not in _LEGAL_FORMS]
    if not name:
        return False
    haystack = f" {' '.join(words(text))} "
    # The full name, or one of its longer words: outlets write "Mediwaard", not "Zorgketen Mediwaard B.V.".
    return f" {' '.join(name)} " in haystack or any(f" {w} " in haystack for w in name if len(w) >= 5)
