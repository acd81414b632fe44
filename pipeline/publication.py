"""Parses officielebekendmakingen (KOOP) publications of Kamervragen and the SRU responses that find them."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from trafilatura import bare_extraction

from pipeline.entities import MONTHS
from pipeline.errors import PublicationError
from pipeline.extract import MIN_TEXT_CHARS

logger = logging.getLogger(__name__)

KIND_QUESTIONS = "questions"  # kv-tk: the questions as submitted, not answered yet
KIND_ANSWER = "answer"  # ah-tk: Aanhangsel van de Handelingen, questions with the answers

SRU_NAMESPACES = (
    "http://docs.oasis-open.org/ns/search-ws/sruResponse",  # SRU 2.0
    "http://www.loc.gov/zing/srw/",  # SRU 1.2
)

# Identifiers end up inside a CQL string literal; letters, digits and '-' cannot close it.
_IDENTIFIER = re.compile(r"(?:kv|ah-tk)-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_MAX_IDENTIFIER_CHARS = 80
_CASE_NUMBER = re.compile(r"\b(\d{4}Z\d{4,6})\b")
# "Vraag 1", "Antwoord 5 en 6", "Vraag 5, 6", "Antwoord 7 t/m 9"
_NUMBERS = r"\d+[a-z]?(?:\s*(?:,|en|t/m|tot en met|[-–])\s*\d+[a-z]?)*"
_LABEL = re.compile(rf"(Vraag|Vragen|Antwoord|Antwoorden)\s+({_NUMBERS})\s*(?:[:.)]\s*(.*))?", re.S)
_NUMBER = re.compile(r"(\d+)(?:\s*(?:t/m|tot en met|[-–])\s*(\d+))?")
_WHITESPACE = re.compile(r"\s+")
_MAX_RANGE = 50  # "Vraag 1 t/m 9999" is a typo, not 9999 questions

_DUTCH_DATE = re.compile(rf"(\d{{1,2}})\s+({'|'.join(MONTHS)})\s+(\d{{4}})", re.I)
_SUBMITTERS_AND_ADDRESSEE = re.compile(
    r"Vra(?:ag|gen)\s+(?:gesteld\s+door|van)\s+(?:het\s+lid|de\s+leden|lid|leden)?\s*(?P<who>.+?)"
    r"\s+aan\s+(?P<to>.+?)(?:\s+(?:over|inzake|betreffende|omtrent|naar aanleiding van)\s|\s*\(ingezonden|\s*$)",
    re.S,
)
_ANSWERER = re.compile(r"Antwoord\s+(?:van\s+)?(?P<who>.+?)\s*(?:\((?:ontvangen|ontvangst)\b|\.\s|\.?$)", re.S)

_XML_BLOCKS = frozenset({"al", "tussenkop", "li", "lijst", "tabel", "table", "row", "tr", "p", "kop", "titel"})
_XML_SPACED = frozenset({"li.nr", "entry", "td", "th"})
_XML_NOTES = frozenset({"noot", "nootref", "noot.nr", "noot.al"})
_HTML_BLOCKS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "br", "blockquote", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6",
})
_HTML_SPACED = frozenset({"td", "th"})
_HTML_SKIPPED = frozenset({"script", "style", "noscript", "template", "head"})
_HTML_NOTE_CLASSES = frozenset({"nootnum", "note-close"})


@dataclass(frozen=True)
class QAPair:
    """One numbered question and its answer; questions answered jointly share the answer text.

    Texts hold one paragraph per line, whitespace collapsed; footnotes are left out (they are in
    the `Noten` section of `Publication.text`).
    """

    number: int
    question: str
    answer: str | None


@dataclass(frozen=True)
class Publication:
    identifier: str
    kind: str  # KIND_QUESTIONS or KIND_ANSWER
    title: str | None  # the publication's own heading: the omschrijving of the questions
    case_number: str | None  # kamervraagnummer, the Tweede Kamer Zaak number, e.g. "2026Z01001"
    submitters: tuple[str, ...]  # e.g. ("Jansen (GroenLinks-PvdA)", "De Vries (D66)")
    addressee: str | None  # e.g. "Minister van Justitie en Veiligheid"
    answerer: str | None  # e.g. "Minister Van Dam (Justitie en Veiligheid)"
    submitted: date | None
    received: date | None
    remarks: tuple[str, ...]  # kamervraagopmerking texts, e.g. notes on a postponed answer
    pairs: tuple[QAPair, ...]
    text: str  # headings, remarks, "Vraag 1\n...\n\nAntwoord 1\n..." and a "Noten" section


@dataclass(frozen=True)
class SruRecord:
    identifier: str
    publication_name: str | None  # e.g. "Kamervragen zonder antwoord", "Kamervragen (Aanhangsel)"
    item_urls: dict[str, str] = field(hash=False)  # manifestation ("xml", "html", "pdf", ...) -> URL
    preferred_url: str | None


@dataclass(frozen=True)
class _Block:
    kind: str  # "vraag" or "antwoord"
    numbers: tuple[int, ...]  # empty when the publication does not number it
    text: str


@dataclass
class _Parts:
    """What one manifestation yields, before it becomes a Publication."""

    identifier: str | None = None
    case_number: str | None = None
    question_heading: str | None = None
    answer_heading: str | None = None
    submitted: date | None = None
    received: date | None = None
    title_fallback: str | None = None
    remarks: list[str] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (number, text)
    loose_lines: list[str] = field(default_factory=list)  # header text nobody could place


# --- XML manifestation ---------------------------------------------------------------------------


def parse_publication_xml(body: bytes, identifier: str | None = None) -> Publication:
    """The xml manifestation (`officiele-publicatie` holding `kamervragen`) as a Publication.

    Raises:
        PublicationError: the XML is malformed or truncated, holds no questions, or has no
            identifier and none was given.
    """
    root = _parse_xml(body, "publication")
    parts = _Parts(identifier=identifier or _xml_identifier(root))
    blocks = list(_xml_blocks(root))
    if not any(b.kind == "vraag" for b in blocks):
        raise PublicationError(f"no questions (<vraag> elements) in the publication XML (root <{_local(root)}>)")
    parts.blocks = blocks
    parts.case_number = _xml_case_number(root)
    for element in _xml_elements(root, {"kamervraagomschrijving", "omschr"}):
        heading = _one_line(_xml_text(element))
        if not heading:
            continue
        iso = _xml_isodate(element)
        if _is_answer_heading(element.get("type"), heading):
            parts.answer_heading = parts.answer_heading or heading
            parts.received = parts.received or iso
        else:
            parts.question_heading = parts.question_heading or heading
            parts.submitted = parts.submitted or iso
    parts.remarks = [r for r in (_one_line(_xml_text(e)) for e in _xml_elements(root, {"kamervraagopmerking"})) if r]
    parts.notes = [_xml_note(note) for note in root.iter() if _local(note) == "noot"]
    parts.title_fallback = _xml_meta(root, "DC.title")
    return _assemble(parts, "XML")


def _xml_identifier(root: etree._Element) -> str | None:
    if value := _xml_meta(root, "DC.identifier"):
        return value
    record = _xml_meta(root, "OVERHEIDop.externMetadataRecord") or ""
    match = re.search(r"/([^/]+)/metadata(?:_owms)?\.xml$", record)
    return match[1] if match else None


def _xml_meta(root: etree._Element, name: str) -> str | None:
    for element in root.iter():
        if _local(element) == "meta" and (element.get("name") or "").lower() == name.lower():
            return (element.get("content") or "").strip() or None
    return None


def _xml_case_number(root: etree._Element) -> str | None:
    for element in _xml_elements(root, {"kamervraagnummer", "vraagnummer"}):
        text = _one_line(_xml_text(element))
        if text:
            match = _CASE_NUMBER.search(text)
            return match[1] if match else text
    return _xml_meta(root, "OVERHEIDop.vraagnummer")


def _xml_elements(root: etree._Element, names: set[str]) -> Iterator[etree._Element]:
    """Elements with these local names, outside questions, answers and footnotes."""
    for element in root.iter():
        if _local(element) in names and not _inside(element, {"vraag", "antwoord", "noot"}):
            yield element


def _xml_blocks(root: etree._Element) -> Iterator[_Block]:
    for element in root.iter():
        kind = _local(element)
        if kind not in ("vraag", "antwoord") or _inside(element, {"vraag", "antwoord", "noot"}):
            continue
        label_element = next((c for c in element if _local(c) in ("nr", "nummer")), None)
        label = _one_line(_xml_text(label_element)) if label_element is not None else ""
        if label_element is None:
            # Some documents put the label in the first paragraph: <al>Vraag 1</al>.
            first = next((c for c in element if _local(c) == "al"), None)
            if first is not None and _LABEL.fullmatch(_one_line(_xml_text(first))):
                label_element, label = first, _one_line(_xml_text(first))
        skipped = label_element
        text = _xml_text(element, skip=lambda e: e is skipped)
        yield _Block(kind, _numbers(label), text)


def _xml_text(element: etree._Element, skip: Callable[[etree._Element], bool] | None = None) -> str:
    """Readable text of an element: a line per paragraph, footnotes left out."""

    def layout(e: etree._Element) -> str | None:
        name = _local(e)
        if name == "al" and _local(e.getparent()) == "li":
            return "space"  # keeps "a. text" of a list item on one line
        if name in _XML_BLOCKS:
            return "block"
        return "space" if name in _XML_SPACED else None

    def skipped(e: etree._Element) -> bool:
        if _local(e) in _XML_NOTES and e is not element:
            return True
        return skip(e) if skip else False

    return _flatten(element, layout, skipped)


def _xml_note(note: etree._Element) -> tuple[str, str]:
    """(number, text) of a <noot>: noot.nr and noot.al."""
    number = _xml_child(note, "noot.nr")
    body = _xml_child(note, "noot.al")
    return (
        _one_line(_xml_text(number)) if number is not None else "",
        _one_line(_xml_text(body if body is not None else note)),
    )


def _xml_child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if _local(c) == name), None)


def _xml_isodate(element: etree._Element) -> date | None:
    for child in element.iter():
        if _local(child) == "datum" and child.get("isodatum"):
            try:
                return date.fromisoformat(child.get("isodatum", "").strip())
            except ValueError:
                logger.debug("unparseable isodatum %r", child.get("isodatum"))
    return None


# --- HTML manifestation --------------------------------------------------------------------------


def parse_publication_html(body: bytes, url: str, identifier: str | None = None) -> Publication:
    """The html manifestation as a Publication: by its semantic classes, else by trafilatura's text.

    Raises:
        PublicationError: the page has no usable text, or no identifier can be found for it.
    """
    doc = _parse_html(body)
    parts = _Parts(
        identifier=identifier or _html_meta(doc, "DC.identifier") or _identifier_from_url(url),
        case_number=_html_meta(doc, "OVERHEIDop.vraagnummer"),
        title_fallback=_html_meta(doc, "DC.title") or _one_line(doc.findtext(".//title") or "") or None,
        submitted=_iso(_html_meta(doc, "OVERHEIDop.datumIndiening")),
        received=_iso(_html_meta(doc, "OVERHEIDop.datumOntvangst")),
    )
    blocks = list(_html_blocks(doc))
    if any(b.kind == "vraag" for b in blocks):
        parts.blocks = blocks
        _html_semantic_parts(doc, parts)
        return _assemble(parts, "HTML")
    _trafilatura_parts(body, url, parts)
    return _assemble(parts, "HTML")


def _html_semantic_parts(doc: lxml.html.HtmlElement, parts: _Parts) -> None:
    if parts.case_number is None:
        numbers = (_one_line(_html_text(e)) for e in _with_class(doc, "kamervraagnummer"))
        parts.case_number = next((n for n in numbers if n), None)
    headings = [e for e in _with_class(doc, "kamervraagomschrijving", "kamervraagomschrijving_kop") if not any(
        _has_class(a, "kamervraagomschrijving", "kamervraagomschrijving_kop") for a in e.iterancestors()
    )]
    for element in headings:
        heading = _one_line(_html_text(element))
        if not heading:
            continue
        if _is_answer_heading(None, heading):
            parts.answer_heading = parts.answer_heading or heading
        else:
            parts.question_heading = parts.question_heading or heading
    parts.remarks = [r for r in (_one_line(_html_text(e)) for e in _with_class(doc, "kamervraagopmerking")) if r]
    for note in doc.iter():
        if isinstance(note.tag, str) and _has_class(note, "voet") and _has_class(note, "noot"):
            number = next((_one_line(n.text_content()) for n in _with_class(note, "nootnum")), "")
            body = "\n".join(_html_text(p) for p in note if isinstance(p.tag, str) and p.tag == "p")
            parts.notes.append((number, _one_line(body or _html_text(note))))


def _html_blocks(doc: lxml.html.HtmlElement) -> Iterator[_Block]:
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag != "div":
            continue
        kind = "vraag" if _has_class(element, "vraag") else "antwoord" if _has_class(element, "antwoord") else None
        if kind is None:
            continue
        label_element = next(
            (c for c in element if isinstance(c.tag, str)
             and (c.tag in ("h2", "h3", "h4") or (c.tag == "p" and _has_class(c, "nummer")))),
            None,
        )
        label = _one_line(label_element.text_content()) if label_element is not None else ""
        skipped = label_element
        yield _Block(kind, _numbers(label), _html_text(element, skip=lambda e: e is skipped))


def _trafilatura_parts(body: bytes, url: str, parts: _Parts) -> None:
    """Fills parts from trafilatura's text, pairing "Vraag N" / "Antwoord N" lines."""
    try:
        doc = bare_extraction(
            body,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            # Rather too much text than a lost "Vraag 1" heading: those are the shortest lines.
            favor_recall=True,
            # A process-wide duplicate cache would empty a page seen before (trafilatura pitfall).
            deduplicate=False,
        )
    except (ValueError, TypeError, AttributeError, LookupError) as exc:
        raise PublicationError(f"trafilatura failed on {url}: {exc.__class__.__name__}: {exc}") from exc
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise PublicationError(f"no usable text in the html publication {url} ({len(text)} characters)")
    if doc is not None and doc.title and not parts.title_fallback:
        parts.title_fallback = _one_line(doc.title)
    current: tuple[str, tuple[int, ...], list[str]] | None = None
    for line in (_one_line(raw) for raw in text.splitlines()):
        if not line:
            continue
        label = _LABEL.fullmatch(line)
        if label:
            if current:
                parts.blocks.append(_Block(current[0], current[1], "\n".join(current[2])))
            kind = "antwoord" if label[1].startswith("Antwoord") else "vraag"
            current = (kind, _numbers(label[2]), [label[3]] if label[3] else [])
        elif current:
            current[2].append(line)
        elif line.startswith(("Vragen van", "Vraag van", "Vragen gesteld")) and not parts.question_heading:
            parts.question_heading = line
        elif line.startswith("Antwoord van") and not parts.answer_heading:
            parts.answer_heading = line
        else:
            parts.loose_lines.append(line)
    if current:
        parts.blocks.append(_Block(current[0], current[1], "\n".join(current[2])))
    if parts.case_number is None:
        header = " ".join(filter(None, [parts.question_heading, *parts.loose_lines]))
        match = _CASE_NUMBER.search(header)
        parts.case_number = match[1] if match else None


