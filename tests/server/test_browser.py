"""The web page in a real headless browser (Debian's chromium + chromium-driver, via selenium).

Skipped, saying why, only where chromium or its driver is not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import shutil
import time

import pytest

selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="chromium / chromedriver not installed (apt-get install chromium chromium-driver)")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate(driver)
            if value:
                return value
        except Exception:  # noqa: BLE001 - the page is still updating
            pass
        time.sleep(0.1)
    raise AssertionError("the page did not reach the expected state: " + driver.find_element("id", "status").text)


def _ids(driver):
    return [li.get_attribute("data-id") for li in driver.find_elements("css selector", "#hits li.hit")]


def _search_done(driver, before):
    return driver.find_element("tag name", "body").get_attribute("data-ready") not in (None, before)


def test_search_exclude_and_profile_slider(browser, served_index, monkeypatch):
    from selenium.webdriver.common.keys import Keys

    from nlrec.index import Index
    from nlrec.profiles import build_profile, save_profile
    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    profile, _ = build_profile(Index.open(served_index), "me", {"t3": 5, "t8": 3}, vocabulary=[
        "heavy metal", "edm", "solo piano", "jazz", "folk", "synthwave"])
    save_profile(profile)
    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app(served_index)) as server:
        browser.get(server.url + "/")
        _wait(browser, lambda d: "tiny" in d.find_element("id", "index-info").text)
        browser.find_element("id", "mode").send_keys("bm25")
        box = browser.find_element("id", "q")
        box.send_keys("calm piano music with vocals", Keys.ENTER)
        _wait(browser, lambda d: len(_ids(d)) > 0)
        first = _ids(browser)
        assert "t2" in first
        # the parsed request is shown
        assert "wanted" in browser.find_element("id", "parsed").text
        # exclude a tag by clicking it: no hit carries it any more
        ready = browser.find_element("tag name", "body").get_attribute("data-ready")
        tag = next(e for e in browser.find_elements("css selector", "#hits .d") if e.text == "calm")
        tag.click()
        _wait(browser, lambda d: _search_done(d, ready))
        assert "−calm" in browser.find_element("id", "excluded").text
        for li in browser.find_elements("css selector", "#hits li.hit"):
            assert "calm" not in [d.text for d in li.find_elements("css selector", ".d")]
        # choose the profile and move a slider: the ranking changes
        browser.find_element("id", "profile").send_keys("me")
        _wait(browser, lambda d: len(d.find_elements("css selector", "#protos .proto")) > 0)
        ready = browser.find_element("tag name", "body").get_attribute("data-ready")
        weight = browser.find_element("id", "pweight")
        weight.send_keys(Keys.END)  # profile weight 0.3 -> 1
        _wait(browser, lambda d: _search_done(d, ready))
        with_profile = _ids(browser)
        assert with_profile[0] in ("t3", "t8") and with_profile != first
        # "more like this" on a hit
        ready = browser.find_element("tag name", "body").get_attribute("data-ready")
        browser.find_elements("css selector", "#hits .more")[0].click()
        _wait(browser, lambda d: _search_done(d, ready))
        assert "more like" in browser.find_element("id", "parsed").text
