"""One wire story on five outlets plus two other stories on the same topic: three stories, three alerts.

Real Scrapy crawls of five fixture outlets on 127.0.0.1, all at once (`crawl --all`: five crawl processes
storing concurrently), real SQLite and PostgreSQL, and the real python-telegram-bot client against the fake
Bot API, which must receive exactly three messages.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness.commands import feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite

OUTLETS = ("noorderbode", "stadsblad", "dagkoerier", "techwereld", "regiopost")
WIRE = "rechter-stadion-hoogveen"  # the same ANP story on every outlet, edited a little by each
FOLLOW_UP = ("noorderbode", "hoogveen-in-beroep")  # the same topic two days later, reusing a background paragraph
OTHER = ("dagkoerier", "boete-supermarkt-gezichtsherkenning")  # another story on the same topic


def write_config(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "waakhond.toml"
    sources = "".join(feed_source(name, site.url(f"/{name}/rss.xml")) for name in OUTLETS)
    path.write_text(
        sources + '\n[[watchlists]]\nname = "gezichtsherkenning"\nterms = ["gezichtsherkenning"]\n\n'
        "[[subscriptions]]\nchat_id = 1001\n",
        encoding="utf-8",
    )
    return path


def page(site: FixtureSite, outlet: str, slug: str) -> str:
    return site.url(f"/{outlet}/artikel/{slug}.html")


def test_five_copies_are_one_story_and_three_stories_give_three_alerts(
    tmp_path: Path, fixture_site: FixtureSite, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, fixture_site)
    env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url,
           "WAAKHOND_CONFIG": str(config)}

    crawl = run_waakhond(["crawl", "--all"], env)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    stored = sum(int(line.split(" stored")[0].rsplit(" ", 1)[-1]) for line in crawl.stdout.splitlines())
    alerts = sum(int(line.split(" alerts queued")[0].rsplit(" ", 1)[-1]) for line in crawl.stdout.splitlines())
    assert (stored, alerts) == (7, 3), crawl.stdout

    sent = run_waakhond(["send-alerts"], env)
    assert sent.returncode == 0, sent.stderr
    messages = fake_telegram.wait_for_messages(3)
    assert len(messages) == 3 and {m["chat_id"] for m in messages} == {"1001"}
    texts = "\n".join(m["text"] for m in messages)
    assert sum(texts.count(f'href="{page(fixture_site, o, WIRE)}"') for o in OUTLETS) == 1  # the wire story once
    assert page(fixture_site, *FOLLOW_UP) in texts and page(fixture_site, *OTHER) in texts
    assert run_waakhond(["send-alerts"], env).returncode == 0
    assert len(fake_telegram.messages) == 3

    # The five copies are one story headed by the first publication (De Noorderbode, 10:02), whatever
    # order the five concurrent crawls stored them in.
    shown = run_waakhond(["story", "--json", page(fixture_site, "regiopost", WIRE)], env)
    assert shown.returncode == 0, shown.stderr
    story = json.loads(shown.stdout)
    assert [d["source"] for d in story["documents"]] == list(OUTLETS)
    assert story["documents"][0]["head"] and story["documents"][0]["url"] == page(fixture_site, "noorderbode", WIRE)
    # One copy started the story (the first stored); the other four joined it as near-duplicates of a copy.
    joined = [d for d in story["documents"] if d["reason"] == "near-duplicate"]
    assert len(joined) == 4 and all(d["similarity"] >= 0.4 for d in joined)
    for outlet, slug in (FOLLOW_UP, OTHER):
        alone = json.loads(run_waakhond(["story", "--json", page(fixture_site, outlet, slug)], env).stdout)
        assert [d["url"] for d in alone["documents"]] == [page(fixture_site, outlet, slug)]

    # Search shows the story: one copy, and where else it appeared.
    found = run_waakhond(["search", "--json", "overwinning voetbalfans"], env)
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(hits) == 5 and len({h["story"] for h in hits}) == 1
    techwereld = next(h for h in hits if h["source"] == "techwereld")
    assert techwereld["also_in"] == ["noorderbode", "stadsblad", "dagkoerier", "regiopost"]
    text = run_waakhond(["search", "Hoogveen hoger beroep"], env).stdout
    assert "also in:" not in text  # the follow-up is a story of its own
