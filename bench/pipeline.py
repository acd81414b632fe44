"""Benchmark: plain trafilatura against Waakhond's per-document pipeline (extract, classify, dedupe, store) on generated pages."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, sys.path[0] is bench/, where this file would shadow the project's `pipeline`
# package; put the project root first instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]

from sqlalchemy import Engine  # noqa: E402
from trafilatura import bare_extraction  # noqa: E402

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402
from pipeline.classify import Classifier  # noqa: E402
from pipeline.dedupe import signature  # noqa: E402
from pipeline.errors import EmptyExtraction  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from storage.engine import open_database  # noqa: E402
from storage.repository import NewDocument, ensure_source, store_document  # noqa: E402
from waakhond.config import load_config  # noqa: E402

WARMUP_PAGES = 5
RELEVANT_SHARE = 0.2
CHAT_ID = "-1001234567890"

# --- Page generator: own word lists and templates, so the benchmark needs no fixture files. ---
SUBJECTS = ["Het kabinet", "De gemeente Utrecht", "De Tweede Kamer", "Minister De Vries", "De politie", "Het CBS",
            "Een woordvoerder van de provincie", "De Nederlandsche Bank", "Rijkswaterstaat", "De FNV", "Omwonenden",
            "Onderzoekers van de Universiteit Leiden", "De burgemeester van Zwolle", "Het KNMI", "De NS", "Ajax"]
VERBS = ["maakte bekend dat", "liet weten dat", "verwacht dat", "waarschuwt dat", "benadrukt dat", "meldt dat",
         "erkent dat", "zei dinsdag dat", "stelt in een brief dat"]
TOPICS: dict[str, list[str]] = {
    "politiek": ["het wetsvoorstel na de zomer opnieuw wordt besproken", "de coalitie verdeeld is over de begroting",
                 "er extra geld komt voor de jeugdzorg", "de oppositie een motie van wantrouwen overweegt",
                 "het debat over de woningbouw is uitgesteld", "de gemeenteraad het plan heeft verworpen"],
    "economie": ["de inflatie in maart is gedaald tot 2,8 procent", "de huizenprijzen opnieuw zijn gestegen",
                 "het aantal faillissementen toeneemt", "de rente voorlopig niet omlaag gaat",
                 "de export naar Duitsland achterblijft", "veel bedrijven moeite hebben personeel te vinden"],
    "sport": ["de selectie zonder de geblesseerde aanvoerder naar Rotterdam reist", "de trainer zijn contract verlengt",
              "het stadion volgend seizoen wordt verbouwd", "de wedstrijd door de regen werd gestaakt",
              "de schaatsbond een nieuwe bondscoach zoekt", "het gezicht van de ploeg de komende jaren verandert"],
    "weer": ["het weekend zonnig en warm wordt", "er code oranje geldt vanwege zware windstoten",
             "de rivieren door de regen snel stijgen", "de droogte de boeren in de Achterhoek raakt",
             "het in de nacht lokaal kan vriezen"],
    "regio": ["de brug over het kanaal drie weken dicht gaat", "het dorpshuis toch open blijft",
              "de nieuwe fietsroute in september klaar is", "de bibliotheek moet verhuizen",
              "de markt op zaterdag een andere plek krijgt", "er een wijkagent bij komt in de binnenstad"],
}
FACIAL = ["de politie gezichtsherkenning wil inzetten bij grote evenementen",
          "Clearview AI een boete van de Autoriteit Persoonsgegevens kreeg",
          "biometrische gegevens van reizigers te lang worden bewaard",
          "gezichtsherkenningscamera's in supermarkten onder de AI-verordening vallen",
          "de inzet van automatische gezichtsherkenning een wettelijke basis mist",
          "biometrie op Schiphol de wachttijden moet verkorten", "PimEyes foto's van Nederlanders doorzoekbaar maakt",
          "biometrische surveillance in de openbare ruimte verboden moet worden"]
FACIAL_TITLES = ["Zorgen over gezichtsherkenning bij politie", "Toezichthouder beboet Clearview opnieuw",
                 "Kamer wil regels voor biometrie in winkels", "Gemeente stopt proef met gezichtsherkenning"]
TITLES = ["Kabinet zoekt geld voor nieuwe plannen", "Gemeente grijpt in na klachten", "Zware storm op komst",
          "Trainer blijft nog twee jaar", "Huizenmarkt blijft krap", "Brug weken dicht voor onderhoud",
          "Oppositie eist opheldering", "Boeren vrezen nieuwe droogte", "Winkelcentrum krijgt nieuwe eigenaar"]
NAMES = ["Jan Jansen", "Fatima el Amrani", "Pieter de Boer", "Sanne Visser", "Kees Bakker", "Lotte Mulder"]
SITES = ["dagbladnoord", "omroepwest", "hetnieuwsplein", "regiokrant-ijssel", "techenbeleid"]
MENU = ["Home", "Binnenland", "Buitenland", "Politiek", "Economie", "Sport", "Cultuur", "Tech", "Weer", "Regio",
        "Opinie", "Podcasts", "Video", "Puzzels", "Abonneren", "Inloggen"]


@dataclass(frozen=True)
class Page:
    url: str
    html: str
    relevant: bool  # generated with facial-recognition sentences (the classifier decides on its own)


def sentence(rng: random.Random, clauses: list[str]) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(clauses)}."


def paragraph(rng: random.Random, topic: str, relevant: bool, lead: bool = False) -> str:
    # Relevant articles still read mostly like other news: a third of their sentences are on topic.
    parts = [sentence(rng, FACIAL if relevant and rng.random() < 0.35 else TOPICS[topic]) for _ in range(rng.randint(2, 5))]
    if lead:  # the lead states the subject and is long enough to pass extract's MIN_TEXT_CHARS
        parts = [sentence(rng, FACIAL if relevant else TOPICS[topic]), sentence(rng, TOPICS[topic]), *parts]
    return " ".join(parts)


def boilerplate(rng: random.Random, site: str, big: bool) -> dict[str, str]:
    links = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in rng.sample(MENU, rng.randint(6, len(MENU))))
    related = "".join(f'<li><a href="/nieuws/{i}">{rng.choice(TITLES)}</a></li>' for i in range(rng.randint(4, 12)))
    comments = "".join(
        f'<div class="comment"><span class="user">{rng.choice(NAMES)}</span><p>{sentence(rng, TOPICS["politiek"])}</p></div>'
        for _ in range(rng.randint(3, 25) if big else 0))
    return {
        "nav": f'<nav class="main-nav"><ul>{links}</ul></nav>',
        "cookie": '<div id="cookie-consent" class="cookiebar"><p>Wij gebruiken cookies om onze site te verbeteren en '
                  'om advertenties te tonen.</p><button>Accepteren</button><button>Instellingen</button></div>',
        "aside": f'<aside class="related"><h3>Meest gelezen</h3><ol>{related}</ol></aside>',
        "comments": f'<section id="reacties"><h3>Reacties</h3>{comments}</section>' if comments else "",
        "script": '<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"event":"pageview","site":"%s",'
                  '"ab":"%d"});</script>' % (site, rng.randint(1, 9)),
        "footer": f'<footer><p>&copy; {site} 2026</p><ul>{links}</ul><p>Privacy | Colofon | Contact</p></footer>',
    }


def make_page(rng: random.Random, i: int) -> Page:
    relevant = rng.random() < RELEVANT_SHARE
    topic = rng.choice(list(TOPICS))
    site, template = rng.choice(SITES), rng.randrange(4)
    # Log-uniform target size: many short items, some long background pieces, like a real feed.
    target = int(math.exp(rng.uniform(math.log(1_000), math.log(60_000))))
    title = rng.choice(FACIAL_TITLES if relevant else TITLES)
    published = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 60))
    url = f"https://www.{site}.nl/nieuws/{published:%Y/%m}/{title.lower().replace(' ', '-')}-{i}"
    author = rng.choice(NAMES)
    bp = boilerplate(rng, site, big=target > 8_000)
    head = (f'<head><meta charset="utf-8"><title>{title} | {site}</title><meta name="author" content="{author}">'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">'
            f'<meta property="article:published_time" content="{published.isoformat()}"></head>')
    body: list[str] = [f"<p><strong>{paragraph(rng, topic, relevant, lead=True)}</strong></p>"]
    furniture = len(head) + (0 if target < 3_000 else sum(map(len, bp.values())))
    # Extras interleaved with the text, so extraction has to prune inside the article too.
    while furniture + sum(map(len, body)) < target:
        roll = rng.random()
        if roll < 0.06:
            body.append(f"<h2>{rng.choice(TITLES)}</h2>")
        elif roll < 0.1:
            rows = "".join(f"<tr><td>{rng.choice(SUBJECTS)}</td><td>{rng.randint(1, 999)}</td></tr>" for _ in range(5))
            body.append(f"<table><tr><th>Naam</th><th>Aantal</th></tr>{rows}</table>")
        elif roll < 0.13:
            body.append(f'<div class="ad-slot" data-slot="{rng.randint(1, 99)}"></div>{bp["script"]}')
        elif roll < 0.16:
            body.append(f"<blockquote>{sentence(rng, TOPICS[topic])}</blockquote>")
        else:
            body.append(f"<p>{paragraph(rng, topic, relevant)}</p>")
    text = "".join(body)
    byline = f'<p class="byline">Door {author} &middot; <time datetime="{published.isoformat()}">{published:%d-%m-%Y %H:%M}</time></p>'
    if target < 3_000:  # a short news flash: hardly any page furniture
        page = f"<html lang='nl'>{head}<body><h1>{title}</h1>{byline}{text}</body></html>"
    elif template == 0:  # semantic HTML5
        page = (f"<html lang='nl'>{head}<body>{bp['cookie']}<header>{bp['nav']}</header><main><article><h1>{title}</h1>"
                f"{byline}{text}</article>{bp['aside']}{bp['comments']}</main>{bp['footer']}</body></html>")
    elif template == 1:  # div soup without <article>
        page = (f"<html lang='nl'>{head}<body><div class='wrapper'>{bp['nav']}{bp['script']}<div class='content'>"
                f"<div class='content__header'><h1>{title}</h1>{byline}</div><div class='content__body'>{text}</div>"
                f"</div><div class='sidebar'>{bp['aside']}</div>{bp['comments']}{bp['footer']}{bp['cookie']}</div></body></html>")
    elif template == 2:  # old layout table around the article
        page = (f"<html lang='nl'>{head}<body>{bp['cookie']}<table class='layout'><tr><td colspan='2'>{bp['nav']}</td></tr>"
                f"<tr><td class='main'><h1>{title}</h1>{byline}<div id='artikel'>{text}</div>{bp['comments']}</td>"
                f"<td class='right'>{bp['aside']}</td></tr></table>{bp['footer']}</body></html>")
    else:  # <main> with JSON-LD and a live-updates style list of sections
        ld = json.dumps({"@type": "NewsArticle", "headline": title, "datePublished": published.isoformat(),
                         "author": {"@type": "Person", "name": author}})
        page = (f"<html lang='nl'>{head}<body>{bp['nav']}<main><h1>{title}</h1>{byline}<script type='application/ld+json'>"
                f"{ld}</script><section class='story'>{text}</section></main>{bp['aside']}{bp['comments']}"
                f"{bp['cookie']}{bp['footer']}</body></html>")
    return Page(url=url, html=page, relevant=relevant)


# --- Measurement ---
@dataclass
class Totals:
    baseline: float = 0.0
    full: float = 0.0
    extract: float = 0.0
    classify: float = 0.0
    dedupe: float = 0.0
    store: float = 0.0
    empty: int = 0
    matched: int = 0
    stored: int = 0
    alerts: int = 0


def run_baseline(page: Page) -> float:
    start = time.perf_counter()
    bare_extraction(page.html, url=page.url, with_metadata=True)
    return time.perf_counter() - start


def run_full(page: Page, classifier: Classifier, engine: Engine, source_id: int, t: Totals | None) -> float:
    """One document through extract -> classify -> dedupe -> store, as the crawler's item pipelines do it."""
    t0 = time.perf_counter()
    try:
        ex = extract(page.html, page.url)
    except EmptyExtraction:
        # The crawler would fall back to the feed summary; here the document just ends early.
        if t:
            t.empty += 1
            t.extract += time.perf_counter() - t0
        return time.perf_counter() - t0
    t1 = time.perf_counter()
    verdict = classifier.classify(ex.title, ex.text)
    t2 = time.perf_counter()
    sig = signature(ex.text)  # crawlers.pipelines.dedupe: the store places the document in its story with it
    t2b = time.perf_counter()
    raw = page.html.encode("utf-8")
    doc = NewDocument(source_name="bench", kind="feed", url=page.url, fetched_url=page.url, title=ex.title or page.url,
                      text=ex.text, text_origin="article", fetched_at=datetime.now(UTC),
                      content_hash=hashlib.sha256(ex.text.encode("utf-8")).hexdigest(), raw=raw,
                      published_at=ex.published, author=ex.author, language=ex.language, http_status=200,
                      content_type="text/html; charset=utf-8", signature=sig)
    result = store_document(engine, source_id, doc, verdict, [CHAT_ID] if verdict.label == "core" else [])
    t3 = time.perf_counter()
    if t:
        t.extract, t.classify, t.dedupe, t.store = (t.extract + t1 - t0, t.classify + t2 - t1, t.dedupe + t2b - t2,
                                                    t.store + t3 - t2b)
        t.matched += verdict.label == "core"
        t.stored += result.stored
        t.alerts += result.alerts_queued
    return t3 - t0


