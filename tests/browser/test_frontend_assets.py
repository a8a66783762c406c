"""The front end's files as the gateway serves them: no browser needed.

Every asset is local (counters may be offline from the internet), every module an import
names exists, and the pages carry a Content-Security-Policy that allows our files only.
"""

from __future__ import annotations

import re

import requests

from services.gateway.frontend import STATIC

IMPORT = re.compile(r"""^\s*import\s.*?from\s+["']([^"']+)["']""", re.MULTILINE)
URL = re.compile(r"""(?:src|href)=["']([^"'#]+)["']""")


def test_root_leads_to_the_app_which_is_served_with_a_strict_policy(system):
    root = requests.get(system.gateway_url + "/", allow_redirects=False, timeout=10)
    assert root.status_code == 302 and root.headers["Location"].endswith("/app/")
    page = requests.get(system.gateway_url + "/app/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["Referrer-Policy"] == "no-referrer"
    script = requests.get(system.gateway_url + "/app/js/main.js", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript")


def test_a_missing_or_outside_file_is_a_problem_not_a_page(system):
    for path in ("/app/js/nothing.js", "/app/../app.py", "/app/%2e%2e/__init__.py"):
        answer = requests.get(system.gateway_url + path, timeout=10)
        assert answer.status_code == 404, path
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_every_asset_is_local_and_every_import_exists():
    for module in STATIC.rglob("*.js"):
        for target in IMPORT.findall(module.read_text()):
            assert target.startswith("."), f"{module.name} imports {target} from elsewhere"
            assert (module.parent / target).resolve().is_file(), f"{module.name}: {target}"
    for target in URL.findall((STATIC / "index.html").read_text()):
        if target.startswith("/app/"):
            assert (STATIC / target.removeprefix("/app/")).is_file(), target
        else:
            assert target == "/docs", f"index.html loads {target}"
    assert not re.search(r"https?://", (STATIC / "app.css").read_text())