def _parse_html(body: bytes) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        return lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise PublicationError(f"unreadable HTML: {exc}") from exc


def _html_meta(doc: lxml.html.HtmlElement, name: str) -> str | None:
    for element in doc.iter("meta"):
        if (element.get("name") or "").lower() == name.lower():
            return (element.get("content") or "").strip() or None
    return None


def _html_text(element: lxml.html.HtmlElement, skip: Callable[[etree._Element], bool] | None = None) -> str:
    def layout(e: etree._Element) -> str | None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag in _HTML_BLOCKS:
            return "block"
        return "space" if tag in _HTML_SPACED else None

    def skipped(e: etree._Element) -> bool:
        if e.tag in _HTML_SKIPPED or any(_has_class(e, c) for c in _HTML_NOTE_CLASSES):
            return True
        return skip(e) if skip else False

    return _flatten(element, layout, skipped)


def _with_class(root: etree._Element, *classes: str) -> Iterator[etree._Element]:
    for element in root.iter():
        if isinstance(element.tag, str) and _has_class(element, *classes):
            yield element


def _has_class(element: etree._Element, *classes: str) -> bool:
    tokens = (element.get("class") or "").split()
    return any(c in tokens for c in classes)


def _identifier_from_url(url: str) -> str | None:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    return stem if _IDENTIFIER.fullmatch(stem) else None