def measure(docs: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    warmup = [make_page(rng, -1 - i) for i in range(WARMUP_PAGES)]
    pages = [make_page(rng, i) for i in range(docs)]
    config = load_config(None)  # the built-in watchlists and gazetteer
    classifier = Classifier(config.watchlists, config.entities)
    with tempfile.TemporaryDirectory(prefix="waakhond-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        engine = open_database(f"sqlite:///{db}")
        source_id = ensure_source(engine, "bench", "feed", "https://example.nl/feed")
        # Warm-up fills lxml/trafilatura/SQLAlchemy caches and the connection pool before timing.
        for page in warmup:
            run_baseline(page)
            run_full(page, classifier, engine, source_id, None)
        t = Totals()
        for n, page in enumerate(pages):
            # Alternate which variant goes first, so neither always profits from the other's warm caches.
            if n % 2:
                t.full += run_full(page, classifier, engine, source_id, t)
                t.baseline += run_baseline(page)
            else:
                t.baseline += run_baseline(page)
                t.full += run_full(page, classifier, engine, source_id, t)
        engine.dispose()  # closing the last connection checkpoints the WAL into the main file
        db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
    rows = t.stored + WARMUP_PAGES  # warm-up documents are in the file too
    html_sizes = [len(p.html.encode("utf-8")) for p in pages]
    stages = {name: getattr(t, name) for name in ("extract", "classify", "dedupe", "store")}
    return {
        "docs": docs, "seed": seed, "python": sys.version.split()[0],
        "html_kib": {"mean": sum(html_sizes) / docs / 1024, "min": min(html_sizes) / 1024, "max": max(html_sizes) / 1024},
        "generated_relevant": sum(p.relevant for p in pages), "empty_extractions": t.empty,
        "matched": t.matched, "stored": t.stored, "alerts_queued": t.alerts,
        "baseline_docs_per_s": docs / t.baseline, "full_docs_per_s": docs / t.full, "ratio_full_to_baseline": t.full / t.baseline,
        "stages": {k: {"total_s": v, "mean_ms": v / docs * 1000, "share": v / t.full} for k, v in stages.items()},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KiB
        "sqlite_bytes_per_doc": db_bytes / max(rows, 1),
    }


def render(r: dict[str, object]) -> str:
    html, stages = r["html_kib"], r["stages"]
    assert isinstance(html, dict) and isinstance(stages, dict)
    lines = [
        f"Waakhond pipeline benchmark: {r['docs']} generated pages, seed {r['seed']}, Python {r['python']}",
        f"HTML size KiB: mean {html['mean']:.1f}, min {html['min']:.1f}, max {html['max']:.1f}; "
        f"generated relevant {r['generated_relevant']}, matched {r['matched']}, empty extractions {r['empty_extractions']}",
        "",
        f"{'measure':<34}{'value':>12}",
        f"{'baseline bare_extraction docs/s':<34}{r['baseline_docs_per_s']:>12.1f}",
        f"{'full pipeline docs/s':<34}{r['full_docs_per_s']:>12.1f}",
        f"{'ratio full/baseline (time)':<34}{r['ratio_full_to_baseline']:>12.2f}",
        "",
        f"{'stage':<12}{'total s':>10}{'mean ms':>10}{'share':>9}",
    ]
    lines += [f"{k:<12}{v['total_s']:>10.2f}{v['mean_ms']:>10.2f}{v['share']:>9.1%}" for k, v in stages.items()]
    lines += [
        "",
        f"peak RSS {r['peak_rss_mib']:.0f} MiB; SQLite {r['sqlite_bytes_per_doc'] / 1024:.1f} KiB per stored document "
        f"({r['stored']} stored, {r['alerts_queued']} alerts queued)",
        "Absolute figures are indications for this machine; the ratio full/baseline carries the meaning.",
    ]
    return "\n".join(lines)


TARGET_THROUGHPUT = 0.9  # issue 10: the full pipeline at 0.9 or more of plain trafilatura's throughput


def contract(r: dict[str, object]) -> Result:
    stages = r["stages"]
    assert isinstance(stages, dict)
    base, full = float(r["baseline_docs_per_s"]), float(r["full_docs_per_s"])  # type: ignore[arg-type]
    result = Result("pipeline", details=r)
    result.add("full pipeline throughput", full, "docs/s", baseline=base,
               target=f"ratio >= {TARGET_THROUGHPUT} of bare_extraction", met=full / base >= TARGET_THROUGHPUT)
    result.add("bare_extraction throughput (baseline)", base, "docs/s")
    for name, stage in stages.items():
        result.add(f"stage {name}", stage["mean_ms"], "ms/doc", baseline=1000 / base)
    result.add("peak RSS", float(r["peak_rss_mib"]), "MiB")  # type: ignore[arg-type]
    result.add("SQLite per stored document", float(r["sqlite_bytes_per_doc"]) / 1024, "KiB")  # type: ignore[arg-type]
    result.notes += [f"{r['docs']} generated pages, seed {r['seed']}; stage ratios are against one bare_extraction",
                     "Absolute figures are indications for this machine; the ratio full/baseline carries the meaning."]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=None, help="pages to measure (default 1000, 100 with --quick)")
    parser.add_argument("--seed", type=int, default=20260301, help="generator seed (default 20260301)")
    add_arguments(parser, quick_help="100 pages (CI, about 10 s)")
    args = parser.parse_args()
    docs = args.docs if args.docs is not None else 100 if args.quick else 1000
    if docs < 1:
        parser.error("--docs must be at least 1")
    with report_stream(args.json) as out:
        result = measure(docs, args.seed)
        print(render(result))
    emit(contract(result), out, args.json)


if __name__ == "__main__":
    main()
