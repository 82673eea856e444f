"""The editor pages in a real browser (Debian's Chromium driven by Playwright): read a draft, edit it, approve.

Skipped when no Chromium is installed (``.ci/run`` installs the Debian package).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.api import create_app
from app.runner import DraftRunner
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90")]}), max_revisions=0
    )

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    port = free_port()
    config = uvicorn.Config(create_app(factory), host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        time.sleep(0.1)
    yield base
    web.should_exit = True
    thread.join(timeout=10)
    harness.close()


def wait_for_status(page, wanted: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(60):
        if wanted in page.locator("#status").inner_text():
            return
        time.sleep(0.5)
        page.reload()
    raise AssertionError(f"status never became {wanted!r}: {page.locator('#status').inner_text()}")


def test_editor_fixes_a_wrong_price_and_publishes(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    run_id = httpx.post(
        f"{server}/v1/runs", json={"brief": "Acme Kettle K1 price", "channel": "product_description"}
    ).json()["run_id"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{server}/editor")
        for _ in range(60):
            if page.locator("tr.run[data-status=awaiting_review]").count():
                break
            time.sleep(0.5)
            page.reload()
        page.click(f"a[href='/editor/runs/{run_id}']")
        assert "39.90" in page.locator("#draft").inner_text()
        assert page.locator("#blocking").is_visible(), "the wrong price must be marked as blocking"

        page.fill("#edit-body-0", "The Acme Kettle K1 costs 49.90 EUR [S1].")
        page.fill("#edit-claims", "The Acme Kettle K1 costs 49.90 EUR. [S1]")
        page.click("#save-edit")
        wait_for_status(page, "awaiting_review")
        assert page.locator("#blocking").count() == 0
        assert page.locator("#verdicts td.supported").count() >= 1

        page.click("#approve")
        wait_for_status(page, "published")
        page.screenshot(path=str(tmp_path / "published.png"))
        browser.close()
