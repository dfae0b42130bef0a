"""The web page in a real headless browser (Debian's chromium + chromium-driver, via selenium), at
a phone's width (390 px) and a laptop's (1280 px).

Skipped, saying why, only where chromium or its driver is not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import shutil
import time
from urllib.parse import parse_qs, quote, urlparse

import pytest

selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="chromium / chromedriver not installed (apt-get install chromium chromium-driver)")


def make_driver(width: int, *, offline: bool = False):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},900"]
    if offline:  # no network but localhost: any CDN request fails
        args.append("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    for arg in args:
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    if width < 500:  # a phone: its viewport, not the window's minimum width
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    return driver


@pytest.fixture(params=[390, 1280], ids=["phone-390", "laptop-1280"])
def browser(request):
    driver = make_driver(request.param)
    driver.width = request.param
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
    raise AssertionError("the page did not reach the expected state: " + driver.find_element("id", "status").text
                         + " | " + driver.find_element("id", "message").text)


def _ids(driver):
    return [li.get_attribute("data-id") for li in driver.find_elements("css selector", "#hits li.hit")]


def _ready(driver):
    return driver.find_element("tag name", "body").get_attribute("data-ready")


def _after(driver, before, action):
    action()
    _wait(driver, lambda d: _ready(d) not in (None, before))


def _params(driver):
    return parse_qs(urlparse(driver.current_url).query)


def _rect(driver, element_id):
    return driver.execute_script(f"return document.getElementById('{element_id}').getBoundingClientRect().toJSON()")


def _profile(served_index):
    from nlrec.index import Index
    from nlrec.profiles import build_profile, save_profile

    profile, _ = build_profile(Index.open(served_index), "me", {"t3": 5, "t8": 3}, vocabulary=[
        "heavy metal", "edm", "solo piano", "jazz", "folk", "synthwave"])
    save_profile(profile)


def test_search_exclude_history_more_like_this_and_profile(browser, served_index, monkeypatch):
    from selenium.webdriver.common.keys import Keys

    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    _profile(served_index)
    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app(served_index)) as server:
        browser.get(server.url + "/?mode=bm25")
        _wait(browser, lambda d: "tiny" in d.find_element("id", "index-info").text)
        assert "What do you want to hear?" in browser.find_element("id", "message").text  # the empty state
        before = _ready(browser)
        _after(browser, before, lambda: browser.find_element("id", "q").send_keys("calm piano music with vocals", Keys.ENTER))
        first = _ids(browser)
        assert "t2" in first and "wanted" in browser.find_element("id", "parsed").text
        assert _params(browser)["q"] == ["calm piano music with vocals"] and _params(browser)["mode"] == ["bm25"]
        # the layout: nothing wider than the screen, the results column usable, no panel over the box
        assert browser.execute_script("return document.documentElement.scrollWidth") <= browser.width
        hits, box, aside = _rect(browser, "hits"), _rect(browser, "q"), _rect(browser, "profile-panel")
        assert hits["width"] >= min(300, browser.width - 40)
        overlap = not (aside["bottom"] <= box["top"] or aside["top"] >= box["bottom"]
                       or aside["right"] <= box["left"] or aside["left"] >= box["right"])
        assert not overlap
        # no raw fusion scores; each hit says why it is there; titles once
        for li in browser.find_elements("css selector", "#hits li.hit"):
            assert "score" not in li.text and li.find_element("css selector", ".why").text
        assert browser.find_element("css selector", "#hits li.hit").text.count("Quiet Keys") == 1
        # exclude a descriptor by clicking it: no hit carries it, and the URL says so
        tag = next(e for e in browser.find_elements("css selector", "#hits .d") if e.text == "calm")
        _after(browser, _ready(browser), tag.click)
        assert "−calm" in browser.find_element("id", "excluded").text and _params(browser)["exclude"] == ["calm"]
        for li in browser.find_elements("css selector", "#hits li.hit"):
            assert "calm" not in [d.text for d in li.find_elements("css selector", ".d")]
        # back restores the search before the exclusion; forward brings it back
        _after(browser, _ready(browser), browser.back)
        assert browser.find_element("id", "excluded").text == "" and _ids(browser) == first
        _after(browser, _ready(browser), browser.forward)
        assert "−calm" in browser.find_element("id", "excluded").text
        # "more like this" keeps the exclusion and the mode
        more = browser.find_elements("css selector", "#hits .more")[0]
        _after(browser, _ready(browser), more.click)
        assert "more like" in browser.find_element("id", "parsed").text
        assert "without: calm" in browser.find_element("id", "parsed").text and "like" in _params(browser)
        for li in browser.find_elements("css selector", "#hits li.hit"):
            assert "calm" not in [d.text for d in li.find_elements("css selector", ".d")]
        # a shared link opens the same search
        url = browser.current_url
        browser.get("about:blank")
        browser.get(url)
        _wait(browser, lambda d: "more like" in d.find_element("id", "parsed").text)
        # choose the profile and move its weight: the ranking changes
        browser.get(server.url + "/?mode=bm25&q=" + quote("calm piano music with vocals"))
        _wait(browser, lambda d: _ids(d) == first)
        _after(browser, _ready(browser), lambda: browser.find_element("id", "profile").send_keys("me"))
        _wait(browser, lambda d: len(d.find_elements("css selector", "#protos .proto")) > 0)
        weight = browser.find_element("id", "pweight")
        browser.execute_script("arguments[0].scrollIntoView()", weight)
        _after(browser, _ready(browser), lambda: weight.send_keys(Keys.END))  # profile weight 0.3 -> 1
        with_profile = _ids(browser)
        assert with_profile[0] in ("t3", "t8") and with_profile != first and _params(browser)["profile"] == ["me"]


def test_states_and_out_of_order_answers(browser, served_index, monkeypatch):
    from selenium.webdriver.common.keys import Keys

    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app(served_index)) as server:
        browser.get(server.url + "/?mode=bm25&q=" + quote("any suggestions?"))
        _wait(browser, lambda d: "Nothing to match" in d.find_element("id", "message").text)
        assert _ids(browser) == [] and "0 tracks" not in browser.find_element("tag name", "body").text
        browser.get(server.url + "/?mode=bm25&q=rock&where=" + quote("year >"))
        _wait(browser, lambda d: d.find_element("id", "message").get_attribute("role") == "alert")
        assert "Could not search" in browser.find_element("id", "message").text
        browser.get(server.url + "/?mode=bm25&q=harpsichord")
        _wait(browser, lambda d: "No tracks found" in d.find_element("id", "message").text)
        # a slow answer to an older request never replaces the answer to the newer one
        browser.execute_script("""
            const real = window.fetch; let n = 0;
            window.fetch = (url, opts) => {
              const i = n++;
              const p = real(url, {...opts, signal: undefined});  // not cancelled: only the page's check protects
              return i === 0 ? new Promise(r => setTimeout(() => r(p), 1500)) : p;
            };""")
        box = browser.find_element("id", "q")
        box.clear()
        box.send_keys("heavy metal", Keys.ENTER)
        box.clear()
        box.send_keys("solo piano", Keys.ENTER)
        _wait(browser, lambda d: _ids(d)[:2] in (["t2", "t5"], ["t5", "t2"]))
        time.sleep(2.5)  # the slow answer to "heavy metal" has arrived by now
        assert _ids(browser)[:2] in (["t2", "t5"], ["t5", "t2"]) and "t3" not in _ids(browser)
        assert "solo piano" in browser.find_element("id", "parsed").text


def test_the_api_key_field_and_a_refused_change(browser, served_index, monkeypatch):
    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    _profile(served_index)
    with LiveServer(create_app(served_index, api_key="s3cret")) as server:
        browser.get(server.url + "/?mode=bm25&profile=me&q=" + quote("calm piano"))
        _wait(browser, lambda d: len(d.find_elements("css selector", "#protos .proto")) > 0 and _ids(d))
        assert browser.find_element("id", "key-box").is_displayed()
        slider = browser.find_element("css selector", "#protos .proto input")
        browser.execute_script("arguments[0].scrollIntoView()", slider)
        browser.execute_script("arguments[0].value = 0.01; arguments[0].dispatchEvent(new Event('change'))", slider)
        _wait(browser, lambda d: "API key" in d.find_element("id", "profile-error").text)
        time.sleep(1.0)  # nothing overwrites it
        assert "API key" in browser.find_element("id", "profile-error").text
        browser.find_element("id", "apikey").send_keys("s3cret")
        slider = browser.find_element("css selector", "#protos .proto input")
        before = _ready(browser)
        browser.execute_script("arguments[0].value = 0.01; arguments[0].dispatchEvent(new Event('change'))", slider)
        _wait(browser, lambda d: _ready(d) != before)
        assert browser.find_element("id", "profile-error").text == ""


def test_docs_render_with_the_network_disabled(served_index, monkeypatch):
    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    driver = make_driver(1280, offline=True)
    try:
        with LiveServer(create_app(served_index)) as server:
            driver.get(server.url + "/docs")
            _wait(driver, lambda d: "nlrec" in d.find_element("css selector", ".swagger-ui .info .title").text)
            _wait(driver, lambda d: len(d.find_elements("css selector", ".opblock")) >= 10)
            driver.get(server.url + "/redoc")
            _wait(driver, lambda d: "nlrec" in d.find_element("css selector", "h1").text)
            assert "/search" in driver.find_element("tag name", "body").text
    finally:
        driver.quit()
