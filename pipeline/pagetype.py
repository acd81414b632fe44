"""Recognises what kind of page a fetched HTML page is, so that only articles are stored as articles.

Structural signals win over words; the first signal that decides names itself in ``PageType.reason``.
In order:

1. The page *is* a consent manager's page: its URL is on a consent host (DPG Media sends visitors without
   consent to ``myprivacy.dpgmedia.nl/consent?siteKey=…&callbackUrl=…/privacygate-confirm?redirectUri=…``).
2. A consent gate or consent manager with nothing else on the page: a "Privacy Gate" title (DPG Media's gate
   is titled "DPG Media Privacy Gate"), DPG's gate script or form (``myprivacy-static.dpgmedia.net``,
   ``myprivacy.*/consent``), or the markup of OneTrust, Didomi, Cookiebot, Sourcepoint, Quantcast or
   Usercentrics, on a page without article text (these banners sit on top of most normal articles too).
3. schema.org JSON-LD, top-level nodes only (an article's embedded ``"video": {"@type": "VideoObject"}`` does not
   count): ``LiveBlogPosting`` is a live blog; ``isAccessibleForFree: false`` (Google's paywalled-content markup)
   is a paywall unless its ``hasPart`` ``cssSelector`` part is in the page in full; ``VideoObject`` or
   ``CollectionPage``/``ItemList``/``SearchResultsPage`` without an article type are a video or a listing;
   ``og:type`` ``video.*`` is a video. Unless the page carries a long article text anyway (a metered site's
   page marked not free but sent in full is an article).
4. A paywall container (class ``paywall``, Piano's ``tp-*`` modal, AD's ``#remaining-paid-content``, FD's
   ``section.upsell``, Mediahuis' ``data-auth-root="paywall"``, NDC's ``pw-wrapper``/``startPayWall``…) or a
   "log in om verder te lezen" text, after no more than a teaser; ``article:content_tier`` ``locked``.
5. A JSON-LD article type (``NewsArticle`` …) settles it: an article.
6. The URL path: ``/liveblog/``, ``/live/``, ``/video/``, ``/tag/``, ``/categorie/``, ``/rubriek/``, ``?page=`` …
7. The page's shape, when nothing declared it an article: a video player with hardly any text; many teaser links
   (headline links outside paragraphs) and no run of paragraphs between them; a consent request with an accept
   button and no text.

A normal article that embeds a video, carries a cookie banner or ends in a "Lees ook" list stays an article: it
has a run of paragraphs. Parsing never raises, and the work is bounded (``MAX_HTML_CHARS``, ``MAX_ELEMENTS``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

ARTICLE, LISTING, VIDEO, LIVEBLOG, CONSENT_WALL, PAYWALL = "article", "listing", "video", "liveblog", "consent-wall", "paywall"


@dataclass(frozen=True)
class PageType:
    kind: str  # one of the constants above
    reason: str  # what gave it away, for the log


# Work bounds: a page is looked at up to this many characters and elements (real news pages: 0.1-2 MB, 2-10k).
MAX_HTML_CHARS = 2_000_000
MAX_ELEMENTS = 100_000
_MAX_JSONLD_BLOCKS = 20
_MAX_JSONLD_CHARS = 300_000
_MAX_JSONLD_NODES = 500
_MAX_WORDS_CHARS = 200_000  # of page text searched for wall texts
_MAX_NOTES = 20  # signals of one sort remembered

# Text thresholds, in characters of paragraph text (text outside links, headings, menus, banners and dialogs).
ARTICLE_TEXT = 500  # an article has a run of paragraphs at least this long (a short news flash: ~600)
LONG_TEXT = 1200  # a run this long is an article body, whatever the metadata says
NO_TEXT = 250  # a wall shows no more page text than this
TEASER_MAX = 1500  # a paywalled page shows no more than this before the wall
MIN_TEASER_LINKS = 8  # a listing has at least this many headline links…
MIN_TEASER_LINK_CHARS = 20  # …of at least this many characters
MIN_CARDS = 5  # or this many <article> teaser cards

_ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "satiricalarticle", "blogposting",
    "report", "scholarlyarticle", "techarticle", "advertisercontentarticle",
})
_LIVEBLOG_TYPES = frozenset({"liveblogposting"})
_VIDEO_TYPES = frozenset({"videoobject", "videogallery"})
_LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})  # not BreadcrumbList

_LIVEBLOG_SEGMENTS = frozenset({"liveblog", "liveblogs", "live"})
_VIDEO_SEGMENTS = frozenset({"video", "videos"})
_LISTING_SEGMENTS = frozenset({
    "tag", "tags", "categorie", "category", "categories", "rubriek", "rubrieken", "onderwerp", "onderwerpen",
    "sectie", "zoeken", "zoek", "search", "archief", "archive", "auteur", "author", "page", "pagina",
})
_PAGE_PARAMS = frozenset({"page", "pagina", "paged"})

# Consent managers: element ids (exact or prefix), class tokens, and the hosts their scripts and iframes load from.
_CMP_IDS = {
    "onetrust-consent-sdk": "OneTrust", "onetrust-banner-sdk": "OneTrust",
    "didomi-host": "Didomi", "didomi-popup": "Didomi", "didomi-notice": "Didomi",
    "cybotcookiebotdialog": "Cookiebot", "usercentrics-root": "Usercentrics", "qc-cmp2-container": "Quantcast",
}
_CMP_ID_PREFIXES = {"sp_message_container": "Sourcepoint", "sp_message_iframe": "Sourcepoint"}
_CMP_CLASSES = {"qc-cmp2-container": "Quantcast", "didomi-popup-container": "Didomi"}
_CMP_HOSTS = {
    "cdn.cookielaw.org": "OneTrust", "sdk.privacy-center.org": "Didomi", "consent.cookiebot.com": "Cookiebot",
    "privacy-mgmt.com": "Sourcepoint", "cmp.quantcast.com": "Quantcast", "quantcast.mgr.consensu.org": "Quantcast",
    "usercentrics.eu": "Usercentrics",
}
# Consent pages one is redirected to (DPG Media: myprivacy.dpgmedia.nl/.be, myprivacy.dpgmediagroup.net).
_CONSENT_HOST = re.compile(r"^(?:myprivacy[\w-]*|consent)\.", re.IGNORECASE)
_CONSENT_CALLBACK = re.compile(r"privacygate-confirm|privacy-gate/accept|privacy-wall/accept", re.IGNORECASE)
_GATE_TITLE = re.compile(r"\bprivacy[ -]?gate\b", re.IGNORECASE)

# Paywall containers: class/id tokens (AD and other DPG regionals, FD, NDC, Groene; generic "paywall").
_PAYWALL_TOKEN = re.compile(r"(?:^|[-_])pay-?wall(?:$|[-_])|^startpaywall$|^pw-wrapper$|^signupplus$", re.IGNORECASE)
_PAYWALL_IDS = frozenset({"remaining-paid-content", "closed-block"})
_PIANO_TOKENS = frozenset({"tp-container-inner", "tp-modal", "tp-iframe-wrapper", "tp-backdrop"})

# Words: weakest, and only counted on a page that shows no more than a teaser (or nothing at all).
_PAYWALL_TEXT = re.compile(
    r"log\s?in om (?:dit artikel |het artikel |het hele artikel )?verder te lezen"
    r"|om (?:dit artikel )?verder te lezen"
    r"|(?:alleen|exclusief) (?:beschikbaar )?voor (?:abonnees|leden)"
    r"|lees (?:verder|het hele artikel|dit artikel) met (?:een )?(?:abonnement|account)"
    r"|word abonnee (?:om|en) (?:verder|dit artikel|het hele|alle|onbeperkt)",
    re.IGNORECASE,
)
_SUBSCRIBE_WORDS = re.compile(r"abonnee|abonnement|inloggen|log\s?in", re.IGNORECASE)
_CONSENT_TEXT = re.compile(
    r"(?:wij|we) vragen (?:je|jou|u) (?:om )?(?:je |uw )?toestemming"
    r"|vragen (?:we|wij) (?:je|jou|u) (?:om )?(?:je |uw )?toestemming"
    r"|(?:je|jouw|uw) toestemming (?:nodig|vragen|geven)"
    r"|toestemming voor (?:het gebruik van |het plaatsen van )?cookies"
    r"|(?:ga|gaat) (?:je|u) akkoord met (?:het gebruik van |het plaatsen van )?(?:alle )?cookies"
    r"|we value your privacy|we need your consent",
    re.IGNORECASE,
)
_ACCEPT_CONTROL = re.compile(
    r"^(?:ja,? )?(?:ik ga )?akkoord\b|^accepte(?:er|ren)\b|^alles accepteren|^(?:alle cookies )?toestaan"
    r"|^accept|^i agree|^agree",
    re.IGNORECASE,
)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NO_TEXT_TAGS = frozenset({"script", "style", "template", "svg", "math", "head", "title", "select", "option",
                           "textarea", "object", "iframe", "video", "audio"})
# Words, but not page text. Not <form>: some CMSes (ASP.NET) wrap the whole page in one.
_BOILER_TAGS = frozenset({"nav", "footer", "aside", "button", "label", "figcaption", "dialog", "menu", "noscript"})
_BOILER_ROLES = frozenset({"navigation", "contentinfo", "dialog", "alertdialog", "complementary", "search", "banner"})
_CONSENT_ID = re.compile(r"cookie|consent|gdpr|privacy-?gate|cmp", re.IGNORECASE)
_VIDEO_PLAYER_SRC = re.compile(
    r"youtube(?:-nocookie)?\.com/embed|player\.vimeo\.com|dailymotion\.com/embed|jwplayer|jwplatform|/embed/video"
    r"|video\.|/video/|streamone|tmgvideo|brightcove|kaltura",
    re.IGNORECASE,
)
_VIDEO_PLAYER_TOKEN = re.compile(r"video-?player|jwplayer|vjs-|video-js", re.IGNORECASE)


def page_type(html: str, url: str) -> PageType:
    """What kind of page this is; ``article`` when nothing says otherwise. Never raises."""
    try:
        return _decide(_read(html), url or "")
    except Exception as exc:  # noqa: BLE001 - a classifier must not stop a crawl; the extractor gets its chance
        return PageType(ARTICLE, f"page type unknown ({exc.__class__.__name__}); treated as an article")


# -- reading the page ----------------------------------------------------------------------------------------------


@dataclass
class _Page:
    """What the classifier looks at, gathered in one bounded pass over the document."""

    title: str = ""
    og_type: str = ""
    content_tier: str = ""
    jsonld: list[str] = field(default_factory=list)
    cmp: list[str] = field(default_factory=list)  # consent-manager markup found, as "Didomi (#didomi-host)"
    gate_links: list[str] = field(default_factory=list)  # forms/links/scripts of a privacy gate
    paywall: list[str] = field(default_factory=list)  # explicit paywall containers, as ".paywall"
    piano: list[str] = field(default_factory=list)  # Piano containers (also used for newsletters, so weaker)
    video_players: int = 0
    teaser_links: int = 0
    cards: int = 0  # <article> elements
    text: int = 0  # paragraph text outside paywall containers
    paywall_text: int = 0  # paragraph text inside paywall containers
    longest_run: int = 0  # the longest paragraph text between two headline links
    accept_controls: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # lowercased page text, for the wall texts
    words_chars: int = 0
    elements: int = 0
    truncated: bool = False
    root: Any = None

    def all_words(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class _State:
    boiler: bool = False  # menus, banners, dialogs, asides: not page text
    link: bool = False
    heading: bool = False
    no_text: bool = False  # scripts, styles and the like: not text at all
    in_p: bool = False
    in_body: bool = False  # inside <article> or <main>
    paywall: bool = False


def _read(html: str | bytes | None) -> _Page:
    page = _Page()
    if html is None:
        return page
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if len(html) > MAX_HTML_CHARS:
        html, page.truncated = html[:MAX_HTML_CHARS], True
    if not html.strip():
        return page
    data = html.replace("\x00", "").encode("utf-8", "replace")
    parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return page
    if root is None:
        return page
    page.root = root
    _walk(root, page)
    return page


def _walk(root: Any, page: _Page) -> None:
    stack: list[_State] = []
    run = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            stack.pop()
            if stack:
                run = _text(el.tail, stack[-1], page, run)
            continue
        page.elements += 1
        if page.elements > MAX_ELEMENTS:
            page.truncated = True
            break
        parent = stack[-1] if stack else _State()
        if not isinstance(el.tag, str):  # entities and the like
            stack.append(parent)
            continue
        state, run = _enter(el, el.tag.lower(), parent, page, run)
        stack.append(state)
        run = _text(el.text, state, page, run)
    page.longest_run = max(page.longest_run, run)


def _enter(el: Any, tag: str, parent: _State, page: _Page, run: int) -> tuple[_State, int]:
    """The state inside ``el``, collecting what the element itself tells; returns the paragraph run so far."""
    get = el.get
    el_id = (get("id") or "").strip()
    classes = (get("class") or "").split()
    role = (get("role") or "").strip().lower()
    boiler = parent.boiler or tag in _BOILER_TAGS or role in _BOILER_ROLES or get("aria-modal") == "true"
    if tag == "header" and not parent.in_body:
        boiler = True

    # Consent managers (their banners are no page text either).
    cmp = _CMP_IDS.get(el_id.lower()) or next(
        (name for prefix, name in _CMP_ID_PREFIXES.items() if el_id.lower().startswith(prefix)), None
    ) or next((_CMP_CLASSES[c.lower()] for c in classes if c.lower() in _CMP_CLASSES), None)
    if cmp:
        _note(page.cmp, f"{cmp} ({'#' + el_id if el_id else '.' + classes[0]})")
        boiler = True
    elif el_id and _CONSENT_ID.search(el_id) and tag not in ("html", "body", "main", "article"):
        boiler = True

    # Paywall containers.
    paywall = parent.paywall
    token = next((t for t in [el_id, *classes] if t and (_PAYWALL_TOKEN.search(t) or t.lower() in _PAYWALL_IDS)), None)
    if token is None and get("data-auth-root") == "paywall":
        token = 'data-auth-root="paywall"'
    if token is None and tag == "section" and "upsell" in classes:
        token = "upsell"
    if token is None and "upsell-modal-background" in classes:
        token = "upsell-modal-background"
    if token is not None and tag not in ("html", "body"):
        _note(page.paywall, token if token.startswith("data-") else ("#" if token == el_id else ".") + token)
        paywall = True
    elif any(c.lower() in _PIANO_TOKENS for c in classes):
        _note(page.piano, "." + next(c for c in classes if c.lower() in _PIANO_TOKENS))
        paywall = True

    if tag == "title" and not page.title:
        page.title = " ".join("".join(islice(el.itertext(), 20)).split())[:300]
    elif tag == "meta":
        prop = (get("property") or get("name") or "").strip().lower()
        if prop == "og:type":
            page.og_type = (get("content") or "").strip().lower()
        elif prop == "article:content_tier":
            page.content_tier = (get("content") or "").strip().lower()
    elif tag == "script":
        if (get("type") or "").strip().lower() == "application/ld+json" and len(page.jsonld) < _MAX_JSONLD_BLOCKS:
            page.jsonld.append((el.text or "")[:_MAX_JSONLD_CHARS])
        _resource(get("src"), page)
    elif tag == "iframe":
        src = get("src") or get("data-src") or ""
        _resource(src, page)
        if _VIDEO_PLAYER_SRC.search(src):
            page.video_players += 1
    elif tag == "video":
        page.video_players += 1
    elif tag == "form":
        _gate_link(get("action"), page)
    elif tag == "article" and not boiler:
        page.cards += 1
    if tag == "div" and any(_VIDEO_PLAYER_TOKEN.search(c) for c in classes):
        page.video_players += 1

    link = parent.link
    if tag == "a":
        _gate_link(get("href"), page)
        if not boiler and not parent.in_p and not parent.link and get("href"):
            if len(_short_text(el, MIN_TEASER_LINK_CHARS + 40)) >= MIN_TEASER_LINK_CHARS:
                page.teaser_links += 1
                page.longest_run, run = max(page.longest_run, run), 0
        link = True
    if tag in ("button", "a", "input") or role == "button":
        label = (get("value") or "") if tag == "input" else _short_text(el, 60)
        if label and len(label) <= 60 and _ACCEPT_CONTROL.search(label):
            _note(page.accept_controls, label)

    return _State(
        boiler=boiler,
        link=link,
        heading=parent.heading or tag in _HEADINGS,
        no_text=parent.no_text or tag in _NO_TEXT_TAGS,
        in_p=parent.in_p or tag == "p",
        in_body=parent.in_body or tag in ("article", "main"),
        paywall=paywall,
    ), run


def _text(text: str | None, state: _State, page: _Page, run: int) -> int:
    if not text or state.no_text:
        return run
    words = " ".join(text.split())
    if not words:
        return run
    if page.words_chars < _MAX_WORDS_CHARS:
        page.words.append(words.lower())
        page.words_chars += len(words) + 1
    if state.boiler or state.link or state.heading:
        return run
    if state.paywall:
        page.paywall_text += len(words)
        return run
    page.text += len(words)
    return run + len(words)


def _note(found: list[str], what: str) -> None:
    """Remembers a signal; the first few are enough to decide and to say why."""
    if len(found) < _MAX_NOTES:
        found.append(what)


def _short_text(el: Any, limit: int) -> str:
    """The element's text, normalised, looking no further than about ``limit`` characters."""
    parts, size = [], 0
    for piece in islice(el.itertext(), 40):
        parts.append(piece)
        size += len(piece)
        if size > limit * 3:
            break
    return " ".join("".join(parts).split())[: limit + 1]


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "") if url else ""
    except ValueError:
        return ""