# --- shared assembly -----------------------------------------------------------------------------


def _assemble(parts: _Parts, manifestation: str) -> Publication:
    if not parts.identifier:
        raise PublicationError(f"the {manifestation} publication names no identifier and none was given")
    identifier = parts.identifier
    if identifier.startswith("ah-"):
        kind = KIND_ANSWER
    elif identifier.startswith("kv-"):
        kind = KIND_QUESTIONS
    else:
        kind = KIND_ANSWER if any(b.kind == "antwoord" for b in parts.blocks) else KIND_QUESTIONS
    submitters, addressee = _submitters_and_addressee(parts.question_heading)
    return Publication(
        identifier=identifier,
        kind=kind,
        title=parts.question_heading or parts.title_fallback,
        case_number=parts.case_number,
        submitters=submitters,
        addressee=addressee,
        answerer=_answerer(parts.answer_heading),
        # datum@isodatum (xml) or the OVERHEIDop dates (html) before the Dutch words of the heading
        submitted=parts.submitted or _dutch_date(parts.question_heading, "ingezonden"),
        received=parts.received or _dutch_date(parts.answer_heading, "ontvangen"),
        remarks=tuple(parts.remarks),
        pairs=_pairs(parts.blocks),
        text=_publication_text(parts),
    )


def _pairs(blocks: Iterable[_Block]) -> tuple[QAPair, ...]:
    questions: dict[int, list[str]] = {}
    answers: dict[int, list[str]] = {}
    for block in blocks:
        if block.kind == "vraag":
            numbers = block.numbers or (max(questions, default=0) + 1,)
            for number in numbers:
                questions.setdefault(number, []).append(block.text)
        else:
            # An unnumbered answer answers the first question still without one, which holds both
            # for alternating question/answer layouts and for all-questions-then-all-answers.
            unanswered = next((n for n in questions if n not in answers), max(questions, default=0) + 1)
            numbers = block.numbers or (unanswered,)
            for number in numbers:
                answers.setdefault(number, []).append(block.text)
    stray = sorted(set(answers) - set(questions))
    if stray:
        logger.debug("answers to questions the publication does not hold: %s", stray)
    return tuple(
        QAPair(number, "\n".join(texts), "\n".join(answers[number]) if number in answers else None)
        for number, texts in questions.items()
    )


