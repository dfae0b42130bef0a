"""Take the web page screenshots in docs/ (headless chromium, the demo index, a scratch NLREC_HOME).

    .venv/bin/python docs/tools/screenshots.py

Needs the serve and dev extras and Debian's chromium + chromium-driver. Writes
docs/web-search.png (a request with a negation and a filter, 1300 px wide), docs/web-profile.png
(the same request re-ranked with a taste profile, sliders shown) and docs/web-search-phone.png
(the same search on a 390 px phone screen).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]


def main() -> None:
    home = tempfile.mkdtemp(prefix="nlrec-shots-")
    os.environ["NLREC_HOME"] = home
    os.environ["HF_HUB_OFFLINE"] = "1"
    sys.path.insert(0, str(DOCS.parent))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from nlrec.index.demo import ensure_demo_index
    from nlrec.profiles import build_profile, save_profile
    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    index = ensure_demo_index()
    likes = {t.id: 3 for t in index.tracks if {"jazz", "piano"} & set(t.descriptors)}
    profile, _ = build_profile(index, "jazz-fan", likes)
    save_profile(profile)
    from urllib.parse import urlencode

    search = "/?" + urlencode({"q": "relaxing instrumental music for a rainy evening, no drums",
                               "where": "year >= 2000"})
    try:
        with LiveServer(create_app("demo")) as server:
            driver = _driver(webdriver, Service, 1300, 1050)
            try:
                driver.get(server.url + search)
                _wait_ready(driver, None)
                time.sleep(0.5)
                driver.save_screenshot(str(DOCS / "web-search.png"))
                ready = driver.find_element("tag name", "body").get_attribute("data-ready")
                driver.find_element("id", "profile").send_keys("jazz-fan")
                _wait_ready(driver, ready)
                time.sleep(0.5)
                driver.save_screenshot(str(DOCS / "web-profile.png"))
            finally:
                driver.quit()
            driver = _driver(webdriver, Service, 390, 844)
            try:
                driver.get(server.url + search)
                _wait_ready(driver, None)
                time.sleep(0.5)
                driver.save_screenshot(str(DOCS / "web-search-phone.png"))
            finally:
                driver.quit()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("wrote", DOCS / "web-search.png", DOCS / "web-profile.png", DOCS / "web-search-phone.png")


def _driver(webdriver, service, width: int, height: int):
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={max(width, 500)},{height}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=service(shutil.which("chromedriver")), options=opts)
    if width < 500:  # a phone's viewport
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver


def _wait_ready(driver, before, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.find_element("tag name", "body").get_attribute("data-ready") not in (None, before):
            return
        time.sleep(0.1)
    raise SystemExit("the page did not answer: " + driver.find_element("id", "status").text)


if __name__ == "__main__":
    main()
