"""The editor's desk in a real browser (Debian's Chromium driven by Playwright), in English and German.

An editor filters the queue, opens a blocked draft, clicks the flagged sentence and reads its
source passage, fixes the sentence in place, re-checks without leaving the page, approves,
lands on the next waiting draft and opens the published preview. Every page is checked with
axe-core (no serious or critical violation) at 1366x768, nothing is loaded from elsewhere, and
screenshots of the queue and the draft view are kept under ``.copydesk/artifacts/editor/``
(``COPYDESK_ARTIFACTS`` overrides). The scripted model keeps the run fast; everything else is real.

Skipped when no Chromium is installed (``.ci/run`` installs the Debian package).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.api import create_app
from app.runner import DraftRunner
from app.settings import Settings
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
ARTIFACTS = Path(os.environ.get("COPYDESK_ARTIFACTS", REPO / ".copydesk" / "artifacts")) / "editor"
VIEWPORT = {"width": 1366, "height": 768}
LAPTOP_13 = {"width": 1280, "height": 800}
EXTRA = "Quality guaranteed, says Anna Schmidt."  # a banned term and a person's name
FIXED = "The Acme Kettle K1 costs 49.90 EUR [S1]. Quality you can measure."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A running app with four blocked drafts (two per campaign), created a second apart so "oldest" is defined."""
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90", EXTRA)]}), max_revisions=0
    )

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    port = free_port()
    app = create_app(factory, settings=Settings(data_dir=tmp_path / "data"))  # single-user mode on 127.0.0.1
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        time.sleep(0.1)
    runs: dict[str, str] = {}
    for name, campaign in (("en1", "winter"), ("en2", "winter"), ("de1", "spring"), ("de2", "spring")):
        body = {"brief": "Acme Kettle K1 price", "channel": "product_description", "campaign_id": campaign}
        runs[name] = httpx.post(f"{base}/v1/runs", json=body).json()["run_id"]
        time.sleep(1.05)  # the run registry keeps creation times to the second
    for _ in range(240):
        statuses = {httpx.get(f"{base}/v1/runs/{r}").json()["status"] for r in runs.values()}
        if statuses == {"awaiting_review"}:
            break
        time.sleep(0.25)
    assert statuses == {"awaiting_review"}, statuses
    # From here on the desk is a shared server: an editor's key exists, so single-user mode ends and
    # the browser must sign in (issue 10's /login).
    _, key = app.state.keys.create("Eva Editor", ["editor"])
    runs["_key"] = key
    yield base, runs
    web.should_exit = True
    thread.join(timeout=10)
    harness.close()


@pytest.fixture
def login() -> Callable[[Any, str, str], None]:
    """Sign the browser in with the editor's key through the login form; the desk then names her."""

    def sign_in(page: Any, base: str, key: str) -> None:
        page.goto(f"{base}/editor")
        assert page.locator("#login-form").is_visible(), "without a session the desk must ask for a key"
        page.fill("#login-key", key)
        page.click("#login")
        page.wait_for_selector("#signed-in")
        assert "Eva Editor" in page.locator("#signed-in").inner_text()

    return sign_in


