"""Classifications for storage and alert tests that need a verdict without running the classifier."""

from __future__ import annotations

from pipeline.classify import Classification, RuleMatch, Span, WatchlistScore


def matched(watchlist: str = "gezichtsherkenning", rule: str = "gezichtsherkenning", count: int = 1,
            label: str = "core") -> Classification:
    """A document that reached ``watchlist`` through ``rule`` (a core one unless ``label`` says otherwise)."""
    role = "adjacent" if label == "adjacent" else "core"
    score = float(count)
    return Classification(
        label=label,
        relevance=score if role == "core" else 0.0,
        tags=(),
        watchlists=(WatchlistScore(watchlist, role, score, 1.0 if label != "unrelated" else score + 1),),
        matches=(RuleMatch(watchlist, rule, 1.0, count, score, (Span("text", 0, len(rule)),), f"[[{rule}]]"),),
        entities=(),
    )

