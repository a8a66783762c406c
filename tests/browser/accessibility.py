"""Accessibility checks of a screen: axe-core (WCAG 2.1 A and AA: labels, contrast, names,
landmarks...) and keyboard use (every stop reachable with Tab shows where the focus is).

axe-core comes bundled in the ``axe-playwright-python`` test dependency; it is injected into
the page under test only, never served by the application.
"""

from __future__ import annotations

from importlib import resources

import pytest

from tests.browser.artifacts import write_report
from tests.browser.chromium import unavailable

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_TAB_STOPS = 80

# What has the focus, and whether it shows: an outline or a ring drawn with box-shadow.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || el.textContent || el.name || el.id || '')
      .trim().slice(0, 60),
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
      || (style.boxShadow && style.boxShadow !== 'none'),
    onScreen: box.width > 0 && box.height > 0,
  };
}"""


def axe_script() -> str:
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text()
    except ModuleNotFoundError:
        unavailable("the axe-playwright-python package (pip install -e '.[test]')")


def assert_no_axe_violations(page, name: str) -> None:
    page.evaluate(axe_script())
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]},
    )
    violations = results["violations"]
    if violations:
        report = write_report(name, violations)
        found = "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
        )
        pytest.fail(f"{name}: axe found {len(violations)} violation(s): {found} (see {report})")


def assert_keyboard_usable(page, name: str) -> list[dict]:
    """Tab through the whole screen: each stop is on screen and shows its focus."""
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    page.locator("body").focus()
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (stops and focused == stops[0]):
            break
        stops.append(focused)
    assert stops, f"{name}: nothing takes the keyboard focus"
    hidden = [stop for stop in stops if not stop["visible"] or not stop["onScreen"]]
    assert not hidden, f"{name}: focus not visible on {hidden}"
    return stops


def check_screen(page, name: str) -> list[dict]:
    assert_no_axe_violations(page, name)
    return assert_keyboard_usable(page, name)
