"""The config contract: the documented file keeps working, and every problem is named precisely."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from waakhond.config import DEFAULT_PUBLICATIONS_URL, Settings, load_config, parse_config
from waakhond.errors import ConfigError

CONTRACT = """
[[sources]]
name = "example"                # unique; also the name `waakhond crawl` takes
kind = "feed"                   # RSS or Atom feed whose entries link to article pages
url = "https://example.org/rss.xml"
interval = "15m"                # "30s", "15m", "2h", "1d"

[[watchlists]]
name = "gezichtsherkenning"
terms = ["gezichtsherkenning", "Clearview", "biometrie"]

[[subscriptions]]
chat_id = 123456789             # a Telegram chat; with no `watchlists` key it gets every relevant item
watchlists = ["gezichtsherkenning"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "w.toml")
    return [str(p) for p in info.value.problems]


def test_the_documented_config_contract_loads(tmp_path: Path) -> None:
    path = tmp_path / "waakhond.toml"
    path.write_text(CONTRACT, encoding="utf-8")
    config = load_config(path)
    (source,) = config.sources
    assert (source.name, source.kind, source.url, source.interval) == (
        "example", "feed", "https://example.org/rss.xml", timedelta(minutes=15)
    )
    assert config.watchlists[0].terms == ("gezichtsherkenning", "Clearview", "biometrie")
    assert config.subscriptions[0].chat_id == "123456789"
    assert config.subscriptions[0].watchlists == ("gezichtsherkenning",)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400)])
def test_intervals(text: str, seconds: int) -> None:
    config = parse_config(f'[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\ninterval="{text}"\n', "w.toml")
    assert config.sources[0].interval.total_seconds() == seconds


def test_without_watchlists_the_builtin_ones_apply() -> None:
    config = parse_config('[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\n', "w.toml")
    terms = {t.casefold() for w in config.watchlists for t in w.terms}
    assert {"gezichtsherkenning", "biometrie", "@clearview-ai or @pimeyes"} <= terms
    assert [w.name for w in config.watchlists if w.role == "core"] == ["gezichtsherkenning"]
    assert config.sources[0].interval == timedelta(minutes=30)


def test_every_problem_is_reported_with_file_key_and_reason() -> None:
    found = problems(
        """
[[sources]]
name = "Nieuws Site"
kind = "webcrawl"
url = "ftp://example.org/feed"
interval = "15x"
colour = "red"

[[sources]]
name = "b"
kind = "feed"
url = "https://b.nl/rss"
interval = "0s"
timeout = "99999999999d"

[[sources]]
name = "b"
kind = "feed"
url = "https://b2.nl/rss"

[[watchlists]]
name = "fr"
terms = []

[[subscriptions]]
chat_id = "not a chat"
watchlists = ["unknown"]
"""
    )
    expected = [
        "w.toml: sources[0].colour: unknown key",
        "w.toml: sources[0].name: 'Nieuws Site' must be lowercase",
        "w.toml: sources[0].kind: 'webcrawl' is not a known kind",
        "w.toml: sources[0].url: 'ftp://example.org/feed' is not an http(s) URL",
        "w.toml: sources[0].interval: '15x' is not a duration",
        "w.toml: sources[1].interval: '0s' is shorter than the minimum",
        "w.toml: sources[1].timeout: '99999999999d' is not a duration",
        "w.toml: sources[2].name: duplicate name 'b'",
        "w.toml:21: watchlists[0].terms: needs at least one term or query",
        "w.toml: subscriptions[0].chat_id: must be a numeric chat id or an @channelname",
        "w.toml: subscriptions[0].watchlists[0]: no watchlist named 'unknown'",
    ]
    for prefix in expected:
        assert any(p.startswith(prefix) for p in found), (prefix, found)
    assert len(found) == len(expected), found


def test_toml_syntax_errors_name_the_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[sources]]\nname = "a\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.file == str(path)
    assert "not valid TOML" in problem.reason and "line 2" in problem.reason


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_sections_of_the_wrong_shape() -> None:
    found = problems('sources = "x"\nwatchlists = [1]\n')
    assert any(p.startswith("w.toml: sources: must be an array of tables") for p in found)
    assert any(p.startswith("w.toml: watchlists[0]: must be a table") for p in found)