def _publication_text(parts: _Parts) -> str:
    head = [h for h in (parts.question_heading, parts.answer_heading) if h] + parts.remarks + parts.loose_lines
    sections = ["\n".join(head)] if head else []
    for block in parts.blocks:
        label = _label("Vraag" if block.kind == "vraag" else "Antwoord", block.numbers)
        sections.append(f"{label}\n{block.text}".rstrip())
    notes = [f"Noot {number}: {text}" if number else text for number, text in parts.notes if text]
    if notes:
        sections.append("Noten\n" + "\n".join(notes))
    return "\n\n".join(sections)


def _label(word: str, numbers: tuple[int, ...]) -> str:
    if not numbers:
        return word
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    return f"{word} {', '.join(map(str, numbers[:-1]))} en {numbers[-1]}"


def _is_answer_heading(type_attribute: str | None, heading: str) -> bool:
    if type_attribute:
        return type_attribute.strip().lower() == "antwoord"
    return heading.startswith("Antwoord")


def _submitters_and_addressee(heading: str | None) -> tuple[tuple[str, ...], str | None]:
    match = _SUBMITTERS_AND_ADDRESSEE.match(heading or "")
    if not match:
        return (), None
    who = match["who"]
    if "(" in who:
        # "Jansen (GroenLinks-PvdA), Visser (VVD) en De Vries (D66)"
        pairs = re.findall(r"([^(),]+?)\s*\(([^()]*)\)", who)
        names = [f"{_strip_and(name)} ({party.strip()})" for name, party in pairs]
    else:
        names = [_strip_and(name) for name in re.split(r"\s*,\s*|\s+en\s+", who)]
    addressee = re.sub(r"^(?:de|het)\s+", "", match["to"].strip())
    return tuple(n for n in names if n), addressee or None


