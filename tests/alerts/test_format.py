"""Alert messages: scraped text is escaped, the limit after entity parsing is respected; Kamervragen alerts."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from alerts.format import MAX_MESSAGE_CHARS, PAIR_CHARS, TITLE_CHARS, render_html, render_text
from storage.repository import CaseInfo, EntityFound, MatchFound, PendingAlert


def alert(**changes: object) -> PendingAlert:
    values: dict[str, object] = dict(
        outbox_id=1, chat_id="42", attempts=1, source="dagblad", kind="news",
        title="Politie gebruikt gezichtsherkenning", url="https://dagblad.example/a?x=1&y=2",
        published_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC), text="De politie zet gezichtsherkenning in.",
        matches=(MatchFound("gezichtsherkenning", "gezichtsherkenning", 2), MatchFound("fr", "Clearview", 1)),
        label="core", relevance=1.5, tags=("police",),
    )
    values.update(changes)
    return PendingAlert(**values)  # type: ignore[arg-type]


def visible(html_text: str) -> str:
    """What Telegram counts: the text after entity parsing."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def test_message_has_title_source_date_terms_and_link() -> None:
    message = render_html(alert())
    assert message.startswith("<b>Politie gebruikt gezichtsherkenning</b>")
    assert "dagblad · 21-11-2026 10:00" in message  # Amsterdam time
    assert "Trefwoorden: gezichtsherkenning, Clearview" in message
    assert '<a href="https://dagblad.example/a?x=1&amp;y=2">' in message


def test_scraped_markup_is_escaped() -> None:
    message = render_html(alert(title='<script>alert(1)</script> & </b><a href="x">', text="<i>niet cursief</i> & meer",
                                url='https://e.example/"><b>'))
    tags = re.findall(r"</?([a-z]+)", message)
    assert set(tags) <= {"b", "i", "a"} and tags.count("a") == 2  # only our own tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/b&gt;" in message
    assert 'href="https://e.example/&quot;&gt;&lt;b&gt;"' in message


def test_long_text_stays_under_the_limit_after_entity_parsing() -> None:
    message = render_html(alert(title="&" * 5000, text="<>" * 20000))
    assert len(visible(message)) <= MAX_MESSAGE_CHARS
    assert len(message) > MAX_MESSAGE_CHARS // 2  # escaping made it longer, which is allowed


def test_why_it_matched_terms_by_score_label_entities_and_the_marked_snippet() -> None:
    matches = (
        MatchFound("fr", "biometrie", 1, 1.5, 1.5, "over [[biometrie]] en meer"),
        MatchFound("fr", "gezichtsherkenning", 2, 3.0, 4.5, "de politie zet [[gezichtsherkenning]] in"),
        MatchFound("fr", "Face ID", 1, -3.0, -3.0, "[[Face ID]]"),
    )
    entities = (
        EntityFound("nationale-politie", "organisation", "Nationale Politie", 2),
        EntityFound("date:2026-11-20", "date", "2026-11-20", 1),
        EntityFound("money:30500000", "money", "€ 30.500.000", 1),
    )
    message = render_html(alert(matches=matches, entities=entities))
    assert "Trefwoorden: gezichtsherkenning, biometrie\n" in message  # best first; counter-rules are not reasons
    assert "<i>kern (relevantie 1.5) · police</i>" in message
    assert "Entiteiten: Nationale Politie, € 30.500.000\n" in message  # dates say little on their own
    assert "de politie zet <b>gezichtsherkenning</b> in" in message
    assert "de politie zet *gezichtsherkenning* in" in render_text(alert(matches=matches))


def test_a_snippet_with_unpaired_marks_shows_no_bold() -> None:
    message = render_html(alert(matches=(MatchFound("fr", "x", 1, 1.0, 1.0, "<b>[[x</b> & y"),)))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in message and message.count("<b>") == 1  # the title's only


def test_console_text_is_plain() -> None:
    text = render_text(alert(published_at=None))
    assert "<" not in text and "datum onbekend" in text and text.endswith("https://dagblad.example/a?x=1&y=2")


# -- Kamervragen -------------------------------------------------------------------------------

CASE_URL = "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2026Z01001&did=2026D45001"
SUBMITTED = datetime(2026, 10, 1, 22, 30, tzinfo=UTC)  # 2 October in Amsterdam
DUE = datetime(2026, 10, 22, 22, 30, tzinfo=UTC)  # 23 October in Amsterdam


def case(**changes: object) -> CaseInfo:
    values: dict[str, object] = dict(
        number="2026Z01001", subject="gezichtsherkenning door de politie", role="question", status="open",
        submitted_at=SUBMITTED, due_at=DUE, submitters=("Jansen (GroenLinks-PvdA)", "De Vries (D66)"),
        addressee="minister van Justitie en Veiligheid", answerer=None, first_pair=None,
    )
    values.update(changes)
    return CaseInfo(**values)  # type: ignore[arg-type]