def test_channel_names_and_group_ids_are_valid_chats() -> None:
    config = parse_config('[[subscriptions]]\nchat_id = "@waakhond_nl"\n[[subscriptions]]\nchat_id = -1001234567890\n', "w")
    assert [s.chat_id for s in config.subscriptions] == ["@waakhond_nl", "-1001234567890"]
    assert config.subscriptions[0].watchlists is None


def test_shipped_default_config_is_valid() -> None:
    config = load_config(None)
    assert len(config.sources) >= 5
    assert all(s.url.startswith("https://") for s in config.sources)


def test_the_shipped_config_curates_the_field_and_says_where_each_url_came_from() -> None:
    from waakhond.config import default_config_text

    config = load_config(None)
    news = [s for s in config.sources if s.kind in ("feed", "sitemap")]
    assert len(news) >= 15 and {"sitemap", "feed"} <= {s.kind for s in news}
    assert {s.kind for s in config.sources} == {"feed", "sitemap", "ap", "kamervragen"}
    (ap,) = [s for s in config.sources if s.kind == "ap"]
    assert ap.url == "https://www.autoriteitpersoonsgegevens.nl/actueel"
    assert len({s.url for s in config.sources}) == len(config.sources)
    # Every source table carries a comment on the origin of its URL, above it or inside it.
    for block in default_config_text().split("[[sources]]")[1:]:
        before_url = block.split("\nurl = ", 1)[0]
        assert "#" in before_url or "# " in block.split("\n\n", 1)[0], block[:200]