def check_accessibility(page: Any, where: str) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document).then(r => ({passes: r.passes.length, violations: r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))}))"
    )
    assert result["passes"] > 10, f"{where}: axe checked almost nothing"
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{where}: {bad}"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def review_pass(page: Any, base: str, runs: dict[str, str], lang: str) -> None:
    """One editor's round trip, in the UI language ``lang``."""
    first, second, campaign = (
        (runs["en1"], runs["en2"], "winter") if lang == "en" else (runs["de1"], runs["de2"], "spring")
    )
    page.goto(f"{base}/editor")
    page.select_option("#f-campaign", campaign)
    page.click("#apply-filters")
    page.wait_for_url(f"**campaign={campaign}**")
    rows = page.locator("tr.run")
    assert rows.count() == 2
    assert [rows.nth(i).get_attribute("data-run") for i in range(2)] == [first, second]  # oldest first
    assert rows.first.locator(".blocking-count").inner_text().strip() == "2"  # wrong price, banned term
    check_accessibility(page, f"queue ({lang})")
    shoot(page, f"queue-{lang}")

    page.click(f"tr.run[data-run='{first}'] td.title a")
    page.wait_for_url(f"**/editor/runs/{first}")
    assert page.locator("#blocking").is_visible(), "the wrong price must be listed as blocking"
    assert page.locator("#blocking li").count() == 2
    assert ("Banned term" if lang == "en" else "Verbotener Begriff") in page.locator("#blocking").inner_text()
    assert page.locator("#draft mark.m-guard-block").inner_text() == "guaranteed"
    assert page.locator("#draft mark.m-pii").inner_text() == "<PERSON_1>"  # replaced, never in clear
    assert "Anna" not in page.locator("#draft").inner_text()
    flagged = page.locator(".s.v-contradicted .s-link").first
    flagged.click()
    detail = page.locator(".detail.shown")
    assert detail.count() == 1 and detail.is_visible()
    assert detail.locator("mark.span").inner_text() == "The Acme Kettle K1 costs 49.90 EUR."
    assert detail.locator(".doc-version").inner_text() == "2"
    check_accessibility(page, f"draft view ({lang})")
    shoot(page, f"draft-{lang}")

    page.evaluate("() => { window.__stayed = true; }")  # gone if the page navigates
    page.click("#edit-toggle")
    assert page.locator("#edit-body-0").is_visible() and page.locator("#edit-title").is_visible()
    assert "[S1]" in page.locator("#edit-body-0").input_value()  # citations stay in the editable text
    check_accessibility(page, f"draft in edit mode ({lang})")
    page.fill("#edit-body-0", FIXED)
    page.click("#save-edit")
    page.wait_for_selector("#no-blocking", timeout=60_000)
    assert page.evaluate("() => window.__stayed === true"), "the re-check must not leave the page"
    assert page.url.split("#")[0].endswith(f"/editor/runs/{first}")
    assert page.locator(".s.v-supported").count() >= 1 and page.locator("ins").first.inner_text() == "49.90"
    shoot(page, f"draft-{lang}-rechecked")

    if lang == "en":
        page.click("#approve")
    else:
        page.locator("body").press("a")  # the keyboard shortcut
    page.wait_for_url(f"**/editor/runs/{second}?notice=approve**")
    assert page.locator("#notice").is_visible()
    page.click("#notice-preview")
    page.wait_for_selector("#published-frame", timeout=60_000)
    frame = page.frame_locator("#published-frame")
    assert "49.90" in frame.locator("article").inner_text()
    assert "schema.org" in page.locator("#jsonld").inner_text()
    assert page.locator("#published-sources li").count() >= 1
    check_accessibility(page, f"published preview ({lang})")
    shoot(page, f"published-{lang}")


def test_editor_desk_in_english_and_german(
    desk: tuple[str, dict[str, str]], login: Callable[[Any, str, str], None]
) -> None:
    from playwright.sync_api import sync_playwright

    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    base, runs = desk
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # bypass_csp only so axe can be injected; the CSP header itself is checked in the unit tests
        context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
        page = context.new_page()
        foreign: list[str] = []
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((base, "data:", "about:")) else None)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        refused: list[str] = []  # every answer after sign-in is a page, none an error (no favicon 403 either)
        page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        login(page, base, runs["_key"])
        assert "Signed in as" in page.locator("#signed-in").inner_text()
        refused.clear()  # the sign-in page itself is a deliberate 401

        review_pass(page, base, runs, "en")
        assert page.locator("html").get_attribute("lang") == "en"

        page.goto(f"{base}/editor/runs/{runs['de1']}")
        page.click("#ui-de")
        page.wait_for_selector("html[lang=de]")
        assert "Angemeldet als" in page.locator("#signed-in").inner_text()
        assert page.locator("#approve").inner_text() == "Freigeben und veröffentlichen"
        page.locator("body").press("n")  # next waiting draft by keyboard
        page.wait_for_url(f"**/editor/runs/{runs['de2']}")
        page.locator("body").press("p")
        page.wait_for_url(f"**/editor/runs/{runs['de1']}")

        page.set_viewport_size(LAPTOP_13)  # the German pass on a 13" laptop's viewport
        review_pass(page, base, runs, "de")
        assert page.locator("html").get_attribute("lang") == "de"
        assert refused == [], refused

        page.click("#logout")  # the sign-in page speaks the language the editor picked
        page.wait_for_selector("#login-form")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator("#login").inner_text() == "Anmelden"
        check_accessibility(page, "sign-in (de)")
        shoot(page, "login-de")
        assert foreign == [], f"requests left the app: {foreign}"
        assert errors == [], errors
        browser.close()