def _strip_and(name: str) -> str:
    return re.sub(r"^(?:en|,)\s+", "", name.strip()).strip(" ,")


def _answerer(heading: str | None) -> str | None:
    match = _ANSWERER.match(heading or "")
    if not match:
        return None
    return match["who"].strip(" ,") or None


def _dutch_date(text: str | None, keyword: str) -> date | None:
    """The date after `keyword` ("ingezonden 1 oktober 2026"), None when absent or impossible."""
    if not text:
        return None
    match = re.search(rf"{keyword}\s+{_DUTCH_DATE.pattern}", text, re.I)
    if not match:
        return None
    try:
        return date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
    except ValueError:
        return None


def _numbers(label: str) -> tuple[int, ...]:
    """Question numbers in a label: "Antwoord 5 en 6" -> (5, 6), "Vraag 7 t/m 9" -> (7, 8, 9)."""
    found: list[int] = []
    for match in _NUMBER.finditer(label):
        low = int(match[1])
        high = int(match[2]) if match[2] else low
        if low <= high <= low + _MAX_RANGE:
            found.extend(range(low, high + 1))
        else:
            found.extend((low, high))
    return tuple(dict.fromkeys(found))


# --- SRU -----------------------------------------------------------------------------------------


def parse_sru_response(body: bytes) -> list[SruRecord]:
    """Records of an SRU searchRetrieve response of repository.overheid.nl/sru (SRU 2.0 or 1.2).

    Raises:
        PublicationError: malformed XML, not a searchRetrieve response, or an SRU diagnostic (the
            service reports errors such as a bad query with HTTP 200 and <diagnostics>).
    """
    root = _parse_xml(body, "SRU response")
    namespace = etree.QName(root).namespace
    if _local(root) != "searchRetrieveResponse" or namespace not in SRU_NAMESPACES:
        raise PublicationError(f"not an SRU searchRetrieve response: root element {root.tag}")
    for child in root:
        if _local(child) == "diagnostics":
            messages = [_diagnostic_message(d) for d in child if _local(d) == "diagnostic"]
            raise PublicationError("SRU diagnostic: " + ("; ".join(messages) or "unspecified error"))
    records: list[SruRecord] = []
    for container in root.iterchildren(f"{{{namespace}}}records"):
        for record in container.iterchildren(f"{{{namespace}}}record"):
            data = record.find(f"{{{namespace}}}recordData")
            parsed = _sru_record(data) if data is not None else None
            if parsed is None:
                logger.warning("SRU record without identifier skipped (position %s)",
                               record.findtext(f"{{{namespace}}}recordPosition"))
                continue
            records.append(parsed)
    return records