def case_alert(event: str = "new", **changes: object) -> PendingAlert:
    return alert(
        source="tweede-kamer", kind="kamervraag", title="Vragen van de leden Jansen en De Vries", url=CASE_URL,
        text="Schriftelijke vragen over gezichtsherkenning door de politie.", event=event, case=case(**changes),
    )


ASKED = (
    "2026Z01001 · gesteld door Jansen (GroenLinks-PvdA), De Vries (D66) aan de minister van Justitie en Veiligheid"
)


def test_a_new_question_names_case_submitters_addressee_and_deadline() -> None:
    lines = render_html(case_alert()).split("\n")
    assert lines[0] == "<b>Nieuwe Kamervragen: gezichtsherkenning door de politie</b>"
    assert lines[1] == "<i>tweede-kamer · 21-11-2026 10:00</i>"
    assert lines[2] == ASKED
    assert lines[3] == "Antwoord uiterlijk 23-10-2026"  # the deadline's day in Amsterdam
    assert lines[4] == "Trefwoorden: gezichtsherkenning, Clearview"
    assert lines[5] == "<i>kern (relevantie 1.5) · police</i>"
    assert lines[6] == "Schriftelijke vragen over gezichtsherkenning door de politie."
    assert lines[7] == f'<a href="{html.escape(CASE_URL)}">{html.escape(CASE_URL)}</a>'
    assert len(lines) == 8


def test_a_postponement_shows_the_new_deadline() -> None:
    new_due = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December in Amsterdam
    message = render_html(case_alert(role="postponement", status="postponed", due_at=new_due))
    assert message.startswith("<b>Uitstel van antwoord op Kamervragen: gezichtsherkenning door de politie</b>\n")
    assert f"\n{ASKED}\nNieuwe termijn: 01-12-2026\n" in message
    assert "Antwoord uiterlijk" not in message and "Beantwoord door" not in message


def test_an_answer_shows_the_answerer_and_the_first_question_and_answer() -> None:
    message = render_html(
        case_alert(role="answer", status="answered", due_at=None, answerer="minister Van Weel",
                   first_pair=(1, "Kent u het bericht over gezichtsherkenning?", "Ja."))
    )
    lines = message.split("\n")
    assert lines[0] == "<b>Antwoord op Kamervragen: gezichtsherkenning door de politie</b>"
    assert lines[2:7] == [
        ASKED,
        "Beantwoord door minister Van Weel",
        "<i>Vraag 1: Kent u het bericht over gezichtsherkenning?</i>",
        "Antwoord 1: Ja.",
        "Trefwoorden: gezichtsherkenning, Clearview",
    ]
    assert "Schriftelijke vragen over" not in message  # the pair stands in for the snippet
    assert lines[-1].startswith('<a href="')


def test_an_answer_without_pair_or_answerer() -> None:
    message = render_text(case_alert(role="answer", status="answered", answerer=None, first_pair=None))
    assert "\nBeantwoord door onbekend\n" in message
    assert "Vraag " not in message
    assert "\nSchriftelijke vragen over gezichtsherkenning door de politie.\n" in message  # the snippet instead
    unanswered = render_text(case_alert(role="answer", answerer="X", first_pair=(3, "Waarom?", None)))
    assert "\nVraag 3: Waarom?\nAntwoord 3: (geen antwoord)\n" in unanswered


def test_an_overdue_case_shows_submission_and_the_deadline_that_passed() -> None:
    message = render_html(case_alert(event="overdue", status="overdue"))
    lines = message.split("\n")
    assert lines[0] == "<b>Kamervragen niet beantwoord binnen de termijn: gezichtsherkenning door de politie</b>"
    assert lines[2] == ASKED
    assert lines[3] == "Ingediend 02-10-2026; termijn verstreken op 23-10-2026"
    assert "Antwoord uiterlijk" not in message  # the event decides, not the alerted document's role


def test_unknown_people_and_dates() -> None:
    message = render_text(case_alert(event="overdue", submitters=(), addressee=None, submitted_at=None, due_at=None))
    assert "\n2026Z01001 · gesteld door onbekend\n" in message  # no " aan de"
    assert "\nIngediend onbekend; termijn verstreken op onbekend\n" in message
    assert "\nAntwoord uiterlijk onbekend\n" in render_text(case_alert(due_at=None))


def test_without_a_subject_the_title_heads_the_case_alert() -> None:
    assert render_text(case_alert(subject="")).startswith("Nieuwe Kamervragen: Vragen van de leden Jansen en De Vries\n")


