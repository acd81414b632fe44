"""Classifier throughput: documents per second of pipeline.classify.Classifier against tokenising, and how it scales.

Run: .venv/bin/python bench/classify.py [--quick | --full] [--seed N]

Everything is generated in memory with a fixed seed: Dutch news texts of about 5 KB (compounds such as
"gezichtsherkenningssoftware", numbers, money amounts, Kamer case numbers, dates, person and organisation
names), watchlists of 500 rules (single words, two- and three-word phrases, prefix* queries and boolean
queries with NEAR/5) through pipeline.rules.parse_watchlists, and a gazetteer of 1,000 entities, some with
ambiguous aliases and context words. One process, one core; every figure is the median of 3 runs
(time.perf_counter).

Sections:
1. baseline (pipeline.tokens.tokenize of title and text) against the full classify: a cold pass (fresh
   Classifier, stemming caches cleared) and a warm pass (the lexicon caches its answer per distinct token).
2. growth with the number of rules (50 / 100 / 250 / 500 / 1,000 with a 1,000-entity gazetteer, then 5,000 rules
   and 10,000 entities), with the warm
   time per document split into stages: tokenize, word matcher, entity finder, the rest (rule evaluation,
   scores, snippets, pattern entities).
3. growth with text length (1 / 5 / 20 KB at 500 rules): time per KB.

Default about a minute on a 2-core VM; --quick (CI) about 12 s; --full (1,000 documents, a 20,000-rule
step, 100 KB texts) about 5 minutes.
KB here is 1,000 bytes of UTF-8 text. Absolute figures are indications for this machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as a script, sys.path[0] is bench/, where bench/pipeline.py would shadow the project's `pipeline`
# package; put the project root first instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]

from bench.contract import Result, cpu_model, add_arguments, emit, report_stream  # noqa: E402
from pipeline import stemming  # noqa: E402
from pipeline.classify import Classifier  # noqa: E402
from pipeline.gazetteer import Entity  # noqa: E402
from pipeline.rules import Watchlist, parse_watchlists  # noqa: E402
from pipeline.tokens import tokenize  # noqa: E402

REPEATS = 3
RULES_PER_WATCHLIST = 50

# --- Vocabulary -------------------------------------------------------------------------------------
# First parts carry their Dutch linking "s" where the language wants one ("gezichts", "veiligheids").
FIRST = ["gezichts", "politie", "camera", "data", "privacy", "woning", "gemeente", "belasting", "verkeers", "zorg",
         "onderwijs", "klimaat", "energie", "stikstof", "asiel", "jeugd", "veiligheids", "burger", "overheids", "grens",
         "stem", "vinger", "iris", "bewakings", "identiteits", "reis", "betaal", "school", "ziekenhuis", "water",
         "spoor", "fraude", "toeslagen", "huur", "pensioen", "landbouw", "internet", "telefoon", "kenteken", "emotie"]
HEADS = ["herkenning", "toezicht", "bewaking", "software", "systeem", "beleid", "wet", "regeling", "onderzoek",
         "register", "database", "camera", "boete", "rapport", "commissie", "dienst", "netwerk", "gegevens",
         "controle", "scan", "profiel", "algoritme", "verordening", "plan", "fonds", "akkoord", "budget", "project",
         "centrum", "platform", "apparatuur", "vergunning", "inspectie", "meldpunt", "proef"]
NOUNS = ["gemeenteraad", "wethouder", "burgemeester", "minister", "staatssecretaris", "rechter", "advocaat", "agent",
         "reiziger", "bewoner", "leerling", "patiënt", "boer", "ondernemer", "toezichthouder", "ambtenaar",
         "biometrie", "surveillance", "privacy", "datalek", "algoritme", "verordening", "begroting", "motie",
         "evaluatie", "wetsvoorstel", "rechtszaak", "uitspraak", "aanbesteding", "leverancier", "proefproject",
         "binnenstad", "supermarkt", "stadion", "luchthaven", "station", "snelweg", "bibliotheek", "zwembad",
         "huisarts", "vingerafdruk", "pasfoto", "paspoort", "identiteitskaart", "gezicht", "demonstratie",
         "persoonsgegevens", "transparantie", "discriminatie", "grondrechten", "inlichtingendienst", "cybercrime"]
PLURALS = ["camera's", "boetes", "klachten", "meldingen", "woningen", "reizigers", "aanvragen", "datalekken",
           "bezwaren", "controles", "scans", "agenten", "leerlingen", "patiënten", "faillissementen", "gemeenten",
           "onderzoeken", "vergunningen", "incidenten", "aanhoudingen"]
ADJECTIVES = ["biometrische", "slimme", "openbare", "nieuwe", "landelijke", "Europese", "digitale", "automatische",
              "omstreden", "geheime", "strenge", "tijdelijke", "grootschalige", "gevoelige", "persoonlijke",
              "financiële", "regionale", "verplichte", "onafhankelijke", "illegale", "realtime", "heimelijke"]
LEADS = ["inzet van", "verbod op", "toezicht op", "gebruik van", "recht op", "wet op de", "kosten van", "proef met"]
SUBJECTS = ["Het kabinet", "De gemeente", "De minister", "De politie", "De toezichthouder", "Het ministerie",
            "De rechtbank", "Onderzoekers", "De Tweede Kamer", "De provincie", "Het bedrijf", "Een woordvoerder",
            "Omwonenden", "Een meerderheid van de Kamer", "De burgemeester", "De Nationale ombudsman", "De vakbond"]
VERBS = ["maakte bekend dat", "liet weten dat", "verwacht dat", "waarschuwt dat", "meldt dat", "erkent dat",
         "stelt dat", "schrijft in een brief dat", "zei dinsdag dat", "vreest dat", "ontkent dat", "benadrukt dat"]
PREDICATES = ["volgend jaar wordt uitgebreid", "niet voldoet aan de wet", "voorlopig wordt stopgezet",
              "opnieuw wordt onderzocht", "te duur is geworden", "in de openbare ruimte wordt ingezet",
              "door de rechter is verboden", "meer kost dan begroot", "na de zomer wordt geëvalueerd",
              "onvoldoende is getest", "zonder wettelijke basis werkt", "vaker fouten maakt dan verwacht",
              "in 2027 landelijk wordt ingevoerd", "nauwelijks wordt gebruikt", "onder de AVG valt",
              "de privacy van burgers raakt", "per direct wordt aangepast", "geen gevolgen heeft voor reizigers"]
FUNCTIONS = ["minister", "staatssecretaris", "wethouder", "burgemeester", "Kamerlid", "directeur", "hoogleraar",
             "woordvoerder", "onderzoeker", "commissaris"]
FIRST_NAMES = ["Jan", "Pieter", "Kees", "Sanne", "Lotte", "Fatima", "Mohammed", "Daan", "Emma", "Sophie", "Lucas",
               "Julia", "Bram", "Anouk", "Ahmed", "Yasmina", "Thijs", "Eva", "Ruben", "Noor", "Sem", "Lisa", "Mark",
               "Dilan", "Kevin", "Priya", "Willem", "Marieke", "Hans", "Ingrid", "Joost", "Femke", "Stijn", "Iris",
               "Hüseyin", "Zeynep", "Gert-Jan", "Anne-Marie", "Rutger", "Wouter", "Esther", "Karim", "Mei", "Tom",
               "Floor", "Jesse", "Nadia", "Bas", "Renée", "Otto"]
SURNAMES = ["de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
            "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
            "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Berg",
            "van Dijk", "van Beek", "El Amrani", "Yilmaz", "Öztürk", "Kaya", "Bouzid", "Nguyen", "Wolfsen",
            "Verhoeven", "Schouten", "Prins", "Huisman", "Post", "Kuipers", "van Vliet", "Willems", "Hoekstra", "Maas",
            "Verbeek", "Koster", "Timmermans", "Zegerius", "Coenradie", "Struycken", "Oosterhuis", "Rahimi",
            "Tahiri", "Çelik", "Doğan", "Wijnaldum", "Stam"]
PLACES = ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda",
          "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem", "Enschede", "Amersfoort", "Zaanstad", "Zwolle", "Leiden",
          "Maastricht", "Dordrecht", "Zoetermeer", "Emmen", "Venlo", "Deventer", "Delft", "Helmond", "Oss",
          "Hilversum", "Heerlen", "Alkmaar", "Leeuwarden", "Assen", "Middelburg", "Lelystad", "Roermond", "Gouda"]
ORG_KINDS = ["Gemeente", "Politie-eenheid", "Rechtbank", "Provincie", "Waterschap", "Hogeschool", "Universiteit",
             "Stichting Privacy", "Ziekenhuis", "GGD", "Veiligheidsregio", "Omroep", "Woningcorporatie"]
COMPANY_PARTS = ["Vision", "Secure", "Data", "Face", "Ident", "Guard", "Sense", "Cam", "Track", "Bio", "Metric",
                 "Eye", "Scan", "Net", "Logic", "Sight", "Shield", "Trust"]
COMPANY_SUFFIXES = ["B.V.", "Technologies", "Security", "Systems", "Nederland", "Labs"]
CONTEXT_WORDS = ["toezichthouder", "privacy", "boete", "onderzoek", "gezichtsherkenning", "algoritme", "camera",
                 "politie", "gemeente", "rapport", "datalek", "kabinet", "minister", "rechter", "wet"]
NOT_CONTEXT_WORDS = ["persbureau", "voetbal", "wedstrijd", "concert", "festival", "beurs", "aandelen"]
# Only in watch rules, never in the texts: most rules of a large watchlist set miss most documents.
WATCH_FIRST = ["drone", "satelliet", "spionage", "ransomware", "deepfake", "chatbot", "encryptie", "crypto", "wapen",
               "sanctie", "desinformatie", "hacker", "phishing", "botnet", "quantum", "chip", "robot", "sensor",
               "locatie", "bluetooth", "metadata", "nummerplaat", "smartphone", "tracker", "spyware", "malware",
               "zoekmachine", "advertentie", "stemcomputer", "slimmemeter"]
WATCH_HEADS = ["aanval", "dreiging", "lek", "markt", "fabrikant", "export", "handel", "detectie", "analyse",
               "opslag", "tap", "zender", "module", "campagne", "operatie", "infrastructuur", "schandaal", "embargo"]
# Words the sentence templates put in nearly every text; a rule on one of them would reach every document.
TEMPLATE_WORDS = {"burgemeester", "minister", "staatssecretaris", "wethouder", "toezichthouder", "rechter", "motie",
                  "begroting", "gemeente", "privacy"}
RULE_NOUNS = [n for n in NOUNS if n not in TEMPLATE_WORDS]
COMMON_WORDS = RULE_NOUNS + HEADS + [w for p in FIRST if (w := p.rstrip("s")) not in TEMPLATE_WORDS]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def acronyms(rng: random.Random, n: int) -> list[str]:
    """n distinct capital acronyms of 2-4 letters (case-sensitive aliases, like "AP" or "CATCH")."""
    found: dict[str, None] = {}
    while len(found) < n:
        found["".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWZ") for _ in range(rng.choice((2, 3, 3, 4))))] = None
    return list(found)


ACRONYMS = acronyms(random.Random(7), 400)


@dataclass(frozen=True)
class Topic:
    """The part of the vocabulary one document is about: texts differ, and a common word misses most of them."""

    first: tuple[str, ...] = tuple(FIRST)
    heads: tuple[str, ...] = tuple(HEADS)
    nouns: tuple[str, ...] = tuple(NOUNS)


EVERYTHING = Topic()


def topic(rng: random.Random) -> Topic:
    return Topic(tuple(rng.sample(FIRST, 6)), tuple(rng.sample(HEADS, 8)), tuple(rng.sample(NOUNS, 10)))


def compound(rng: random.Random, parts: int = 2, t: Topic = EVERYTHING) -> str:
    word = rng.choice(t.first) + rng.choice(t.heads)
    if parts == 3:
        link = "s" if word.endswith(("ing", "heid", "teit", "schap")) else ""
        word += link + rng.choice(t.heads)
    return word


def noun(rng: random.Random, t: Topic) -> str:
    roll = rng.random()
    return rng.choice(t.nouns) if roll < 0.4 else compound(rng, 2 if roll < 0.85 else 3, t)


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(SURNAMES)


def money(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return "€ " + f"{rng.randrange(1_000, 90_000) * 500:,}".replace(",", ".")
    if roll < 0.7:
        return f"€ {rng.randint(1, 99)},{rng.randint(1, 9)} miljoen"
    return f"{rng.randint(2, 800)} miljoen euro"


# --- Texts ------------------------------------------------------------------------------------------
def sentence(rng: random.Random, t: Topic) -> str:
    roll = rng.random()
    np = f"de {rng.choice(ADJECTIVES).lower()} {noun(rng, t)}" if rng.random() < 0.5 else f"de {noun(rng, t)}"
    if roll < 0.35:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {np} {rng.choice(PREDICATES)}."
    if roll < 0.45:
        first, last = person_name(rng)
        return (f"„{np.capitalize()} {rng.choice(PREDICATES)}”, zegt {first} {last}, {rng.choice(FUNCTIONS).lower()} "
                f"bij de {rng.choice(ORG_KINDS).lower()} {rng.choice(PLACES)}.")
    if roll < 0.52:
        last = rng.choice(SURNAMES)
        surname = last[0].upper() + last[1:]
        return (f"Volgens {rng.choice(FUNCTIONS).lower()} {surname} {rng.choice(VERBS).split()[0]} {np} "
                f"{rng.choice(PREDICATES)}.")
    if roll < 0.59:
        return f"{rng.choice(SUBJECTS)} trekt {money(rng)} uit voor {np}."
    if roll < 0.65:
        return (f"Het aantal {rng.choice(PLURALS)} steeg vorig jaar met {rng.randint(1, 40)},{rng.randint(0, 9)} "
                f"procent tot {rng.randint(1, 99)}.{rng.randint(100, 999)}.")
    if roll < 0.70:
        return (f"In motie {rng.randint(2019, 2026)}Z{rng.randint(10000, 29999)} vraagt de Kamer om {np}; "
                f"de reactie staat in Kamerstuk {rng.randint(2019, 2026)}D{rng.randint(10000, 59999)}.")
    if roll < 0.75:
        day = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2020, 2026)}"
        return f"Op {day} bleek dat {np} {rng.choice(PREDICATES)}."
    if roll < 0.82:
        acronym = rng.choice(ACRONYMS)
        context = rng.choice(CONTEXT_WORDS if rng.random() < 0.7 else NOT_CONTEXT_WORDS)
        return f"Volgens {acronym} gaat het om een {context} waarbij {np} {rng.choice(PREDICATES)}."
    if roll < 0.88:
        return f"De {compound(rng, 3, t)} van {company(rng)} {rng.choice(PREDICATES)}."
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {np} en {noun(rng, t)} {rng.choice(PREDICATES)}."


def company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_PARTS)}{rng.choice(COMPANY_PARTS).lower()} {rng.choice(COMPANY_SUFFIXES)}"


def document(rng: random.Random, size: int) -> tuple[str, str]:
    """(title, text) with a text of about ``size`` bytes of UTF-8."""
    t = topic(rng)
    title = f"{rng.choice(ADJECTIVES).capitalize()} {noun(rng, t)} {rng.choice(PREDICATES)}"
    paragraphs: list[str] = []
    length = 0
    while length < size:
        para = " ".join(sentence(rng, t) for _ in range(rng.randint(3, 6)))
        paragraphs.append(para)
        length += len(para.encode("utf-8")) + 2
    return title, "\n\n".join(paragraphs)


def documents(seed: int, count: int, size: int) -> list[tuple[str, str]]:
    rng = random.Random(f"{seed}-docs-{size}")
    return [document(rng, size) for _ in range(count)]


# --- Watchlists and gazetteer -----------------------------------------------------------------------
def rule_pool(seed: int, count: int) -> list[tuple[str, str]]:
    """``count`` distinct (kind, text) rules, kind "terms" or "queries"; a prefix of the pool keeps the mix."""
    rng = random.Random(f"{seed}-rules")
    found: dict[tuple[str, str], None] = {}

    def watch_word() -> str:  # a word the texts never use
        word = rng.choice(WATCH_FIRST) + rng.choice(WATCH_HEADS)
        return word + rng.choice(WATCH_HEADS) if rng.random() < 0.3 else word

    def word() -> str:  # a third from the texts' vocabulary
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(RULE_NOUNS)
        return compound(rng, rng.choice((2, 2, 3))) if roll < 0.33 else watch_word()

    while len(found) < count:
        roll = rng.random()
        if roll < 0.25:  # long compound-capable words: match inside compounds in the text too
            rule = ("terms", word() if rng.random() < 0.8 else compound(rng, 2))
        elif roll < 0.40:
            common = rng.random() < 0.1  # a word the texts use often ("privacy", "camera") or one of the watch words
            rule = ("terms", rng.choice(COMMON_WORDS if common else WATCH_FIRST + WATCH_HEADS))
        elif roll < 0.60:
            rule = ("terms", f"{rng.choice(ADJECTIVES).lower()} {word()}")
        elif roll < 0.70:
            rule = ("terms", f"{rng.choice(LEADS)} {word()}")
        elif roll < 0.80:
            w = word()
            rule = ("queries", w[: max(4, len(w) - rng.randint(2, 6))] + "*")
        elif roll < 0.95:
            a, b, c, d = word(), word(), word(), word()
            rule = ("queries", f"({a} OR {b}) NEAR/5 ({c} OR {d[: max(4, len(d) - 3)]}*)")
        else:
            a, b, c, d = word(), word(), word(), rng.choice(NOT_CONTEXT_WORDS)
            rule = ("queries", f'"{rng.choice(ADJECTIVES).lower()} {a}" AND ({b} OR {c}) -{d}')
        found[rule] = None
    return list(found)  # in the order drawn: the first n rules are the same whatever the pool size


def watchlist_tables(rules: list[tuple[str, str]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}-weights")
    tables = []
    for i in range(0, len(rules), RULES_PER_WATCHLIST):
        n = i // RULES_PER_WATCHLIST
        role = "tag" if n % 7 == 6 else "adjacent" if n % 5 == 4 else "core"
        table: dict[str, Any] = {"name": f"wl-{n:03d}", "role": role, "threshold": 3, "terms": [], "queries": []}
        for kind, text in rules[i : i + RULES_PER_WATCHLIST]:
            weight = -1.0 if rng.random() < 0.05 else rng.choice((1, 1, 1, 1.5, 2))
            key = "term" if kind == "terms" else "query"
            table[kind].append(text if weight == 1 else {key: text, "weight": weight})
        tables.append(table)
    return tables


def build_watchlists(pool: list[tuple[str, str]], count: int, seed: int) -> tuple[Watchlist, ...]:
    watchlists, problems = parse_watchlists(watchlist_tables(pool[:count], seed))
    for p in problems[:10]:
        print(f"watchlist problem: {p.key}: {p.reason}", file=sys.stderr)
    if problems:
        raise SystemExit(f"{len(problems)} problems in the generated watchlists")
    return watchlists


def entity_pool(seed: int, count: int) -> list[Entity]:
    """``count`` entities: 60 % persons, 30 % organisations, 10 % laws and systems; some ambiguous aliases."""
    rng = random.Random(f"{seed}-entities")
    seen: set[str] = set()
    entities: list[Entity] = []
    acronym_iter = iter(ACRONYMS)
    while len(entities) < count:
        roll = rng.random()
        ambiguous: tuple[str, ...] = ()
        context: tuple[str, ...] = ()
        not_context: tuple[str, ...] = ()
        if roll < 0.6:
            etype = "person"
            first, last = person_name(rng)
            if rng.random() < 0.6:  # "Jan K. de Vries": there are more people than name pairs
                first = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            name = f"{first} {last}"
            surname = last[0].upper() + last[1:]
            aliases = [name, f"{first[0]}. {last}"]
            if rng.random() < 0.3:
                aliases.append(f"{rng.choice(FUNCTIONS).lower()} {surname}")
            if rng.random() < 0.1:  # the surname alone: only with context
                aliases.append(surname)
                ambiguous = (surname,)
                context = tuple(rng.sample(CONTEXT_WORDS, 4))
        elif roll < 0.9:
            etype = "organisation"
            name = f"{rng.choice(ORG_KINDS)} {rng.choice(PLACES)}" if rng.random() < 0.6 else company(rng)
            aliases = [name]
            acronym = next(acronym_iter, None) if rng.random() < 0.25 else None
            if acronym:
                aliases.append(acronym)
                if rng.random() < 0.5:
                    ambiguous = (acronym,)
                    context = tuple(rng.sample(CONTEXT_WORDS, 5))
                    not_context = tuple(rng.sample(NOT_CONTEXT_WORDS, 2))
        else:
            etype = rng.choice(("law", "system"))
            word = compound(rng, 2)
            name = f"Wet {word}" if etype == "law" else f"{word.capitalize()}systeem {rng.choice(PLACES)}"
            aliases = [name]
        if name in seen:
            continue
        seen.add(name)
        slug = "".join(c if c.isalnum() else "-" for c in name.lower().encode("ascii", "ignore").decode()).strip("-")
        entities.append(Entity(f"e{len(entities):05d}-{slug}"[:64].rstrip("-"), etype, name, tuple(aliases), ambiguous,
                               context, not_context))
    return entities


# --- Measurement ------------------------------------------------------------------------------------
def median_time(run: Callable[[], Any], repeats: int = REPEATS, setup: Callable[[], Any] | None = None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tokenize_all(docs: list[tuple[str, str]]) -> None:
    for title, text in docs:
        tokenize([("title", title), ("text", text)])


def classify_all(classifier: Classifier, docs: list[tuple[str, str]]) -> None:
    for title, text in docs:
        classifier.classify(title, text)


def staged_pass(classifier: Classifier, docs: list[tuple[str, str]]) -> dict[str, float]:
    gc.collect()
    t = dict.fromkeys(("tokenize", "matcher", "entities", "rest", "classify"), 0.0)
    clock = time.perf_counter
    for title, text in docs:
        t0 = clock()
        tokens = tokenize([("title", title), ("text", text)])
        t1 = clock()
        classifier.matcher.find(tokens)
        t2 = clock()
        classifier.entities.find(tokens)
        t3 = clock()
        classifier.classify(title, text)
        t4 = clock()
        t["tokenize"] += t1 - t0
        t["matcher"] += t2 - t1
        t["entities"] += t3 - t2
        t["classify"] += t4 - t3
        t["rest"] += (t4 - t3) - (t3 - t0)
    return t


def clear_stem_caches() -> None:
    stemming.stem.cache_clear()
    stemming.root.cache_clear()


@dataclass
class Run:
    build_s: float
    cold_s: float
    warm_s: float
    rules: int
    entities: int
    matches_per_doc: float
    entity_mentions_per_doc: float
    core_share: float
    stages: dict[str, float]  # warm seconds per stage over all documents


def measure_classifier(watchlists: tuple[Watchlist, ...], entities: list[Entity], docs: list[tuple[str, str]],
                       stages: bool) -> Run:
    ents = tuple(entities)
    holder: dict[str, Classifier] = {}
    builds: list[float] = []

    def fresh() -> None:  # a new classifier (its lexicon cache empty) and empty stemming caches: a cold start
        holder.pop("c", None)
        clear_stem_caches()
        gc.collect()
        start = time.perf_counter()
        holder["c"] = Classifier(watchlists, ents)
        builds.append(time.perf_counter() - start)

    cold = median_time(lambda: classify_all(holder["c"], docs), setup=fresh)
    classifier = holder["c"]
    results = [classifier.classify(title, text) for title, text in docs]  # warms up, and the statistics
    split: dict[str, float] = {}
    if stages:
        # Per document: the stages on their own, then the whole classify; "rest" is what classify spends beyond
        # them. Timed in one loop, so a busy machine disturbs the parts and the whole alike.
        runs = [staged_pass(classifier, docs) for _ in range(REPEATS)]
        split = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        warm = split.pop("classify")
    else:
        warm = median_time(lambda: classify_all(classifier, docs))
    n = len(docs)
    return Run(
        build_s=statistics.median(builds), cold_s=cold, warm_s=warm,
        rules=sum(len(w.rules) for w in watchlists), entities=len(ents),
        matches_per_doc=sum(len(r.matches) for r in results) / n,
        entity_mentions_per_doc=sum(sum(e.count for e in r.entities) for r in results) / n,
        core_share=sum(r.label == "core" for r in results) / n,
        stages=split,
    )


def machine() -> str:
    cpu = cpu_model()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " load average %.2f %.2f %.2f;" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return (f"Machine: {platform.platform()}; {cpu}; {os.cpu_count()} CPUs ({usable} usable);{load}\n"
            f"Python {platform.python_version()} ({platform.python_implementation()}); one process, one core")


# Growth steps: (rules, entities). The gazetteer stays at 1,000 so the rule count is what grows; the last
# step also grows the gazetteer tenfold.
SIZES = {  # docs, (rules, entities) growth steps, growth docs, text lengths in KB
    "quick": {"docs": 20, "growth": ((50, 1_000), (500, 1_000), (1_000, 1_000)), "growth_docs": 10,
              "lengths": (1, 5, 20), "length_bytes": 40_000},
    "default": {"docs": 300, "growth": ((50, 1_000), (100, 1_000), (250, 1_000), (500, 1_000), (1_000, 1_000),
                                        (5_000, 10_000)), "growth_docs": 50,
                "lengths": (1, 5, 20), "length_bytes": 300_000},
    "full": {"docs": 1_000, "growth": ((50, 1_000), (100, 1_000), (250, 1_000), (500, 1_000), (1_000, 1_000),
                                       (5_000, 10_000), (20_000, 40_000)), "growth_docs": 100,
             "lengths": (1, 5, 20, 100), "length_bytes": 1_000_000},
}
TARGET_DOCS_PER_S = 2_000  # issue 10: 2,000 documents per second per core, 5 KB texts, 500 rules, 1,000 entities


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, about 12 s (CI)")
    size.add_argument("--full", action="store_true",
                      help="1,000 documents, a 20,000-rule step, 100 KB texts (about 5 minutes)")
    parser.add_argument("--seed", type=int, default=20260301, help="generator seed (default 20260301)")
    add_arguments(parser, quick=False)
    args = parser.parse_args()
    with report_stream(args.json) as out:
        result = measure(args)
    emit(result, out, args.json)
    return 0


def measure(args: argparse.Namespace) -> Result:
    result = Result("classify")
    mode = "quick" if args.quick else "full" if args.full else "default"
    cfg = SIZES[mode]
    began = time.perf_counter()
    print("Waakhond classifier benchmark" + (f" ({mode})" if mode != "default" else ""))
    print(machine())

    max_rules = max(r for r, _ in cfg["growth"])
    max_entities = max(e for _, e in cfg["growth"])
    pool = rule_pool(args.seed, max_rules)
    gazetteer = entity_pool(args.seed, max_entities)
    docs = documents(args.seed, cfg["docs"], 5_000)
    kb = sum(len(t.encode()) + len(x.encode()) for t, x in docs) / 1000
    tokens = sum(len(tokenize([("title", t), ("text", x)])) for t, x in docs)
    kinds = [k for k, _ in pool[:500]]
    print(f"{len(docs)} documents, {kb / len(docs):.1f} KB and {tokens / len(docs):.0f} tokens each on average; "
          f"seed {args.seed}; median of {REPEATS} runs")
    print(f"500 rules: {kinds.count('terms')} terms, {kinds.count('queries')} queries, in "
          f"{-(-500 // RULES_PER_WATCHLIST)} watchlists of {RULES_PER_WATCHLIST}; gazetteer 1,000 entities")

    # 1. Baseline against the full classifier, 500 rules and 1,000 entities.
    watchlists = build_watchlists(pool, 500, args.seed)
    baseline = median_time(lambda: tokenize_all(docs))
    main_run = measure_classifier(watchlists, gazetteer[:1_000], docs, stages=False)
    n = len(docs)
    print()
    print(f"{'500 rules, 1,000 entities':<34}{'docs/s':>10}{'ms/doc':>10}{'x baseline':>12}")
    for label, seconds in (("baseline: tokenize only", baseline), ("classify, cold pass", main_run.cold_s),
                           ("classify, warm pass", main_run.warm_s)):
        print(f"{label:<34}{n / seconds:>10.1f}{seconds / n * 1000:>10.2f}{seconds / baseline:>12.2f}")
    result.add("classify warm, 500 rules + 1,000 entities, 5 KB", n / main_run.warm_s, "docs/s/core",
               baseline=n / baseline, target=f">= {TARGET_DOCS_PER_S:,} docs/s/core",
               met=n / main_run.warm_s >= TARGET_DOCS_PER_S)
    result.add("classify cold (fresh caches)", n / main_run.cold_s, "docs/s/core", baseline=n / baseline)
    result.add("tokenize only (baseline)", n / baseline, "docs/s/core")
    print(f"classifier built in {main_run.build_s * 1000:.0f} ms; per document {main_run.matches_per_doc:.1f} rule "
          f"matches, {main_run.entity_mentions_per_doc:.1f} entity mentions; {main_run.core_share:.0%} labelled core")

    # 2. Growth with the number of rules and entities (warm time split into stages).
    growth_docs = docs[: cfg["growth_docs"]]
    g = len(growth_docs)
    print()
    print(f"Growth with rules and entities ({g} documents of ~5 KB; stages: warm ms/doc)")
    print(f"{'rules':>6}{'entities':>9}{'build s':>9}{'cold d/s':>10}{'warm d/s':>10}{'warm ms':>9}"
          f"{'tokenize':>9}{'matcher':>9}{'entities':>9}{'rest':>7}{'matches':>9}{'mentions':>9}")
    first_ms: float | None = None
    for rules, entities in cfg["growth"]:
        lists = build_watchlists(pool, rules, args.seed)
        run = measure_classifier(lists, gazetteer[:entities], growth_docs, stages=True)
        s = {k: v / g * 1000 for k, v in run.stages.items()}
        warm_ms = run.warm_s / g * 1000
        first_ms = first_ms or warm_ms  # the baseline: the smallest rule set, measured in this run
        result.add(f"warm ms/doc at {run.rules:,} rules, {run.entities:,} entities", warm_ms, "ms/doc",
                   baseline=first_ms)
        print(f"{run.rules:>6}{run.entities:>9}{run.build_s:>9.2f}{g / run.cold_s:>10.1f}{g / run.warm_s:>10.1f}"
              f"{run.warm_s / g * 1000:>9.2f}{s['tokenize']:>9.2f}{s['matcher']:>9.2f}{s['entities']:>9.2f}"
              f"{s['rest']:>7.2f}{run.matches_per_doc:>9.1f}{run.entity_mentions_per_doc:>9.1f}")
    print("rest: rule evaluation, scores, snippets, pattern entities; matches: rule matches per document; "
          "mentions: entity mentions per document")

    # 3. Growth with text length, 500 rules: the classifier of section 1 (warm).
    classifier = Classifier(watchlists, tuple(gazetteer[:1_000]))
    print()
    print(f"Growth with text length (500 rules, 1,000 entities, warm; ~{cfg['length_bytes'] // 1000:,} KB per size)")
    print(f"{'KB/doc':>7}{'docs':>6}{'docs/s':>9}{'ms/doc':>9}{'µs/KB':>9}{'tokenize µs/KB':>16}{'x baseline':>12}"
          f"{'matches':>9}")
    first_us: float | None = None
    for length in cfg["lengths"]:
        ldocs = documents(args.seed, max(cfg["length_bytes"] // (length * 1000), 5), length * 1000)
        lkb = sum(len(t.encode()) + len(x.encode()) for t, x in ldocs) / 1000
        results = [classifier.classify(t, x) for t, x in ldocs]  # warm-up
        full = median_time(lambda: classify_all(classifier, ldocs))
        base = median_time(lambda: tokenize_all(ldocs))
        m = len(ldocs)
        print(f"{lkb / m:>7.1f}{m:>6}{m / full:>9.1f}{full / m * 1000:>9.2f}{full / lkb * 1e6:>9.0f}"
              f"{base / lkb * 1e6:>16.0f}{full / base:>12.2f}{sum(len(r.matches) for r in results) / m:>9.1f}")
        first_us = first_us or full / lkb * 1e6
        result.add(f"warm µs per KB at {lkb / m:.0f} KB texts", full / lkb * 1e6, "µs/KB", baseline=first_us)
    print()
    print(f"Total run time {time.perf_counter() - began:.0f} s. Absolute figures are indications for this machine; "
          "the ratios and the trends carry the meaning.")
    result.notes += [machine().replace("\n", "; "),
                     "one process, one core: docs/s is docs/s per core; growth ratios are against the smallest "
                     "rule set, length ratios against 1 KB texts, measured in the same run"]
    return result


if __name__ == "__main__":
    raise SystemExit(main())
