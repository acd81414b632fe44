"""Sanction facts from AP press releases and decisions: who, the fine, the maximum penalty payments, the date.

Plain rules over Dutch text, sentence by sentence (the title is a sentence of its own):

* A sentence *imposes* when it has a definite verb ("legt ... op", "heeft ... opgelegd", "beboet",
  "krijgt", "besluit", "bedraagt", "ongegrond", ...) or reads as a headline ("boete voor Kruidvat",
  "€ 600.000 boete"), and is not a question. A measure in it counts unless its clause is hypothetical
  ("kan een boete opleggen", "riskeert", "het voornemen"), it is negated ("geen boete"), it is the
  measure an "eerder"/"eerdere"/"destijds"/"ook al" points at, or the text annuls it ("vernietigt de
  boete"). A text that only mentions an earlier or an annulled sanction announces none: None.
* Each amount belongs to the nearest trigger before it in its sentence (else the nearest just after
  it): a fine word (boete, geldboete, beboet), a penalty word (dwangsom, last onder dwangsom), a
  statutory maximum ("maximale boete", "wettelijk") or another figure (omzet, winst, basisboete,
  bandbreedte, kosten). A fine amount is left out when a maximum, "tot", a modal or a share of
  turnover stands between it and its trigger, when it is earlier or annulled, or when the fine was
  reduced to another amount ("verlaagd tot" wins). Of the rest, an exact amount beats a "ruim"/"bijna"
  one and the body beats the title (titles round); then the first.
* Penalty payments: the largest maximum ("tot een maximum van", "tot maximaal", "in totaal"); an amount
  without a period is a lump sum and is its own maximum; an amount per day/week/month alone gives None.
* The organisation: the first name in a sanctioning phrase ("legt X een boete op", "heeft X ...
  opgelegd", "beboet X", "boete voor X", "aan X", "X krijgt"), imposing sentences first, written out in
  full if the text has a longer form ("Kompas" -> "Kompas B.V."). Descriptions are dropped ("het
  Amerikaanse bedrijf Clearview AI" -> "Clearview AI") except gemeente, provincie, waterschap,
  ministerie van, stichting, vereniging ("gemeente Enschede"). An unnamed one ("een huisartsenpraktijk")
  gives None.
* A text whose only sanction facts would be a measure with no named organisation, amount or date (a
  general "de AP legt boetes op aan organisaties die ...") announces no sanction: None.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pipeline.entities import MONTHS, money_value, pattern_mentions


@dataclass(frozen=True)
class SanctionFacts:
    organisation: str | None  # who was sanctioned, as the text names it
    fine_eur: int | None  # the administrative fine (boete) in whole euros
    penalty_max_eur: int | None  # the maximum total of penalty payments (last onder dwangsom) in whole euros
    decision_date: date | None  # the date of the decision (besluit), not of the press release
    measures: tuple[str, ...] = ()  # boete, last onder dwangsom, berisping, verwerkingsverbod, ...


BOETE, DWANGSOM = "boete", "last onder dwangsom"
MEASURES = (BOETE, DWANGSOM, "berisping", "verwerkingsverbod", "waarschuwing", "bevel")

_I = re.IGNORECASE

# --- measures and the other words an amount can belong to -------------------------------------------------

_MEASURE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DWANGSOM, re.compile(r"\blast(?:en)?\s+onder\s+dwangsom(?:men)?\b|\bdwangsom(?:men)?\b|\bdwangsombesluit\b", _I)),
    (BOETE, re.compile(r"\b(?:geld|miljoenen|bestuurlijke\s+)?boetes?\b|\bboetebesluit\b|\bbeboet(?:te|ten)?\b", _I)),
    ("berisping", re.compile(r"\bberisping(?:en)?\b|\bberispt(?:e)?\b", _I)),
    ("verwerkingsverbod", re.compile(
        r"\bverwerkingsverbod\b|\bverbod\s+op\s+(?:de|het)\s+verwerk\w*"
        r"|\b(?:AP|toezichthouder|Persoonsgegevens)\s+(?:verbiedt|verbood)\b", _I)),
    ("waarschuwing", re.compile(
        r"\b(?:formele\s+)?waarschuwing\b(?!\s+(?:af|uit|voor|tegen)\b|\s+aan\s+(?:consumenten|burgers|ouders|"
        r"iedereen|het\s+publiek|mensen|organisaties)\b)", _I)),
    ("bevel", re.compile(r"\bbevel\b|\b(?:AP|toezichthouder|Persoonsgegevens)\s+(?:beveelt|gelast)\b", _I)),
)  # fmt: skip
# A statutory or hypothetical maximum: amounts after it are no fine.
_STATUTORY = re.compile(
    r"\b(?:maximale|hoogst\s+mogelijke)\s+boetes?\b|\bmaximum(?:boete|bedrag)\b|\bboete(?:maximum|plafond)\b"
    r"|\bwettelijk\w*\b|\bboetes?\s+tot\b",
    _I,
)
# Other figures: turnover, profit, the base amount and the band of the fining policy, costs.
_OTHER = re.compile(
    r"\b(?:jaar|wereld)?omzet(?:ten)?\b|\bwinst\b|\bbasisboete\b|\bbandbreedte\b|\bboetecategorie\b"
    r"|\bboetebeleid\w*\b|\bschadevergoeding\w*\b|\bkosten\b|\binvestering\w*\b|\bsubsidie\w*\b|\bsalaris\w*\b"
    r"|\bbudget\w*\b|\bbegroting\w*\b|\bopbrengst\w*\b|\binkomsten\b|\bwaarde\b|\boverna(?:me|am)\b|\bvermogen\b"
    r"|\bmarktwaarde\b|\bverdien\w*\b",
    _I,
)

# --- sentence context ---------------------------------------------------------------------------------------

_DEFINITE = re.compile(
    r"\b(?:legt|legde|legden|oplegt|oplegde|opgelegd|beboet|beboette|beboetten|berispt|berispte|krijgt|kreeg|"
    r"kregen|gekregen|ontvangt|ontving|geeft|gaf|gegeven|verbiedt|verbood|besluit|besloot|besloten|bedraagt|"
    r"bedroeg|vastgesteld|betaalt|betaalde|moet|moeten|ongegrond|handhaaft|gehandhaafd|bevestigt|bevestigd|"
    r"verlaagd|verlaagt|verlaagde|gematigd|matigt|beveelt|gelast)\b",
    _I,
)
_MODAL = re.compile(
    r"\b(?:kan|kunnen|kon|konden|mag|mogen|mocht|zou|zouden|riskeer|riskeert|riskeren|dreigt|dreigen|overweegt|"
    r"overwegen|wil|willen|eventuele|eventueel|voornemen|voornemens|van\s+plan|beoogde?)\b",
    _I,
)
_NEGATION = re.compile(r"\b(?:geen|zonder|afgezien|ziet\s+(?:de\s+AP\s+)?af)\b", _I)
_EARLIER = re.compile(
    r"\beerder(?:e)?\b(?!\s+(?:deze|dit|vandaag|vanochtend|vanmiddag)\b)|\bdestijds\b|\bvoorgaande\b"
    r"|\bvorig(?:e)?\s+(?:jaar|maand|week)\b|\bin\s+het\s+verleden\b|\bal\s+eens\b|\book\s+al\b",
    _I,
)
_ANNULLED = re.compile(
    r"\bvernietig\w*|\bvan\s+tafel\b|\bongedaan\b|\bgeschrapt\b|\bschrapt\b|\bherroep\w*|\bingetrokken\b"
    r"|\btrekt\b.{0,60}\bin\b|\bhoudt\s+geen\s+stand\b",
    _I,
)
_REDUCED = re.compile(
    r"\b(?:verlaagd|verlaagt|verlaagde|gematigd|matigt|matigde|teruggebracht|verminderd|vermindert)\b.{0,40}?\b(?:tot|naar|op)\b",
    _I,
)
_APPROXIMATE = re.compile(
    r"\b(?:ruim|bijna|circa|ca\.|ongeveer|zo'n|meer\s+dan|minder\s+dan|rond|dik|krap|tegen\s+de)\s*(?:€|EUR)?\s*$", _I
)
_AGGREGATE = re.compile(r"\b(?:totaal|samen|opgeteld|bij\s+elkaar)\b", _I)
_SHARE_OF_TURNOVER = re.compile(r"\d\s*(?:%|procent)", _I)
_BETWEEN_NOT_A_FINE = re.compile(
    r"\bmaxim\w*|\btot\b|\bhooguit\b|\bten\s+hoogste\b|\boplopen\b"
    r"|\b(?:kan|kunnen|kon|konden|mag|mogen|zou|zouden|riskeert|riskeren)\b",
    _I,
)
_PER_PERIOD = re.compile(
    r"\b(?:per|voor\s+(?:elke|iedere)|elke|iedere)\s+(?:\w+\s+)?"
    r"(?:dag|dagen|week|weken|maand|maanden|werkdag|kalenderdag|overtreding|keer)\b",
    _I,
)
_PERIOD_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:" + _PER_PERIOD.pattern + ")", _I)
_MAXIMUM_BEFORE = re.compile(
    r"(?:maximum|maximaal|maximale\s+bedrag|in\s+totaal|totaal|oplopen\s+tot|hooguit|ten\s+hoogste|plafond|"
    r"\btot)(?:\s+(?:van|aan|een|maximaal|in\s+totaal|ruim|bijna|circa|ongeveer|zo'n))*\s*$",
    _I,
)
# A headline without a verb: "Boete voor Kruidvat", "€ 4,75 miljoen boete voor Netflix".
_HEADLINE = re.compile(
    r"\b(?i:boete|dwangsom|berisping|miljoenenboete|geldboete)\s+(?:(?i:van)\s+(?:[^.;?]|\.(?=\d)){0,40}?\s+)?(?i:voor|aan)\s+"
    r"(?:de\s+|het\s+)?[A-Z]",
)

_SPLIT = re.compile(r"[.!?]+[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9À-ÖØ-Þ€])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:nr|art|artt|bijv|mr|dr|drs|ir|prof|ca|jl|mln|mld|mio|Inc|Ltd|Corp|Co|St|blz|"
    r"vs|resp|zgn|incl|excl|ms|dhr|mevr)\.)$"
)
_SENTENCE_START_WORDS = (
    "De|Het|Een|Dit|Deze|Die|Dat|Ook|Volgens|In|Op|Daarnaast|Verder|Bovendien|Zo|Omdat|Hierdoor|Daarom|Wel|Niet|"
    "Nu|Toen|Na|Voor|Sinds|Tot|Bij|Als|Wie|Waar|Hoe|Wat|Met|Door|Tegen|Zij|Hij|Ze|We|Wij|Dan|Toch|Maar|En|Of"
)
_STARTS_SENTENCE = re.compile(rf"(?:{_SENTENCE_START_WORDS})\b")
_CLAUSE_SPLIT = re.compile(
    r"[,;:()]|\s[-–]\s|\s(?=(?:maar|terwijl|omdat|nadat|zodat|tenzij|indien|als|wanneer)\s)", _I
)

# --- amounts ------------------------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# "boete van 4,75 miljoen" without a currency, only where a fine or penalty word claims it.
_BARE = re.compile(
    rf"(?<![\w.,€])(?P<n>{_NUMBER})\s*(?P<m>miljard|mld\.?|miljoen|mln\.?)"
    r"(?=\s*(?:[.,;:)\n]|\Z|\s(?:voor|aan|wegens|vanwege|omdat|opgelegd|op|en|per|tot|met|gekregen|betalen|te|"
    r"heeft|had|is|was|als|nadat)\b))",
    _I,
)
_UNITS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
    "zeventien": 17, "achttien": 18, "negentien": 19,
}  # fmt: skip
_TENS = {
    "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
    "negentig": 90,
}  # fmt: skip
# "dertig miljoen euro", "een half miljoen euro", "anderhalf miljoen euro", "vijftigduizend euro".
_WORD_MONEY = re.compile(
    r"\b(?P<w>(?:(?:een\s+)?half|anderhalf|[a-zë]+))\s+(?P<m>miljard|miljoen)\s+euro\b|\b(?P<t>[a-zë]+duizend)\s+euro\b",
    _I,
)

# --- names and dates ----------------------------------------------------------------------------------------

_NAME_WORD = (
    r"(?:(?:[A-Z]\.){2,}|(?:Inc|Ltd|Corp|Co)\.|'s-[A-Z][\w\-]*"
    rf"|(?!(?:{_SENTENCE_START_WORDS})\b)[A-ZÀ-ÖØ-Þ][\w'’&+\-]*(?:\.(?:com|nl|eu|io|ai)\b)?)"
)
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:van|de|der|den|het|voor|en|&|'t|De|Het)\s+){{0,2}}{_NAME_WORD}){{0,7}}"
# Words before the name that describe it: "het Amerikaanse bedrijf", "de gemeente", "drogisterijketen".
_DESC = r"(?:(?:de|het|De|Het)\s+)?(?:(?:[a-zà-ÿ][\w\-]*|[A-Z][a-z]+(?:se|sche))\s+){0,3}?"
_KEEP_DESC = re.compile(r"\b(gemeente|provincie|waterschap|ministerie\s+van|stichting|vereniging)\s*$", _I)
# Any character of the same sentence; a dot only inside a number ("€ 900.000").
_SPAN = r"(?:[^.;?]|\.(?=\d))"
_MEASURE_WORD = r"(?i:boetes?|geldboete|miljoenenboete|dwangsom\w*|last(?:en)?\s+onder\s+dwangsom|berisping|verbod|verwerkingsverbod|" \
    r"waarschuwing|bevel|sanctie\w*|beboet|berispt)"  # fmt: skip
_ORG_PATTERNS = (
    # Besluit tot het opleggen van een bestuurlijke boete aan Stichting Y
    re.compile(rf"(?i:besluit\s+tot\s+(?:het\s+)?(?:opleggen|oplegging)\s+van\s+{_SPAN}{{0,60}}?\s+aan)\s+(?P<d>{_DESC})(?P<n>{_NAME})"),
    # De AP legt (aan) Clearview AI een boete op; heeft het bedrijf X een boete opgelegd; geeft X een berisping
    re.compile(
        rf"\b(?i:legt|legde|heeft|had|geeft|gaf|verbiedt|verbood)\s+(?:aan\s+)?(?P<d>{_DESC})(?P<n>{_NAME})"
        rf"\s*,?\s+{_SPAN}{{0,110}}?\b{_MEASURE_WORD}"
    ),
    # AP beboet Uber met ...; berispt gemeente Z; verbiedt X de scans te verwerken
    re.compile(rf"\b(?i:beboet|beboette|berispt|berispte|verbiedt|verbood)\s+(?P<d>{_DESC})(?P<n>{_NAME})"),
    # boete (van € X) voor/aan Netflix; opgelegd aan X; beroep van X tegen de boete
    re.compile(
        rf"\b(?:{_MEASURE_WORD}(?:\s+(?i:van)\s+{_SPAN}{{0,40}}?)?|(?i:opgelegd|op))\s+(?i:voor|aan)\s+(?P<d>{_DESC})(?P<n>{_NAME})"
    ),
    re.compile(rf"\b(?i:beroep|bezwaar)\s+van\s+(?P<d>{_DESC})(?P<n>{_NAME})\s+tegen\b{_SPAN}{{0,40}}{_MEASURE_WORD}"),
    # (staat) dat Clearview AI een boete krijgt
    re.compile(
        rf"\b(?i:dat)\s+(?P<d>{_DESC})(?P<n>{_NAME})\s+(?:een|de|ook)\s+{_SPAN}{{0,60}}?{_MEASURE_WORD}"
        rf"{_SPAN}{{0,60}}?\b(?i:krijgt|kreeg|betaalt|moet|heeft\s+gekregen|opgelegd)\b"
    ),
    # Uber krijgt boete; Kruidvat moet € 600.000 betalen; Netflix is beboet
    re.compile(
        rf"(?:^|:\s+)(?P<d>{_DESC})(?P<n>{_NAME})\s+(?i:krijgt|kreeg|heeft|moet|is|wordt|betaalt|ontvangt|beboet)\b"
        rf"{_SPAN}{{0,60}}?{_MEASURE_WORD}"
    ),
)
# An unnamed recipient: "legt een huisartsenpraktijk een boete op".
_ANONYMOUS = re.compile(
    rf"\b(?i:legt|legde|heeft|geeft|gaf)\s+een\s+(?!{_MEASURE_WORD})[a-z][\w\-]+\s+"
    rf"(?:(?:een|de)\s+(?:[a-z]+\s+)?{_MEASURE_WORD}|(?i:beboet|berispt))"
    r"|\b(?i:beboet|beboette|berispt|berispte)\s+een\s+[a-z]"
)
_COURT = re.compile(r"\b(?:rechtbank|gerechtshof|hof|rechter|raad|college)\s*$", _I)
_THE_AP = re.compile(r"^(?:AP|Autoriteit\s+Persoonsgegevens)\s+(?=[A-Z])")
_NOT_THE_SANCTIONED = re.compile(
    r"^(?:AP|Autoriteit(?:\s+Persoonsgegevens)?|Privacywaakhond|Toezichthouder|Rechtbank|Rechter|Raad\s+van\s+State|"
    r"EDPB|Europese\s+\w+|Wolfsen|AVG|Nederland|Nederlanders|Europa)\b"
)

_WEEKDAY = r"(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+)?"
_DATE = (
    rf"{_WEEKDAY}(?P<d>\d{{1,2}})\s+(?P<m>{'|'.join(MONTHS)})(?:\s+(?P<y>(?:19|20)\d{{2}}))?\b"
    r"|(?P<d2>\d{1,2})[-/.](?P<m2>\d{1,2})[-/.](?P<y2>(?:19|20)\d{2})\b"
    r"|(?P<y3>(?:19|20)\d{2})-(?P<m3>\d{2})-(?P<d3>\d{2})\b"
)
_DECISION_DATE = re.compile(
    rf"\b(?:\w*besluit|beslissing\s+op\s+bezwaar)\s+(?:op\s+bezwaar\s+)?"
    r"(?:van\s+(?:de\s+)?(?:AP|Autoriteit\s+Persoonsgegevens)\s+)?"
    rf"(?:van|d\.d\.|dd|(?:is\s+)?gedateerd(?:\s+op)?|dateert\s+van|(?:is|werd)\s+genomen\s+op|genomen\s+op|op)\s+(?:{_DATE})",
    _I,
)
_HEADER_DATE = re.compile(
    rf"^[ \t]*(?:datum(?:\s+(?:van\s+het\s+)?besluit)?|besluitdatum|dagtekening)\s*[:\-]?\s*(?:{_DATE})", _I | re.M
)
_PLACE_DATE = re.compile(rf"^[ \t]*(?:Den\s+Haag|'s-Gravenhage),?\s+(?:{_DATE})", _I | re.M)
_PUBLICATION_DATE = re.compile(
    rf"\b(?:publicatiedatum|gepubliceerd(?:\s+op)?|datum\s+publicatie|nieuwsbericht)\s*[:|\-]?\s*(?:{_DATE})", _I
)
_ANY_DATE = re.compile(_DATE, _I)
_IMPOSED_ON_DATE = re.compile(
    r"\b(?:opgelegd|oplegde|legde|beboette|berispte|besloot|besloten|heeft\s+besloten)\b", _I
)
_ANNOUNCED = re.compile(r"\b(?:bekend|publiceer\w*|gepubliceerd|publiceert|vandaag)\b", _I)


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    is_title: bool
    imposing: bool = False
    annulling: bool = False
    reducing: bool = False
    mentions: list[_Mention] = field(default_factory=list)
    amounts: list[_Amount] = field(default_factory=list)


@dataclass
class _Mention:
    kind: str  # a measure, or "statutory" / "other"
    start: int
    end: int
    sentence: _Sentence
    earlier: bool = False


@dataclass
class _Amount:
    start: int
    end: int
    value: int
    bare: bool  # no currency written: only counts where a fine or penalty word claims it


def extract_sanctions(title: str | None, text: str) -> SanctionFacts | None:
    """The sanction a release or decision announces, or None when it announces none."""
    title = _clean(title or "").strip()
    body = _clean(text or "")
    full = f"{title}\n\n{body}" if title else body
    sentences = _sentences(full, len(title) if title else 0)
    if not sentences:
        return None
    mentions = _mentions(full, sentences)

    imposed: list[str] = []
    annulled: set[str] = set()
    for m in mentions:
        if m.kind not in MEASURES or m.earlier:
            continue
        s = m.sentence
        if s.annulling and not s.reducing:
            annulled.add(m.kind)
        elif s.imposing and not _hypothetical(full, m.start, s) and not _negated(full, m):
            if not any(o.kind == "statutory" and o.start <= m.start < o.end for o in s.mentions):
                imposed.append(m.kind)
    measures = tuple(k for k in MEASURES if k in imposed and k not in annulled)
    if not measures:
        return None

    fines, penalty_max, penalty_lump = _amounts(full, sentences, measures)
    fine = fines[0] if fines else None
    penalty = max(penalty_max) if penalty_max else (max(penalty_lump) if penalty_lump else None)
    organisation, anonymous = _organisation(sentences)
    decided = _decision_date(full, sentences)
    if organisation is None and not anonymous and fine is None and penalty is None and decided is None:
        return None  # a general statement ("de AP legt boetes op aan organisaties die ..."), not a sanction
    return SanctionFacts(organisation, fine, penalty, decided, measures)


def _clean(text: str) -> str:
    # One character for one: offsets stay put.
    return text.translate({0xA0: " ", 0x202F: " ", 0x2009: " ", 0x2007: " ", 0x0D: " "})


# --- sentences ----------------------------------------------------------------------------------------------


def _sentences(full: str, title_end: int) -> list[_Sentence]:
    out: list[_Sentence] = []
    for line in re.finditer(r"[^\n]+", full):
        start = line.start()
        text = line.group()
        for cut in _SPLIT.finditer(text):
            before = text[max(0, cut.start() - 12) : cut.start() + 1]
            if _ABBREVIATION.search(before) and not _STARTS_SENTENCE.match(text, cut.end()):
                continue  # "Kruidvat B.V. te Zaandam", "art. 58 AVG"
            end = line.start() + cut.start() + len(cut.group().rstrip())
            out.append(_sentence(full, start, end, title_end))
            start = line.start() + cut.end()
        out.append(_sentence(full, start, line.end(), title_end))
    return [s for s in out if s.text.strip()]


def _sentence(full: str, start: int, end: int, title_end: int) -> _Sentence:
    text = full[start:end]
    s = _Sentence(start, end, text, is_title=start < title_end)
    question = text.rstrip().endswith("?")
    s.imposing = not question and bool(_DEFINITE.search(text) or _HEADLINE.search(text) or _money_headline(text))
    s.reducing = bool(_REDUCED.search(text))
    s.annulling = bool(_ANNULLED.search(text))
    return s


def _money_headline(text: str) -> bool:
    """A verbless "€ 600.000 boete" / "boete van 290 miljoen euro" in a title or lead."""
    for m in pattern_mentions("t", text):
        if m.type != "money":
            continue
        if re.match(r"\s*(?:aan\s+)?(?:geld|miljoenen)?boetes?\b", text[m.end :], _I) or re.search(
            r"\bboetes?\s+(?:van\s+)?(?:ruim\s+|bijna\s+|circa\s+)?$", text[: m.start], _I
        ):
            return True
    return False


def _clause(at: int, s: _Sentence) -> tuple[int, int]:
    """The clause of the sentence ``s`` around offset ``at``."""
    start, end = s.start, s.end
    for cut in _CLAUSE_SPLIT.finditer(s.text):
        pos = s.start + cut.start()
        if pos < at:
            start = max(start, s.start + cut.end())
        elif pos >= at:
            end = min(end, pos)
            break
    return start, end


def _hypothetical(full: str, at: int, s: _Sentence) -> bool:
    start, end = _clause(at, s)
    clause = full[start:end]
    # The noun "besluit" ("het besluit kan worden aangevochten") does not make a clause definite.
    definite = [m for m in _DEFINITE.finditer(clause) if m.group().lower() != "besluit"]
    return bool(_MODAL.search(clause)) and not definite


def _negated(full: str, m: _Mention) -> bool:
    """ "geen boete", "ziet af van een boete", "niet beboet": no other measure word in between."""
    s = m.sentence
    negations = list(_NEGATION.finditer(full, max(s.start, m.start - 50), m.start))
    if negations:
        neg = negations[-1]
        if not any(o.kind in MEASURES and o is not m and neg.end() <= o.start < m.start for o in s.mentions):
            return True
    return bool(re.search(r"\bniet\s+(?:\w+\s+)?$", full[max(s.start, m.start - 20) : m.start], _I))


# --- measure words and amounts ------------------------------------------------------------------------------


def _mentions(full: str, sentences: list[_Sentence]) -> list[_Mention]:
    found: list[_Mention] = []
    for s in sentences:
        taken: list[tuple[int, int]] = []
        for kind, regex in _MEASURE_WORDS:
            for m in regex.finditer(full, s.start, s.end):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # "dwangsom" inside "last onder dwangsom"
                taken.append((m.start(), m.end()))
                found.append(_Mention(kind, m.start(), m.end(), s))
        for kind, regex in (("statutory", _STATUTORY), ("other", _OTHER)):
            found.extend(_Mention(kind, m.start(), m.end(), s) for m in regex.finditer(full, s.start, s.end))
    found.sort(key=lambda m: m.start)
    for m in found:
        m.sentence.mentions.append(m)
    # "eerder"/"eerdere"/"destijds" points at the nearest measure word.
    for s in sentences:
        in_s = [m for m in s.mentions if m.kind in MEASURES]
        for marker in _EARLIER.finditer(full, s.start, s.end):
            near = [m for m in in_s if min(abs(m.start - marker.end()), abs(marker.start() - m.end)) <= 80]
            if near:
                min(near, key=lambda m: min(abs(m.start - marker.end()), abs(marker.start() - m.end))).earlier = True
    return found


def _all_amounts(full: str) -> list[_Amount]:
    amounts = [
        _Amount(m.start, m.end, int(m.entity.split(":", 1)[1]), bare=False)
        for m in pattern_mentions("text", full)
        if m.type == "money"
    ]

    def free(a: int, b: int) -> bool:
        return not any(x.start < b and a < x.end for x in amounts)

    for m in _WORD_MONEY.finditer(full):
        if m.group("t"):
            value = _dutch_number(m.group("t"))
        else:
            base = _dutch_fraction(m.group("w"))
            value = int(base * (10**9 if m.group("m").lower() == "miljard" else 10**6)) if base is not None else None
        if value and free(m.start(), m.end()):
            amounts.append(_Amount(m.start(), m.end(), value, bare=False))
    for m in _BARE.finditer(full):
        value = money_value(m.group("n"), m.group("m"))
        if value and free(m.start(), m.end()):
            amounts.append(_Amount(m.start(), m.end(), value, bare=True))
    return sorted(amounts, key=lambda a: a.start)


def _dutch_fraction(word: str) -> Decimal | None:
    word = re.sub(r"\s+", " ", word.lower())
    if word in ("een half", "half"):
        return Decimal("0.5")
    if word == "anderhalf":
        return Decimal("1.5")
    n = _dutch_number(word)
    return Decimal(n) if n else None


def _dutch_number(word: str) -> int | None:
    """0 < n < 1.000.000 written as one Dutch word: "dertig", "vijfentwintig", "tweehonderdvijftigduizend"."""
    word = word.lower()
    if not word:
        return None
    if "duizend" in word:
        head, _, tail = word.partition("duizend")
        high = _dutch_number(head) if head else 1
        low = _dutch_number(tail) if tail else 0
        return high * 1000 + low if high and low is not None else None
    if "honderd" in word:
        head, _, tail = word.partition("honderd")
        high = _dutch_number(head) if head else 1
        low = _dutch_number(tail) if tail else 0
        return high * 100 + low if high and high < 10 and low is not None and low < 100 else None
    if word in _UNITS:
        return _UNITS[word]
    if word in _TENS:
        return _TENS[word]
    for tens, value in _TENS.items():
        if word.endswith(tens):
            unit = word[: -len(tens)].removesuffix("en").removesuffix("ën")
            if unit in _UNITS and _UNITS[unit] < 10:
                return value + _UNITS[unit]
    return None


def _amounts(
    full: str, sentences: list[_Sentence], measures: tuple[str, ...]
) -> tuple[list[int], list[int], list[int]]:
    """The current fine amounts (best first), and the penalty maxima and lump sums."""
    fines: list[tuple[bool, bool, bool, int, int]] = []  # (not reduced, approximate, in the title, offset, value)
    maxima: list[int] = []
    lumps: list[int] = []
    starts = [s.start for s in sentences]
    for amount in _all_amounts(full):
        i = bisect_right(starts, amount.start) - 1
        if i >= 0 and amount.start < sentences[i].end:
            sentences[i].amounts.append(amount)
    for s in sentences:
        for amount in s.amounts:
            trigger = _trigger(amount, s)
            kind = trigger.kind if trigger else None
            if kind == "statutory" and s.reducing:
                kind = BOETE  # "verlaagt de boete tot € 2 miljoen"
            if kind is None and not amount.bare and DWANGSOM in measures and (
                _PER_PERIOD.search(s.text) or _maximum(full, amount, s)
            ):
                kind = DWANGSOM  # "Voor elke week ... een bedrag van € 250.000, tot een maximum van € 5 miljoen."
            if kind == BOETE and BOETE in measures and trigger is not None:
                role = _fine_role(full, amount, trigger, s)
                if role is not None:
                    approximate = bool(_APPROXIMATE.search(full, max(s.start, amount.start - 20), amount.start))
                    fines.append((role != "reduced", approximate, s.is_title, amount.start, amount.value))
            elif kind == DWANGSOM and DWANGSOM in measures and not (trigger is not None and trigger.earlier):
                role = _penalty_role(full, amount, s)
                if role == "maximum":
                    maxima.append(amount.value)
                elif role == "lump sum":
                    lumps.append(amount.value)
    # The amount a fine was reduced to; an exact amount before a "ruim"/"bijna" one; the body before the title.
    return [f[-1] for f in sorted(fines)], maxima, lumps


def _maximum(full: str, amount: _Amount, s: _Sentence) -> bool:
    """ "tot een maximum van € 5 miljoen", "tot maximaal € 5,1 miljoen", "in totaal € 1 miljoen"."""
    return bool(_MAXIMUM_BEFORE.search(full, max(s.start, amount.start - 40), amount.start))


def _penalty_role(full: str, amount: _Amount, s: _Sentence) -> str | None:
    """ "maximum", "lump sum" (a penalty without a period is its own maximum), or None (per day/week, annulled)."""
    if s.annulling and not s.reducing:
        return None
    if _maximum(full, amount, s):
        return "maximum"
    if _PERIOD_AFTER.match(full, amount.end, s.end):
        return None  # "€ 100.000 per week"
    if _PER_PERIOD.search(full, _clause(amount.start, s)[0], amount.start):
        return None  # "voor elke dag ... € 10.000"
    if _PER_PERIOD.search(s.text) and any(_maximum(full, a, s) for a in s.amounts if a is not amount):
        return None  # the sentence gives a period and a maximum: this is the periodic amount
    return "lump sum"


def _trigger(amount: _Amount, s: _Sentence) -> _Mention | None:
    """The word the amount belongs to: the nearest before it in the sentence, else the nearest just after it."""
    in_s = [m for m in s.mentions if m.kind in (BOETE, DWANGSOM, "statutory", "other")]
    # "€ 2 miljard omzet", "2,3 miljard euro aan omzet": a figure named right after the amount.
    after = [m for m in in_s if m.kind == "other" and amount.end <= m.start <= amount.end + 12]
    if after:
        return after[0]
    # "2,3 miljard euro omzet en bedraagt € 3,2 miljoen": that "omzet" named the amount before it, not this one.
    before = [
        m for m in in_s
        if m.end <= amount.start
        and not (m.kind == "other" and any(a.end <= m.start <= a.end + 12 for a in s.amounts if a is not amount))
    ]
    if before:
        last = max(before, key=lambda m: m.end)
        # "maximale boete" is statutory even though "boete" is a measure word inside it.
        stat = [m for m in in_s if m.kind == "statutory" and m.start <= last.start < m.end]
        return stat[0] if stat else last
    following = [m for m in in_s if amount.end <= m.start <= amount.end + 40]
    return min(following, key=lambda m: m.start) if following else None


def _fine_role(full: str, amount: _Amount, trigger: _Mention, s: _Sentence) -> str | None:
    """ "fine", "reduced" (the amount a fine was lowered to), or None (no current fine)."""
    if trigger.earlier:
        return None
    if s.reducing:
        cut = _REDUCED.search(s.text)
        assert cut is not None
        return "reduced" if amount.start >= s.start + cut.end() else None
    if s.annulling:
        return None
    if trigger.end <= amount.start:
        between = full[trigger.end : amount.start]
        if _BETWEEN_NOT_A_FINE.search(between):
            return None
        if full[trigger.start : trigger.end].lower().endswith("boetes") and _AGGREGATE.search(between):
            return None  # "11 boetes op, samen goed voor € 300 miljoen": a year's total
    clause = full[slice(*_clause(amount.start, s))]
    if _SHARE_OF_TURNOVER.search(clause) or _hypothetical(full, amount.start, s):
        return None
    return "fine"


# --- organisation and date ----------------------------------------------------------------------------------


def _organisation(sentences: list[_Sentence]) -> tuple[str | None, bool]:
    """The sanctioned organisation's name, and whether an unnamed one ("een ziekenhuis") was found."""
    ordered = [s for s in sentences if s.imposing] + [s for s in sentences if not s.imposing]
    anonymous = False
    for s in ordered:
        hits: list[tuple[int, str]] = []
        for pattern in _ORG_PATTERNS:
            for m in pattern.finditer(s.text):
                name = _org_name(m.group("d"), m.group("n"))
                if name:
                    hits.append((m.start("n"), name))
        if hits:
            return _fullest(min(hits)[1], sentences), anonymous
        if s.imposing and _ANONYMOUS.search(s.text):
            anonymous = True
    return None, anonymous


