"""Browser tests: the web front end (``/app/``) driven in Debian's Chromium, headless.

The whole embedded system runs in this process (as ``make run``); set-up data is made
through the public API with the demo keys (``api_setup.py``), then Playwright drives the
screens under test. Playwright's own browser download is not used: ``CHROMIUM`` (default
``/usr/bin/chromium``, from Debian's ``chromium`` package, which ``.ci/run`` installs) is.

Without Chromium or Playwright these tests are skipped, except under
``REQUIRE_INTEGRATION=1`` (as in CI), where they fail with the reason. Screenshots of every
step, and an accessibility report when a check fails, go to ``BROWSER_ARTIFACTS``
(default ``test-artifacts/browser``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.embedded import DEMO_SITES
from tests.browser.api_setup import Api
from tests.browser.artifacts import ARTIFACTS
from tests.browser.chromium import CHROMIUM_ARGS, playwright_api, require_chromium
from tests.support.embedded import embedded_system

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def playwright():
    api = playwright_api()
    require_chromium()
    api.expect.set_options(timeout=TIMEOUT_MS)
    with api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def demo_data() -> str:
    """What the embedded system seeds: nothing (``DEMO_DATA=none``: each test makes its own
    data); a module that wants the living demo overrides this fixture with "programme"."""
    return "none"


@pytest.fixture(scope="module")
def system(tmp_path_factory, demo_data):
    data_dir = tmp_path_factory.mktemp("browser-embedded")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEMO_DATA", demo_data)
        with embedded_system(data_dir, "browsertest", rate_limit="1000/second") as running:
            yield running


@pytest.fixture(scope="module")
def keys(system) -> dict[str, str]:
    return system.demo_keys


@pytest.fixture(scope="module")
def apis(system, keys) -> dict[str, Api]:
    return {role: Api(system.gateway_url, key) for role, key in keys.items()}


@pytest.fixture(scope="module")
def paris(apis) -> dict:
    return next(
        s for s in apis["admin"].get("inventory/sites").json() if s["name"] == DEMO_SITES[1][0]
    )


@pytest.fixture(scope="module")
def workshop_site(apis) -> dict:
    return next(s for s in apis["admin"].get("inventory/sites").json() if s["kind"] == "workshop")


@pytest.fixture(scope="module")
def partner_id(apis) -> str:
    return apis["partner"].get("me").json()["partner_id"]


class Screens:
    """One browser tab on the app, with screenshots numbered per test."""

    def __init__(self, page, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.directory = ARTIFACTS / "screenshots" / name
        self.directory.mkdir(parents=True, exist_ok=True)
        for old in self.directory.glob("*.png"):
            old.unlink()
        self.shots = 0
        self.errors: list[str] = []
        self.elsewhere: list[str] = []  # the app must work offline from the internet
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", self._local_only)
        page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def _local_only(self, request) -> None:
        if not request.url.startswith((self.base_url, "blob:", "data:")):
            self.elsewhere.append(request.url)

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.base_url}/app/#/{path}")

    def sign_in(self, key: str) -> None:
        self.open()
        self.page.get_by_label("Clé d'API", exact=True).fill(key)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.locator("#nav a").first.wait_for()

    def shot(self, label: str) -> Path:
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        path = self.directory / f"{self.shots:02d}-{slug}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture
def screens(browser, system, request):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    screens = Screens(page, system.gateway_url, request.node.name)
    yield screens
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        screens.shot("failure")
    context.close()
    expected = [e for e in screens.errors if not _expected_console_error(e)]
    assert not expected, f"errors in the browser console: {expected}"
    assert not screens.elsewhere, f"requests beyond the gateway: {screens.elsewhere}"


def _expected_console_error(text: str) -> bool:
    """A failed request the test provoked on purpose shows in the console too."""
    return "Failed to load resource" in text


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
