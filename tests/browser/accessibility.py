"""Accessibility checks of a screen: axe-core (WCAG 2.1 A and AA: labels, contrast, names,
landmarks...) and keyboard use (Tab, from the top of the page, reaches every element that
takes the focus, and each stop shows where the focus is; a screen with more stops than
``MAX_TAB_STOPS`` fails rather than being checked in part).

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
# ``same`` when Tab stayed on the element (the day, month and year of a date field are
# stops of one input), ``again`` when it comes back to one it left (the tour has come round).
FOCUSED = """() => {
  document.getElementById('tab-tour-start')?.remove();
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const visited = (window.__tabStops ||= new Set());
  const same = el === window.__lastTabStop;
  const again = !same && visited.has(el);
  visited.add(el);
  window.__lastTabStop = el;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || el.textContent || el.name || el.id || '')
      .trim().slice(0, 60),
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
      || (style.boxShadow && style.boxShadow !== 'none'),
    onScreen: box.width > 0 && box.height > 0,
    same,
    again,
  };
}"""

# Where the tour starts: before the page's first element. Blurring alone leaves Chromium's
# sequential focus starting point where the focus was (the screen's heading, often), and the
# tour would miss everything above it; a mark at the top of the body, focused, moves it there
# (removed once Tab has left it).
FROM_THE_TOP = """() => {
  document.activeElement && document.activeElement.blur();
  window.scrollTo(0, 0);
  window.__tabStops = new Set();
  window.__lastTabStop = null;
  const start = document.createElement('span');
  start.id = 'tab-tour-start';
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus({ preventScroll: true });
}"""

# The elements Tab should reach that it has not (a radio group counts once: Tab stops on
# one of its buttons), described as FOCUSED describes a stop.
NOT_VISITED = """() => {
  const visited = window.__tabStops || new Set();
  const selector = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, iframe, [tabindex], [contenteditable=""], [contenteditable="true"]';
  const groupsVisited = new Set([...visited].filter((el) => el.type === 'radio')
    .map((el) => `${el.form ? el.form.id : ''}/${el.name}`));
  return [...document.querySelectorAll(selector)]
    .filter((el) => !el.disabled && el.tabIndex >= 0 && !el.closest('[inert]'))
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter((el) => !visited.has(el))
    .filter((el) => el.type !== 'radio' || !el.name
      || !groupsVisited.has(`${el.form ? el.form.id : ''}/${el.name}`))
    .map((el) => ({
      tag: el.tagName.toLowerCase(),
      name: (el.getAttribute('aria-label') || el.textContent || el.name || el.id || '')
        .trim().slice(0, 60),
    }));
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
    """Tab through the whole screen, from its top: each stop is on screen and shows its
    focus. The tour ends when the focus leaves the page or comes back to a stop; it fails
    when an element that takes the focus was not reached, whether Tab was pressed
    ``MAX_TAB_STOPS`` times first (a screen longer than the cap is never checked in part)
    or the tour ended before it."""
    page.evaluate(FROM_THE_TOP)
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or focused.pop("again"):
            ended = "the tour ended"
            break
        if not focused.pop("same"):
            stops.append(focused)
    else:
        ended = f"Tab pressed {MAX_TAB_STOPS} times (MAX_TAB_STOPS)"
    if left := page.evaluate(NOT_VISITED):
        pytest.fail(
            f"{name}: {ended} after {len(stops)} stops with {len(left)} focusable element(s) "
            f"not reached, e.g. {left[:5]}: the keyboard check stopped short of them (raise "
            "MAX_TAB_STOPS if the screen really has that many stops; if the tour ended, the "
            "focus left the page or came back before them)"
        )
    assert stops, f"{name}: nothing takes the keyboard focus"
    hidden = [stop for stop in stops if not stop["visible"] or not stop["onScreen"]]
    assert not hidden, f"{name}: focus not visible on {hidden}"
    return stops


def check_screen(page, name: str) -> list[dict]:
    assert_no_axe_violations(page, name)
    return assert_keyboard_usable(page, name)
