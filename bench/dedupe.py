"""Near-duplicate grouping: precision and recall on the labelled set, and what it costs per document.

Run: .venv/bin/python bench/dedupe.py [--background 0,2000,20000] [--repeat 3] [--quick] [--json]

Quality: every copy of tests/fixtures/dedupe/labelled.json is stored through storage.repository.store_document
(a temporary SQLite archive, publication order), exactly as a crawl stores it, and the stories it forms are
scored pairwise against the labels. In the same run a baseline groups the same copies with trafilatura's
Simhash (bag of words, 64 bits) at its best threshold on this set.
Cost: per document, the signature (pipeline.dedupe) against classification of the same text, and the
store with story placement against the same store without a signature, with 0 to 20,000 other documents
in the candidate index (random signatures within the time window) to show that a look-up does not grow
with the archive.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # bench/pipeline.py must not shadow the project's `pipeline` package

from sqlalchemy import insert  # noqa: E402
from trafilatura.deduplication import Simhash  # noqa: E402

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402
from pipeline import dedupe  # noqa: E402
from pipeline.classify import Classifier  # noqa: E402
from pipeline.dedupe_evaluation import GroupingScore, LabelledCopy, load_labelled, score_grouping  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage import stories  # noqa: E402
from storage.engine import open_database  # noqa: E402
from storage.models import Document, DocumentSignature, SignatureBand  # noqa: E402
from waakhond.config import load_config  # noqa: E402

LABELLED = ROOT / "tests" / "fixtures" / "dedupe" / "labelled.json"


def new_document(copy: LabelledCopy, signed: bool, suffix: str = "") -> repo.NewDocument:
    return repo.NewDocument(
        source_name=copy.outlet, kind="news", url=f"https://{copy.outlet}.example/{copy.story}{suffix}",
        fetched_url=f"https://{copy.outlet}.example/{copy.story}{suffix}", title=copy.title, text=copy.text,
        text_origin="article", fetched_at=copy.published, content_hash=f"{copy.key}{suffix}", raw=copy.text.encode(),
        published_at=copy.published, signature=dedupe.signature(copy.text) if signed else None,
    )


def minhash_grouping(copies: list[LabelledCopy], workdir: Path) -> GroupingScore:
    engine = open_database(f"sqlite:///{workdir / 'quality.db'}")
    ids = {}
    for copy in copies:
        sid = repo.ensure_source(engine, copy.outlet, "feed", f"https://{copy.outlet}.example/rss")
        ids[copy.key] = repo.store_document(engine, sid, new_document(copy, True), _UNCLASSIFIED, []).document_id
    views = stories.stories_of(engine, ids.values())
    engine.dispose()
    return score_grouping(copies, {key: views[i].id for key, i in ids.items()})


def simhash_grouping(copies: list[LabelledCopy], threshold: float) -> GroupingScore:
    seen: list[tuple[str, Simhash]] = []
    cluster: dict[str, str] = {}
    for copy in copies:
        mine = Simhash(copy.text)
        best = max(((mine.similarity(other), key) for key, other in seen), default=(0.0, ""))
        cluster[copy.key] = cluster[best[1]] if best[0] >= threshold else copy.key
        seen.append((copy.key, mine))
    return score_grouping(copies, cluster)


def background(engine, count: int, around, seed: int = 7) -> None:  # type: ignore[no-untyped-def]
    """``count`` documents with random signatures dated within the window: index rows a look-up must not scan."""
    rng = np.random.default_rng(seed)
    sid = repo.ensure_source(engine, "achtergrond", "feed", "https://achtergrond.example/rss")
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            n = min(1000, count - start)
            docs = [{"source_id": sid, "kind": "news", "url": f"https://achtergrond.example/{start + i}", "fetched_url": "x",
                     "title": "t", "published_at": around, "fetched_at": around, "text": "t", "text_origin": "article",
                     "content_hash": "h", "dated_at": around, "raw_size": 0} for i in range(n)]
            first_id = conn.execute(insert(Document).returning(Document.id), docs).scalars().all()
            signatures, bands = [], []
            for doc_id in first_id:
                values = rng.integers(0, 2**32, dedupe.NUM_PERM, dtype=np.uint32).astype("<u4").tobytes()
                signatures.append({"document_id": doc_id, "method": dedupe.METHOD, "signature": values, "shingles": 200,
                                   "at": around})
                bands.extend({"key": k, "document_id": doc_id, "at": around} for k in dedupe.band_keys(values))
            conn.execute(insert(DocumentSignature), signatures)
            conn.execute(insert(SignatureBand), bands)


def store_cost(copies: list[LabelledCopy], workdir: Path, count: int, repeat: int) -> tuple[float, float]:
    """Median ms per document to store (signed, with placement) and to store unsigned, with ``count`` others indexed."""
    engine = open_database(f"sqlite:///{workdir / f'cost-{count}.db'}")
    background(engine, count, copies[0].published)
    sids = {c.outlet: repo.ensure_source(engine, c.outlet, "feed", f"https://{c.outlet}.example/rss") for c in copies}
    signed_times, plain_times = [], []
    for r in range(repeat):
        for copy in copies:
            for signed, times in ((True, signed_times), (False, plain_times)):
                document = new_document(copy, signed, suffix=f"-{r}-{int(signed)}")
                started = time.perf_counter()
                repo.store_document(engine, sids[copy.outlet], document, _UNCLASSIFIED, ["1"])
                times.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(signed_times) * 1000, statistics.median(plain_times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", default=None,
                        help="Sizes of the candidate index to time look-ups at (default 0,2000,20000; --quick 0,2000).")
    parser.add_argument("--repeat", type=int, default=None,
                        help="Rounds of storing the labelled set per index size (default 3; --quick 1).")
    add_arguments(parser, quick_help="index sizes 0 and 2,000, one round (about 15 s)")
    args = parser.parse_args()
    args.background = args.background or ("0,2000" if args.quick else "0,2000,20000")
    args.repeat = args.repeat or (1 if args.quick else 3)
    with report_stream(args.json) as out:
        result = measure(args)
    emit(result, out, args.json)
    return 0


def measure(args: argparse.Namespace) -> Result:
    result = Result("dedupe")
    copies = load_labelled(LABELLED)
    stories_n = len({c.story for c in copies})
    print(f"labelled set: {len(copies)} copies of {stories_n} stories "
          f"({sum(1 for s in {c.story for c in copies} if sum(c.story == s for c in copies) > 1)} with several copies)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        score = minhash_grouping(copies, workdir)
        print(f"\n{'grouping':44} {'precision':>9} {'recall':>7} {'F1':>6} {'clusters':>9}")
        print(f"{f'MinHash LSH, threshold {dedupe.THRESHOLD} (store path)':44} {score.precision:9.3f} {score.recall:7.3f} "
              f"{score.f1:6.3f} {score.clusters:>5}/{score.stories}")
        best = max((simhash_grouping(copies, t) for t in (0.70, 0.75, 0.80, 0.90)), key=lambda g: g.f1)
        result.add("MinHash grouping F1 (store path)", score.f1, "F1", baseline=best.f1)
        result.add("MinHash precision", score.precision, "share", target="1.0 on the labelled set",
                   met=score.precision >= 1.0)
        result.add("MinHash recall", score.recall, "share", target="1.0 on the labelled set", met=score.recall >= 1.0)
        for threshold in (0.70, 0.75, 0.80, 0.90):
            s = simhash_grouping(copies, threshold)
            print(f"{f'baseline: trafilatura Simhash >= {threshold:.2f}':44} {s.precision:9.3f} {s.recall:7.3f} "
                  f"{s.f1:6.3f} {s.clusters:>5}/{s.stories}")

        print("\nseparation: lowest similarity of two copies of one story vs highest of two different stories")
        signatures = {c.key: dedupe.signature(c.text) for c in copies}
        simhashes = {c.key: Simhash(c.text) for c in copies}
        for name, similar in (("MinHash (estimated Jaccard of 3-shingles)", lambda a, b: signatures[a].similarity(signatures[b])),  # type: ignore[union-attr]
                              ("trafilatura Simhash (bag of words)", lambda a, b: simhashes[a].similarity(simhashes[b]))):
            same, different = _separation(copies, similar)
            print(f"  {name:44} copies >= {same:.3f}, different stories <= {different:.3f}: margin {same - different:.3f}")

        classifier = Classifier(load_config(None).watchlists, load_config(None).entities)
        sign = _per_doc(lambda c: dedupe.signature(c.text), copies, args.repeat)
        classify = _per_doc(lambda c: classifier.classify(c.title, c.text), copies, args.repeat)
        words = statistics.mean(len(c.text.split()) for c in copies)
        print(f"\nper document ({words:.0f} words on average), median of {args.repeat} rounds:")
        print(f"  signature (MinHash, {dedupe.NUM_PERM} permutations)  {sign:7.3f} ms   "
              f"= {sign / classify:.2f} x classification ({classify:.3f} ms)")
        long = [replace(c, text="\n".join(o.text for o in copies[i : i + 5])) for i, c in enumerate(copies[:-5])]
        sign_long = _per_doc(lambda c: dedupe.signature(c.text), long, args.repeat)
        classify_long = _per_doc(lambda c: classifier.classify(c.title, c.text), long, args.repeat)
        result.add("signature per document", sign, "ms/doc", baseline=classify)
        result.add(f"signature per {statistics.mean(len(c.text.split()) for c in long):.0f}-word document", sign_long,
                   "ms/doc", baseline=classify_long)
        print(f"  the same for {statistics.mean(len(c.text.split()) for c in long):.0f}-word texts     {sign_long:7.3f} ms   "
              f"= {sign_long / classify_long:.2f} x classification ({classify_long:.3f} ms)")
        print(f"\n{'indexed documents':>18} {'store + story':>14} {'store, unsigned':>16} {'placement':>10}")
        for count in (int(n) for n in args.background.split(",")):
            signed, plain = store_cost(copies, workdir, count, args.repeat)
            print(f"{count:>18,} {signed:11.2f} ms {plain:13.2f} ms {signed - plain:7.2f} ms")
            result.add(f"store with story, {count:,} in the index", signed, "ms/doc", baseline=plain)
    print("\nplacement = the story look-up and index writes (store + story minus unsigned store, same transaction);"
          "\nit stays flat as the index grows: the look-up reads the band index by key, within the time window.")
    result.notes += ["grouping baseline: trafilatura Simhash at its best threshold on the set; signature baseline: "
                     "classifying the same text; store baseline: the same store without a signature"]
    return result


def _separation(copies: list[LabelledCopy], similar) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    same, different = 1.0, 0.0
    for i, a in enumerate(copies):
        for b in copies[i + 1 :]:
            score = similar(a.key, b.key)
            if a.story == b.story:
                same = min(same, score)
            else:
                different = max(different, score)
    return same, different


def _per_doc(work, copies: list[LabelledCopy], repeat: int) -> float:  # type: ignore[no-untyped-def]
    for c in copies[:3]:
        work(c)  # warm caches (datasketch import, permutations, stemmer)
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        for c in copies:
            work(c)
        rounds.append((time.perf_counter() - started) / len(copies))
    return statistics.median(rounds) * 1000


from pipeline.classify import UNCLASSIFIED as _UNCLASSIFIED  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