def _resource(src: str | None, page: _Page) -> None:
    """A script or iframe source: a consent manager's or a privacy gate's."""
    host = _host(src)
    if not host:
        return
    for known, name in _CMP_HOSTS.items():
        if host == known or host.endswith("." + known):
            _note(page.cmp, f"{name} ({host})")
            return
    if _CONSENT_HOST.match(host):
        _note(page.gate_links, host)


def _gate_link(href: str | None, page: _Page) -> None:
    """A form or link to a privacy gate's consent page (myprivacy.…/consent?callbackUrl=…)."""
    if not href or "myprivacy" not in href.lower() or len(page.gate_links) >= _MAX_NOTES:
        return
    host = _host(href)
    if _CONSENT_HOST.match(host) and ("consent" in href.lower() or "callbackurl" in href.lower()):
        _note(page.gate_links, f"{host}/consent")


# -- JSON-LD -------------------------------------------------------------------------------------------------------


@dataclass
class _Declared:
    types: list[str] = field(default_factory=list)  # schema.org types of the top-level nodes, as written
    closed: bool = False  # isAccessibleForFree false
    closed_parts: list[str] = field(default_factory=list)  # hasPart cssSelector of the paywalled parts

    def has(self, kinds: frozenset[str]) -> str | None:
        return next((t for t in self.types if t.lower() in kinds), None)