def _sru_record(data: etree._Element) -> SruRecord | None:
    if len(data) == 0 and (data.text or "").strip().startswith("<"):
        # recordPacking "string": the record is escaped XML text.
        data = _parse_xml(data.text.strip().encode(), "SRU record")
    identifiers = [e for e in data.iter() if _local(e) == "identifier"]
    # owmskern holds the publication's own identifier; other identifiers may name related documents.
    identifiers.sort(key=lambda e: _local(e.getparent()) != "owmskern")
    identifier = next((text for e in identifiers if (text := _one_line(e.text or ""))), None)
    if not identifier:
        return None
    item_urls: dict[str, str] = {}
    for element in data.iter():
        if _local(element) == "itemUrl" and element.get("manifestation") and (element.text or "").strip():
            item_urls.setdefault(element.get("manifestation", ""), element.text.strip())
    return SruRecord(
        identifier=identifier,
        publication_name=_first_text(data, "publicatienaam"),
        item_urls=item_urls,
        preferred_url=_first_text(data, "preferredUrl"),
    )


def _diagnostic_message(diagnostic: etree._Element) -> str:
    message = _first_text(diagnostic, "message") or "no message"
    details = _first_text(diagnostic, "details")
    uri = _first_text(diagnostic, "uri")
    return message + (f" ({details})" if details else "") + (f" [{uri}]" if uri else "")