def test_hostile_case_fields_are_escaped() -> None:
    message = render_html(
        case_alert(
            role="answer", subject="<b>Clearview</b> & co", submitters=("<b>Jansen</b> & Zn (A&B)",),
            addressee="</i><script>x</script>", answerer="<a href='x'>minister</a>",
            first_pair=(1, "<b>Vraag</b> & meer", "</i><i>antwoord</i> &amp;"),
        )
    )
    tags = re.findall(r"</?([a-z]+)", message)
    assert set(tags) <= {"b", "i", "a"} and tags.count("a") == 2 and tags.count("b") == 2 and tags.count("i") == 6
    assert "<b>Antwoord op Kamervragen: &lt;b&gt;Clearview&lt;/b&gt; &amp; co</b>" in message
    assert "gesteld door &lt;b&gt;Jansen&lt;/b&gt; &amp; Zn (A&amp;B)" in message
    assert " aan de &lt;/i&gt;&lt;script&gt;x&lt;/script&gt;" in message
    assert "Beantwoord door &lt;a href='x'&gt;minister&lt;/a&gt;" in message
    assert "<i>Vraag 1: &lt;b&gt;Vraag&lt;/b&gt; &amp; meer</i>" in message
    assert "Antwoord 1: &lt;/i&gt;&lt;i&gt;antwoord&lt;/i&gt; &amp;amp;" in message
    assert visible(message).count("<b>Clearview</b> & co") == 1  # shown as written


def test_long_case_texts_stay_under_the_limit() -> None:
    message = render_html(
        case_alert(
            role="answer", subject="&" * 5000, answerer="minister Van Weel",
            first_pair=(1, "<vraag> " * 700, "antwoord & " * 500),
        )
    )
    assert len(visible(message)) <= MAX_MESSAGE_CHARS
    question_line = next(line for line in visible(message).split("\n") if line.startswith("Vraag 1: "))
    answer_line = next(line for line in visible(message).split("\n") if line.startswith("Antwoord 1: "))
    assert len(question_line) <= len("Vraag 1: ") + PAIR_CHARS and question_line.endswith("…")
    assert len(answer_line) <= len("Antwoord 1: ") + PAIR_CHARS and answer_line.endswith("…")
    assert len(visible(message).split("\n")[0]) <= TITLE_CHARS


@pytest.mark.parametrize("role", ["question", "postponement", "answer"])
@pytest.mark.parametrize("event", ["new", "overdue"])
def test_every_case_alert_with_5000_character_texts_fits(role: str, event: str) -> None:
    long = "antwoord " * 556  # 5,004 characters
    message = render_html(
        alert(source="tweede-kamer", url=CASE_URL, title=long, text=long, event=event,
              case=case(role=role, subject=long, first_pair=(1, long, long) if role == "answer" else None))
    )
    assert len(visible(message)) <= MAX_MESSAGE_CHARS
    text = render_text(alert(event=event, text=long, case=case(role=role, first_pair=(2, long, long))))
    assert len(text) <= MAX_MESSAGE_CHARS


def test_long_people_fields_stay_under_the_limit() -> None:
    message = render_html(
        # e.g. an "Antwoord van ..." heading run together with the paragraph after it (pipeline.publication._answerer)
        case_alert(role="answer", answerer="minister Van Weel mede namens " * 150, first_pair=(1, "vraag " * 1000, "x"))
    )
    assert len(visible(message)) <= MAX_MESSAGE_CHARS


def test_case_alerts_in_the_console_are_plain() -> None:
    text = render_text(case_alert(role="answer", answerer="minister Van Weel", first_pair=(1, "<b>V</b>", "A & B")))
    assert "<i>" not in text and "&amp;" not in text
    assert "\nVraag 1: <b>V</b>\nAntwoord 1: A & B\n" in text
    assert text.endswith(CASE_URL)


def test_ap_alerts_show_the_sanction_and_walled_pages_say_so() -> None:
    from datetime import date

    from pipeline.sanctions import SanctionFacts

    facts = SanctionFacts("<b>Voorbeeld</b> B.V.", 30_500_000, 5_100_000, date(2024, 5, 16), ("boete",))
    lines = render_html(alert(kind="ap-release", sanction=facts)).split("\n")
    assert lines[2] == ("<b>Boete € 30.500.000 · dwangsom tot € 5.100.000 · aan &lt;b&gt;Voorbeeld&lt;/b&gt; B.V. · "
                        "besluit 16-05-2024</b>")
    only_measure = render_text(alert(sanction=SanctionFacts(None, None, None, None, ("berisping",))))
    assert "\nBerisping\n" in only_measure
    assert "Achter een cookiemuur" in render_text(alert(access="consent-wall"))
    assert "Achter een betaalmuur" in render_text(alert(access="paywall"))
    assert "muur" not in render_text(alert())