def _jsonld(blocks: list[str]) -> _Declared:
    declared = _Declared()
    budget = [_MAX_JSONLD_NODES]
    for block in blocks:
        raw = block.strip()
        for junk in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
            raw = raw.replace(junk, "")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            _jsonld_fallback(raw, declared)
            continue
        for node in _top_nodes(data, budget):
            declared.types.extend(_types(node))
            if _is_false(node.get("isAccessibleForFree")):
                declared.closed = True
            parts = node.get("hasPart")
            for part in (parts if isinstance(parts, list) else [parts])[:20]:
                if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
                    declared.closed = True
                    selector = part.get("cssSelector")
                    if isinstance(selector, str):
                        declared.closed_parts.append(selector)
    return declared


def _top_nodes(data: Any, budget: list[int]) -> Iterator[dict[str, Any]]:
    """Top-level nodes: the document(s), @graph members, and the mainEntity of a page node."""
    pending = list(data) if isinstance(data, list) else [data]
    while pending and budget[0] > 0:
        node = pending.pop(0)
        if not isinstance(node, dict):
            continue
        budget[0] -= 1
        graph = node.get("@graph")
        if isinstance(graph, list):
            pending.extend(graph[:200])
        if "@type" in node:
            yield node
            main = node.get("mainEntity")
            if isinstance(main, dict):
                pending.append({k: v for k, v in main.items() if k != "mainEntity"})


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1].rsplit(":", 1)[-1].strip() for v in values[:10] if isinstance(v, str)]


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "0"))