def _fullest(name: str, sentences: list[_Sentence]) -> str:
    """The longest way the text writes the name: "Kompas" in the title, "Kompas B.V." in the body."""
    longer = [
        m.group()
        for s in sentences
        for m in re.finditer(rf"(?<![\w.]){re.escape(name)}\s+{_NAME}", s.text)
        if re.fullmatch(_NAME, m.group())
    ]
    return max(longer, key=len) if longer else name


def _org_name(desc: str, name: str) -> str | None:
    name = re.sub(r"\s+", " ", name).strip(" ,;:")
    name = _THE_AP.sub("", name)  # "heeft de AP Clearview AI een boete opgelegd"
    if not name or _NOT_THE_SANCTIONED.match(name) or _COURT.search(desc):
        return None
    keep = _KEEP_DESC.search(desc)  # "de gemeente Enschede" -> "gemeente Enschede"; "het bedrijf X" -> "X"
    if keep is None:
        return name
    return " ".join(keep.group(1).split() + [name])


def _decision_date(full: str, sentences: list[_Sentence]) -> date | None:
    """ "besluit van <date>", then a "Datum:" or "Den Haag, <date>" header line, then the date in a sentence that
    imposes ("Op 16 mei 2024 heeft de AP ... opgelegd"), then a labelled publication date; a date without a
    year takes its year from the publication date."""
    publication = next((d for m in _PUBLICATION_DATE.finditer(full) if (d := _date(m, None))), None)

    def earlier_sentence(at: int) -> bool:
        s = next((s for s in sentences if s.start <= at < s.end), None)
        return s is not None and bool(_EARLIER.search(s.text))

    for m in _DECISION_DATE.finditer(full):
        d = _date(m, publication)
        if d and not earlier_sentence(m.start()):
            return d
    for regex in (_HEADER_DATE, _PLACE_DATE):
        for m in regex.finditer(full):
            if d := _date(m, publication):
                return d
    for s in sentences:
        if not s.imposing or not _IMPOSED_ON_DATE.search(s.text):
            continue
        if not _ANNOUNCED.search(s.text) and not _EARLIER.search(s.text):
            for m in _ANY_DATE.finditer(s.text):
                before = s.text[max(0, m.start() - 12) : m.start()].lower()
                if re.search(r"\b(?:tot|voor|vóór|uiterlijk|per|vanaf|na)\s+$", before):
                    continue  # a deadline, not the decision
                if d := _date(m, publication):
                    return d
    return publication


def _date(m: re.Match[str], reference: date | None) -> date | None:
    g = m.groupdict()
    try:
        if g.get("m"):
            day, month = int(g["d"]), MONTHS[g["m"].lower()]
            if g.get("y"):
                return date(int(g["y"]), month, day)
            if reference is None:
                return None
            guess = date(reference.year, month, day)
            return guess if guess <= reference else date(reference.year - 1, month, day)
        if g.get("m2"):
            return date(int(g["y2"]), int(g["m2"]), int(g["d2"]))
        if g.get("m3"):
            return date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    except ValueError:
        return None
    return None
