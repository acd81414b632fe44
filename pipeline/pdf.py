"""Extracts the text of PDF documents (AP decisions) at one boundary: pypdf's errors end here as ExtractionError."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PasswordType, PdfReader

from pipeline.errors import EmptyExtraction, ExtractionError

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# A decision runs to a few dozen pages; past these caps the rest is not read (and the log says so).
MAX_PAGES = 500
MAX_CHARS = 2_000_000

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphen, zero-width characters
_SPACES = re.compile("[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# "ver-\nwerking" -> "verwerking": a word broken at the end of a line, continued in lower case on the next.
# "Noord-\nHolland" -> "Noord-Holland": an upper-case continuation is a compound that keeps its hyphen.
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])-\n(?=[a-zà-ÿ])")
_BROKEN_COMPOUND = re.compile(r"(?<=[^\W\d_]-)\n(?=[A-ZÀ-Þ])")
# A line that stops mid-sentence and goes on in lower case or with a number is one wrapped line: "€\n725.000",
# "een\nboete". A line ending in punctuation, or followed by a capital (a heading, a new sentence), stays.
_WRAPPED_LINE = re.compile(r"(?<=[^\s.!?:;])\n(?=[a-zà-ÿ0-9€(])")
_BLANK_LINES = re.compile(r"\n{3,}")


def is_pdf(body: bytes, content_type: str | None) -> bool:
    """Whether a response is a PDF: by its content type or its first bytes."""
    return (content_type or "").split(";")[0].strip().lower() == "application/pdf" or body.lstrip()[:5] == PDF_MAGIC


def pdf_text(body: bytes) -> str:
    """The text of a PDF, whitespace normalised, pages separated by a blank line.

    At most MAX_PAGES pages and MAX_CHARS characters are read. A page whose text cannot be
    extracted is skipped (and logged) as long as another page yields text.

    Raises:
        ExtractionError: not a readable PDF, an encrypted one that needs a password, or none of its pages readable.
        EmptyExtraction: a readable PDF without any text (a scan).
    """
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Many PDFs are encrypted only to restrict printing or copying, with an empty user password.
            raise ExtractionError("the PDF is encrypted with a password")
        page_count = len(reader.pages)
    except ExtractionError:
        raise
    except Exception as exc:  # pypdf raises a zoo of exceptions on broken or hostile input
        raise ExtractionError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc

    if page_count > MAX_PAGES:
        logger.warning("PDF of %d pages: only the first %d are read", page_count, MAX_PAGES)
    pages: list[str] = []
    failed: list[str] = []
    length = 0
    for number in range(min(page_count, MAX_PAGES)):
        try:
            text = normalise(reader.pages[number].extract_text())
        except Exception as exc:  # see above; one bad page must not cost the others
            failed.append(f"page {number + 1}: {type(exc).__name__}: {exc}")
            continue
        if text:
            pages.append(text)
            length += len(text) + 2
        if length >= MAX_CHARS:
            logger.warning("PDF text passes %d characters at page %d of %d: the rest is not read",
                           MAX_CHARS, number + 1, page_count)
            break
    if failed:
        if not pages:
            raise ExtractionError(f"no page of the PDF could be read ({failed[0]})")
        logger.warning("PDF: %d of %d pages could not be read, first: %s", len(failed), page_count, failed[0])
    if not pages:
        raise EmptyExtraction(f"the PDF ({page_count} page(s)) has no text; a scan without a text layer?")
    return "\n\n".join(pages)[:MAX_CHARS].strip()


def normalise(text: str) -> str:
    """Whitespace of extracted PDF text put in order: words broken over lines joined, lines that were
    wrapped mid-sentence joined, runs of spaces collapsed, lines trimmed, at most one blank line (a
    paragraph break) in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BROKEN_WORD.sub("", text)
    text = _BROKEN_COMPOUND.sub("", text)
    text = _WRAPPED_LINE.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