def _jsonld_fallback(raw: str, declared: _Declared) -> None:
    """JSON that does not parse (trailing commas, stray quotes): the first @type is the node's own."""
    match = re.search(r'"@type"\s*:\s*(?:\[\s*)?"([^"]{1,80})"', raw[:20_000])
    if match:
        declared.types.append(match.group(1).rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    if re.search(r'"isAccessibleForFree"\s*:\s*"?(?:false|False)"?', raw):
        declared.closed = True


def _part_text(root: Any, selectors: list[str]) -> int:
    """Text inside the elements a ``hasPart`` ``cssSelector`` names (class selectors, as Google asks)."""
    classes = {c for s in selectors for c in re.findall(r"\.([\w-]+)", s)}
    if root is None or not classes:
        return 0
    total = 0
    for count, el in enumerate(root.iter()):
        if count > MAX_ELEMENTS:
            break
        if isinstance(el.tag, str) and classes & set((el.get("class") or "").split()):
            total += len(" ".join(" ".join(islice(el.itertext(), 5000)).split()))
    return total


# -- deciding ------------------------------------------------------------------------------------------------------


def _decide(page: _Page, url: str) -> PageType:
    no_article = page.longest_run < ARTICLE_TEXT  # no run of paragraphs an article would have
    no_text = no_article and page.text <= NO_TEXT  # and hardly any text at all
    has_long_text = page.longest_run >= LONG_TEXT

    # 1. The fetched URL is a consent page (after the redirect).
    host = _host(url)
    if host and _CONSENT_HOST.match(host):
        return PageType(CONSENT_WALL, f"URL is a consent page ({host})")

    # 2. A privacy gate or consent manager, and nothing else on the page.
    # (Consent managers' banners sit on normal articles too, hence the stricter "no text" for those.)
    if no_article and _GATE_TITLE.search(page.title):
        return PageType(CONSENT_WALL, f"privacy gate page title {page.title!r}")
    if no_article and page.gate_links:
        return PageType(CONSENT_WALL, f"privacy gate ({page.gate_links[0]}) and no article text")
    if no_text and page.cmp:
        return PageType(CONSENT_WALL, f"consent manager markup ({page.cmp[0]}) and no article text")

    # 3. schema.org JSON-LD and og:type.
    declared = _jsonld(page.jsonld)
    article_type = declared.has(_ARTICLE_TYPES)
    if kind := declared.has(_LIVEBLOG_TYPES):
        return PageType(LIVEBLOG, f"JSON-LD @type {kind}")
    if declared.closed:
        # Google's markup is also on pages that carry the whole text and hide it by script (client-side walls,
        # metered sites): then the text is here to be read.
        hidden = _part_text(page.root, declared.closed_parts) if declared.closed_parts else 0
        if hidden >= LONG_TEXT:
            return PageType(ARTICLE, f"JSON-LD isAccessibleForFree false, but its part {declared.closed_parts[0]} "
                                     f"is in the page ({hidden} characters)")
        if has_long_text:
            return PageType(ARTICLE, f"JSON-LD isAccessibleForFree false, but the text is in the page "
                                     f"({page.longest_run} characters)")
        where = f", hasPart {declared.closed_parts[0]}" if declared.closed_parts else ""
        return PageType(PAYWALL, f"JSON-LD isAccessibleForFree false{where}")
    if page.content_tier == "locked":
        return PageType(PAYWALL, "meta article:content_tier locked")
    if not article_type and not has_long_text:
        if kind := declared.has(_VIDEO_TYPES):
            return PageType(VIDEO, f"JSON-LD @type {kind}")
        if kind := declared.has(_LISTING_TYPES):
            return PageType(LISTING, f"JSON-LD @type {kind}")
    if page.og_type.startswith("video") and not (article_type and page.longest_run >= ARTICLE_TEXT) and not has_long_text:
        return PageType(VIDEO, f"og:type {page.og_type}")

    # 4. A paywall after no more than a teaser.
    # (A "paywall" element holding a whole article is the article, shown or hidden by script: not a wall.)
    teaser = page.text <= TEASER_MAX and not has_long_text and page.paywall_text < LONG_TEXT
    if teaser and page.paywall:
        return PageType(PAYWALL, f"paywall container {page.paywall[0]} after {page.text} characters of teaser")
    words = page.all_words() if teaser or no_text else ""
    if teaser and page.piano and _SUBSCRIBE_WORDS.search(words):
        return PageType(PAYWALL, f"Piano paywall container {page.piano[0]} after {page.text} characters of teaser")
    if teaser and (match := _PAYWALL_TEXT.search(words)):
        return PageType(PAYWALL, f"paywall text {match.group(0)!r} after {page.text} characters of teaser")

    # 5. Declared an article.
    if article_type:
        return PageType(ARTICLE, f"JSON-LD @type {article_type}")

    # 6. The URL path.
    kind_by_url = _url_kind(url)
    if kind_by_url is not None:
        return kind_by_url

    # 7. The page's shape.
    if page.video_players and page.longest_run < ARTICLE_TEXT:
        return PageType(VIDEO, f"video player with only {page.longest_run} characters of text")
    if page.og_type != "article" and page.longest_run < ARTICLE_TEXT:
        if page.teaser_links >= MIN_TEASER_LINKS:
            return PageType(
                LISTING, f"{page.teaser_links} headline links and no run of text longer than {page.longest_run} characters"
            )
        if page.cards >= MIN_CARDS:
            return PageType(
                LISTING, f"{page.cards} <article> cards and no run of text longer than {page.longest_run} characters"
            )
    if no_text and page.accept_controls and (match := _CONSENT_TEXT.search(words)):
        return PageType(
            CONSENT_WALL,
            f"consent request {match.group(0)!r} with a {page.accept_controls[0]!r} button and no article text",
        )
    if page.og_type == "article":
        return PageType(ARTICLE, "og:type article")
    return PageType(ARTICLE, "no other signs")


def _url_kind(url: str) -> PageType | None:
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=False)
    except ValueError:
        return None
    segments = [unquote(s).lower() for s in parts.path.split("/") if s]
    if segments:
        segments[-1] = segments[-1].rsplit(".", 1)[0] if "." in segments[-1] else segments[-1]
    for segment in segments:
        if segment in _LIVEBLOG_SEGMENTS or segment.startswith("liveblog-"):
            return PageType(LIVEBLOG, f"URL path /{segment}/")
        if segment in _VIDEO_SEGMENTS:
            return PageType(VIDEO, f"URL path /{segment}/")
        if segment in _LISTING_SEGMENTS:
            return PageType(LISTING, f"URL path /{segment}/")
    for name, value in query:
        if name.lower() in _PAGE_PARAMS and value.strip().isdigit():
            return PageType(LISTING, f"URL query {name}={value}")
    return None
