"""Browser fixtures: one headless Debian Chromium per test session, driven by Selenium.

`web` opens pages of the `live_server` in a browser with JavaScript on, `web_nojs` with JavaScript
off. Both come with axe-core (`web.axe()`: serious and critical violations of the open page) and
screenshots at 1280 px and 390 px under `var/screenshots/`. The browser asks for French first, as a
resident's phone does; a test that wants English says so (`web.language("en")`).

`phone` is that browser at a phone's width (tests/web/phone_data.py), `saint_remy` a town whose data
is as long as a town's is (long names, emails, references, addresses).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.phone_data import PHONE_WIDTHS, PhoneCheck, PhoneTown, at_width, saint_remy_town

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_JS = Path(os.environ.get("AXE_JS", "/opt/marketplace/axe-core-4.11.0/axe.min.js"))
WIDTHS = {"1280": (1280, 900), "390": (390, 844)}
BLOCKING_IMPACTS = {"serious", "critical"}
# A page that takes this long is a failure, not a slow machine (speed is measured in benchmarks).
WAIT_SECONDS = 30


def _chromium(*, javascript: bool) -> WebDriver:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            f"{CHROMIUM} or {CHROMEDRIVER} missing: run deploy/services-up.sh (installs them)"
        )
    profile = tempfile.mkdtemp(prefix="marketplace-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--lang=fr-FR",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    prefs: dict[str, Any] = {"intl.accept_languages": "fr-FR,fr"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver._marketplace_profile = profile  # type: ignore[attr-defined]
    return driver


def _quit(driver: WebDriver) -> None:
    profile = getattr(driver, "_marketplace_profile", None)
    driver.quit()
    if profile:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    driver = _chromium(javascript=True)
    yield driver
    _quit(driver)


@pytest.fixture(scope="session")
def browser_nojs() -> Iterator[WebDriver]:
    driver = _chromium(javascript=False)
    yield driver
    _quit(driver)


class Web:
    """A browser on the live server: open pages, fill forms, check accessibility, take screenshots."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def open(self, path: str) -> Web:
        self.driver.get(self.url(path))
        return self

    @property
    def path(self) -> str:
        current: str = self.driver.current_url
        return current.removeprefix(self.base_url)

    @property
    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def fill(self, css: str, value: str) -> Web:
        field = self.find(css)
        field.clear()
        field.send_keys(value)
        return self

    def click(self, css: str) -> Web:
        self.find(css).click()
        return self

    def wait_for(self, css: str, timeout: float = WAIT_SECONDS) -> WebElement:
        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def wait_until(self, condition: Any, timeout: float = WAIT_SECONDS) -> Any:
        """Wait until `condition(driver)` is true; a page being replaced meanwhile (a stale
        element) is read again."""
        return WebDriverWait(
            self.driver, timeout, ignored_exceptions=[StaleElementReferenceException]
        ).until(condition)

    def wait_for_text(self, text: str, timeout: float = WAIT_SECONDS) -> None:
        def shown(driver: WebDriver) -> bool:
            try:
                return text in driver.find_element(By.TAG_NAME, "body").text
            except WebDriverException as error:
                # The page was replaced while its body was read (Chromium's words for a stale
                # node): read the new one.
                if "does not belong to the document" in str(error):
                    return False
                raise

        self.wait_until(shown, timeout)

    def login(self, email: str, password: str) -> Web:
        self.open("/compte/connexion/")
        self.fill("input[name=username]", email)
        self.fill("input[name=password]", password)
        self.find("main form button[type=submit]").click()
        self.wait_for("form[action$='/compte/deconnexion/']")
        return self

    def logout(self) -> Web:
        self.driver.delete_all_cookies()
        return self

    def axe(self) -> list[dict[str, Any]]:
        """The serious and critical axe-core violations of the open page (an empty list is a pass)."""
        if not AXE_JS.exists():
            pytest.fail(f"{AXE_JS} missing: run deploy/services-up.sh (it packs axe-core from npm)")
        self.driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
        violations = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical',"
            " help: String(e), nodes: []}]));"
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n.get("target") for n in v.get("nodes", [])][:5],
            }
            for v in violations
            if v.get("impact") in BLOCKING_IMPACTS
        ]

    def screenshots(self, name: str) -> list[Path]:
        """Save the open page at 1280 px and 390 px wide; the window is put back to 1280 px."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for label, (width, height) in WIDTHS.items():
            self.driver.set_window_size(width, height)
            path = SCREENSHOTS / f"{name}-{label}.png"
            self.driver.save_screenshot(str(path))
            saved.append(path)
        self.driver.set_window_size(*WIDTHS["1280"])
        return saved

    def set_geolocation(self, latitude: float, longitude: float) -> None:
        self.driver.execute_cdp_cmd(
            "Browser.grantPermissions", {"origin": self.base_url, "permissions": ["geolocation"]}
        )
        self.driver.execute_cdp_cmd(
            "Emulation.setGeolocationOverride",
            {"latitude": latitude, "longitude": longitude, "accuracy": 10},
        )

    def language(self, code: str) -> None:
        """Ask for pages in another language (Django's language cookie)."""
        self.driver.add_cookie({"name": "django_language", "value": code, "path": "/"})

    def console_errors(self) -> list[str]:
        """The browser's errors logged since the last call (the browser is the session's)."""
        return [
            json.dumps(entry)
            for entry in self.driver.get_log("browser")
            if entry.get("level") == "SEVERE"
        ]


def _web(driver: WebDriver, live_server: Any, settings: Any) -> Iterator[Web]:
    # The live server speaks plain HTTP on localhost; production cookies stay Secure behind TLS.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    driver.set_window_size(*WIDTHS["1280"])
    web = Web(driver, live_server.url)
    driver.get(web.url("/health/"))
    driver.delete_all_cookies()
    yield web
    driver.delete_all_cookies()


@pytest.fixture
def web(browser: WebDriver, live_server: Any, settings: Any) -> Iterator[Web]:
    yield from _web(browser, live_server, settings)


@pytest.fixture
def web_nojs(browser_nojs: WebDriver, live_server: Any, settings: Any) -> Iterator[Web]:
    yield from _web(browser_nojs, live_server, settings)


@pytest.fixture
def saint_remy(dummy: Any, settings: Any) -> PhoneTown:
    """Saint-Rémy-de-Provence as a town has it (`phone_data.saint_remy_town`)."""
    return saint_remy_town(settings)


@pytest.fixture
def phone(web: Web) -> Iterator[PhoneCheck]:
    """The browser as a phone's: its scrollbars drawn over the page (they take no width)."""
    web.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
    at_width(web, PHONE_WIDTHS[0])
    yield PhoneCheck(web)
    web.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})