def test_settings_defaults_and_validation(tmp_path: Path) -> None:
    settings = Settings.from_env({"WAAKHOND_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'waakhond.db'}"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.telegram_bot_token is None
    assert "TOKEN" not in repr(Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:TOKEN"}))
    with pytest.raises(ConfigError) as info:
        Settings.from_env(
            {"TELEGRAM_API_URL": "api.telegram.org", "WAAKHOND_DATABASE_URL": "mysql://x", "WAAKHOND_DOWNLOAD_DELAY": "-1"}
        )
    keys = [p.key for p in info.value.problems]
    assert keys == ["TELEGRAM_API_URL", "WAAKHOND_DATABASE_URL", "WAAKHOND_DOWNLOAD_DELAY"]


def test_cron_timeout_operator_and_health() -> None:
    config = parse_config(
        """
[operator]
chat_id = -100777

[health]
failures = 5
silence_factor = 3
min_silence = "12h"

[[sources]]
name = "a"
kind = "feed"
url = "https://a.nl/f"
cron = "*/10 7-23 * * *"
timeout = "5m"
""",
        "w.toml",
    )
    (source,) = config.sources
    assert (source.cron, source.timeout) == ("*/10 7-23 * * *", timedelta(minutes=5))
    assert config.operator_chat_id == "-100777"
    assert (config.health.failures, config.health.silence_factor, config.health.min_silence) == (
        5, 3.0, timedelta(hours=12)
    )
    assert config.warnings == ()


def test_bad_cron_health_and_operator_values() -> None:
    found = problems(
        """
[operator]
chat_id = "nobody"

[health]
failures = 0
loud = true

[[sources]]
name = "a"
kind = "feed"
url = "https://a.nl/f"
interval = "1h"
cron = "61 * * * *"
"""
    )
    assert any(p.startswith("w.toml: operator.chat_id: must be a numeric chat id") for p in found), found
    assert any(p.startswith("w.toml: health.failures: must be a whole number from 1 to 100") for p in found)
    assert any(p.startswith("w.toml: health.loud: unknown key") for p in found)
    assert any(p.startswith("w.toml: sources[0].cron: give either interval or cron") for p in found)
    assert any(p.startswith("w.toml: sources[0].cron: '61 * * * *' is not a valid crontab expression") for p in found)


def test_very_short_intervals_are_allowed_with_a_warning() -> None:
    config = parse_config('[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\ninterval="30s"\n', "w.toml")
    (warning,) = config.warnings
    assert str(warning).startswith("w.toml: sources[0].interval: '30s' polls more often than every 5 minutes")


def test_durations_are_shown_in_the_configs_notation() -> None:
    from waakhond.config import format_duration

    assert [format_duration(timedelta(seconds=s)) for s in (30, 900, 7200, 86400, 90, 0)] == [
        "30s", "15m", "2h", "1d", "90s", "0s"
    ]


KAMERVRAGEN = """
[[sources]]
name = "tweede-kamer"
kind = "kamervragen"
url = "https://gegevensmagazijn.tweedekamer.nl/OData/v5/"
"""


def test_a_kamervragen_source_without_publications_url_gets_the_default() -> None:
    (source,) = parse_config(KAMERVRAGEN, "w.toml").sources
    assert (source.name, source.kind, source.url) == (
        "tweede-kamer", "kamervragen", "https://gegevensmagazijn.tweedekamer.nl/OData/v5/"
    )
    assert source.publications_url == DEFAULT_PUBLICATIONS_URL == "https://repository.overheid.nl/sru"


def test_a_kamervragen_source_with_its_own_publications_url() -> None:
    config = parse_config(KAMERVRAGEN + 'publications_url = "  http://127.0.0.1:8080/sru  "\n', "w.toml")
    assert config.sources[0].publications_url == "http://127.0.0.1:8080/sru"


@pytest.mark.parametrize(
    "value", ['"ftp://repository.overheid.nl/sru"', '"repository.overheid.nl/sru"', '"https://"', '""', "42"]
)
def test_a_bad_publications_url_is_named(value: str) -> None:
    found = problems(KAMERVRAGEN + f"publications_url = {value}\n")
    assert len(found) == 1 and found[0].startswith("w.toml: sources[0].publications_url: "), found


def test_only_kamervragen_sources_have_a_publications_url() -> None:
    found = problems(
        '[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\npublications_url="https://repository.overheid.nl/sru"\n'
    )
    assert found == ["w.toml: sources[0].publications_url: only kamervragen sources have a publications_url"]
    (feed,) = parse_config('[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\n', "w.toml").sources
    assert feed.publications_url is None


def test_the_shipped_config_has_one_kamervragen_source_on_odata_v5() -> None:
    (source,) = [s for s in load_config(None).sources if s.kind == "kamervragen"]
    assert "/OData/v5/" in source.url and source.url.startswith("https://gegevensmagazijn.tweedekamer.nl/")
    assert source.publications_url == DEFAULT_PUBLICATIONS_URL
    assert all(s.publications_url is None for s in load_config(None).sources if s.kind != "kamervragen")


def test_listing_sources_and_the_crawler_contact() -> None:
    config = parse_config(
        '[crawler]\ncontact_url = "https://newsroom.example/waakhond"\n'
        '[[sources]]\nname = "ap"\nkind = "ap"\nurl = "https://ap.example/actueel"\nmax_pages = 5\n'
        'follow = "/actueel/[a-z0-9-]+$"\n',
        "w.toml",
    )
    assert config.contact_url == "https://newsroom.example/waakhond"
    assert (config.sources[0].max_pages, config.sources[0].follow) == (5, "/actueel/[a-z0-9-]+$")
    found = problems(
        '[crawler]\ncontact_url = "ftp://x"\n'
        '[[sources]]\nname = "f"\nkind = "feed"\nurl = "https://a.nl/rss"\nmax_pages = 2\n'
        '[[sources]]\nname = "s"\nkind = "sitemap"\nurl = "https://a.nl/sitemap.xml"\nmax_pages = 0\nfollow = "(["\n'
    )
    assert found == [
        "w.toml: sources[0].max_pages: only ap and sitemap sources have it",
        "w.toml: sources[1].max_pages: must be a whole number from 1 to 100, not 0",
        "w.toml: sources[1].follow: '([' is not a regular expression: unterminated character set at position 1",
        "w.toml: crawler.contact_url: 'ftp://x' is not an http(s) or mailto: URL",
    ]


def test_the_contact_url_goes_into_the_user_agent(tmp_path: Path) -> None:
    from waakhond.crawl_runner import scrapy_settings

    settings = Settings.from_env({"WAAKHOND_DATA_DIR": str(tmp_path)})
    config = parse_config('[crawler]\ncontact_url = "mailto:redactie@krant.example"\n', "w.toml")
    assert scrapy_settings(settings, 0, config).get("USER_AGENT") == "Waakhond/0.1 (+mailto:redactie@krant.example)"
    assert "Waakhond/0.1 (+http" in scrapy_settings(settings, 0, parse_config("", "w.toml")).get("USER_AGENT")