def _first_text(root: etree._Element, name: str) -> str | None:
    for element in root.iter():
        if _local(element) == name and (text := _one_line(element.text or "")):
            return text
    return None


def sru_query_url(endpoint: str, identifier: str) -> str:
    """The searchRetrieve URL that finds one publication by its identifier.

    Raises:
        ValueError: the identifier is not a kv-/kv-tk-/ah-tk- identifier of letters, digits and
            '-', or the endpoint is not an http(s) URL.
    """
    if len(identifier) > _MAX_IDENTIFIER_CHARS or not _IDENTIFIER.fullmatch(identifier):
        raise ValueError(f"not a Kamervragen publication identifier: {identifier!r}")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"SRU endpoint must be an http(s) URL: {endpoint!r}")
    ours = {
        "operation": "searchRetrieve",
        "version": "2.0",
        "maximumRecords": "1",
        "query": f'c.product-area==officielepublicaties and dt.identifier=="{identifier}"',
    }
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    query = urlencode([*kept, *ours.items()], quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def publication_identifier(
    kind: str,
    *,
    case_number: str | None = None,
    vergaderjaar: str | None = None,
    aanhangselnummer: str | None = None,
) -> str | None:
    """The officielebekendmakingen id computed from Tweede Kamer data, for when it has no ExterneIdentifier.

    Questions: kv-tk-<case_number>. Answers: ah-tk-<vergaderjaar without dash>-<aanhangselnummer
    without its first four digits (the vergaderjaar), leading zeros stripped>, e.g. ("2024-2025",
    "242501244") -> "ah-tk-20242025-1244". None when the inputs do not allow it.

    Raises:
        ValueError: kind is neither KIND_QUESTIONS nor KIND_ANSWER.
    """
    if kind == KIND_QUESTIONS:
        number = (case_number or "").strip()
        return f"kv-tk-{number}" if re.fullmatch(r"[A-Za-z0-9]+", number) else None
    if kind != KIND_ANSWER:
        raise ValueError(f"kind must be {KIND_QUESTIONS!r} or {KIND_ANSWER!r}, not {kind!r}")
    year = re.fullmatch(r"([0-9]{4})\s*[-–]\s*([0-9]{4})", (vergaderjaar or "").strip())
    number = (aanhangselnummer or "").strip()
    if not year or int(year[2]) != int(year[1]) + 1 or not re.fullmatch(r"[0-9]{5,}", number):
        return None
    # The number starts with the two-digit years of its vergaderjaar; another prefix means the
    # number belongs to another year, and a guessed id would fetch someone else's answer.
    if number[:4] != year[1][2:] + year[2][2:]:
        return None
    serial = number[4:].lstrip("0")
    return f"ah-tk-{year[1]}{year[2]}-{serial}" if serial else None


# --- XML and text helpers ------------------------------------------------------------------------


def _parse_xml(body: bytes, what: str) -> etree._Element:
    # No DTDs, no entity expansion, no network, libxml2's default size limits: the body is
    # fetched from the internet.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    if not body or not body.strip():
        raise PublicationError(f"empty {what}")
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise PublicationError(f"malformed or truncated {what} XML: {exc}") from exc


def _flatten(
    element: etree._Element,
    layout: Callable[[etree._Element], str | None],
    skip: Callable[[etree._Element], bool],
) -> str:
    pieces: list[str] = []

    def walk(e: etree._Element) -> None:
        kind = layout(e)
        if kind == "block":
            pieces.append("\n")
        # Line breaks in the source are layout of the file, not of the text: only blocks break lines.
        if e.text:
            pieces.append(_WHITESPACE.sub(" ", e.text))
        for child in e:
            # Comments, processing instructions and unresolved entities carry no text of ours.
            if isinstance(child.tag, str) and not skip(child):
                walk(child)
            if child.tail:
                pieces.append(_WHITESPACE.sub(" ", child.tail))
        pieces.append("\n" if kind == "block" else " " if kind == "space" else "")

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _local(element: etree._Element | None) -> str:
    if element is None or not isinstance(element.tag, str):
        return ""
    return element.tag.rpartition("}")[2]


def _inside(element: etree._Element, names: set[str]) -> bool:
    return any(_local(a) in names for a in element.iterancestors())


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
