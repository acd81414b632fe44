"""End to end in headless Chromium (Debian's chromium through chromedriver, installed by `make browser`):
the timeline, a search, a filter, an item and its Kamervraag case page, the Atom link, screenshots, and no
injected script ever running."""

from __future__ import annotations

import os
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.engine import open_database
from tests.harness.archive import CASE, HOSTILE_TITLE, fill_archive
from waakhond.web import create_app

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1400")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    from waitress.server import create_server

    engine: Engine = open_database(f"sqlite:///{tmp_path / 'web.db'}")
    ids = fill_archive(engine)
    httpd = create_server(create_app(engine), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}", ids  # type: ignore[union-attr]
    finally:
        httpd.close()
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        reason = "Debian's chromium and chromium-driver are not installed (make browser installs them)"
        if os.environ.get("WAAKHOND_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; WAAKHOND_REQUIRE_BROWSER=1 makes the browser test mandatory")
        pytest.skip(reason)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager look for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_timeline_search_filter_item_case_and_atom_in_chromium(
    server: tuple[str, dict[str, int]], browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, ids = server
    driver = browser
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def follow(element: object, act: str = "click") -> None:
        # click() and submit() return before the next page is there: wait until the old page is gone
        # and the new one loaded, or a look-up may catch an element of the page being left.
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        getattr(element, act)()
        wait = WebDriverWait(driver, 30)
        wait.until(expected_conditions.staleness_of(element))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def shot(name: str) -> None:
        assert driver.save_screenshot(str(shots / f"{name}.png"))  # type: ignore[attr-defined]
        # Whatever the page holds, nothing scraped ran: no page script exists, the marker was never set.
        assert driver.execute_script("return window.__pwned === undefined")  # type: ignore[attr-defined]

    driver.get(base + "/")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "Tijdlijn"  # type: ignore[attr-defined]
    assert len(driver.find_elements(By.CSS_SELECTOR, ".day h2")) >= 5  # type: ignore[attr-defined]
    assert driver.execute_script("return document.scripts.length") == 0  # type: ignore[attr-defined]
    shot("01-timeline")

    box = driver.find_element(By.CSS_SELECTOR, "header input[name=q]")  # type: ignore[attr-defined]
    box.send_keys("gezichtsherkenning")
    follow(box, "submit")
    hits = driver.find_elements(By.CSS_SELECTOR, "article.hit")  # type: ignore[attr-defined]
    assert len(hits) == 5 and driver.find_elements(By.TAG_NAME, "mark")  # type: ignore[attr-defined]
    shot("02-search")

    Select(driver.find_element(By.CSS_SELECTOR, "form.filters select[name=kind]")).select_by_value("kamervragen")  # type: ignore[attr-defined]
    follow(driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))  # type: ignore[attr-defined]
    titles = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "article.hit h3 a")]  # type: ignore[attr-defined]
    assert len(titles) == 2 and all("gezichtsherkenning" in t for t in titles)
    assert "kind=kamervragen" in driver.current_url and "q=gezichtsherkenning" in driver.current_url  # type: ignore[attr-defined]
    shot("03-filtered")
    results_url = driver.current_url  # type: ignore[attr-defined]

    follow(driver.find_element(By.PARTIAL_LINK_TEXT, "Schriftelijke vragen"))  # type: ignore[attr-defined]
    assert driver.current_url.endswith(f"/item/{ids['vraag']}")  # type: ignore[attr-defined]
    assert "SHA-256" in driver.find_element(By.CSS_SELECTOR, "section.snapshot").text  # type: ignore[attr-defined]
    shot("04-item")
    follow(driver.find_element(By.CSS_SELECTOR, "a.case-link"))  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Kamervragen {CASE}"  # type: ignore[attr-defined]
    life = driver.find_element(By.CSS_SELECTOR, "section.life").text  # type: ignore[attr-defined]
    assert "open" in life and "answered" in life
    assert "Antwoord 2" in driver.find_element(By.CSS_SELECTOR, "section.documents").text  # type: ignore[attr-defined]
    shot("05-case")

    driver.get(results_url)  # type: ignore[attr-defined]
    follow(driver.find_element(By.CSS_SELECTOR, "p.feeds a[type='application/atom+xml']"))  # type: ignore[attr-defined]
    assert "/search.atom?" in driver.current_url  # type: ignore[attr-defined]
    # Chromium shows a feed as its source text: read it back and parse it.
    feed = ET.fromstring(driver.find_element(By.TAG_NAME, "body").text)  # type: ignore[attr-defined]
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2 and feed.find("{http://www.w3.org/2005/Atom}title").text == "Waakhond: gezichtsherkenning"
    shot("06-atom")

    # The hostile article: its title and text are on screen as text, and nothing it carries runs.
    driver.get(base + "/search?q=winkels")  # type: ignore[attr-defined]
    assert driver.find_element(By.CSS_SELECTOR, "article.hit h3 a").text == HOSTILE_TITLE  # type: ignore[attr-defined]
    shot("07-hostile-search")
    driver.get(f"{base}/item/{ids['hostile']}")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == HOSTILE_TITLE  # type: ignore[attr-defined]
    assert not driver.find_elements(By.CSS_SELECTOR, "main img, main svg, main b")  # type: ignore[attr-defined]
    shot("08-hostile-item")
    driver.get(f"{base}/item/{ids['hostile']}/raw")  # type: ignore[attr-defined]
    assert "<script>window.__pwned" in driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    shot("09-hostile-snapshot")
    driver.get(base + "/search.atom?q=kassa")  # type: ignore[attr-defined]
    shot("10-hostile-atom")
    assert sorted(p.name for p in shots.iterdir()) == [f"{n}.png" for n in (
        "01-timeline", "02-search", "03-filtered", "04-item", "05-case", "06-atom", "07-hostile-search",
        "08-hostile-item", "09-hostile-snapshot", "10-hostile-atom")]
    print(f"screenshots in {shots}")
