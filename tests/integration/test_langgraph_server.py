"""The draft graph under ``langgraph dev`` (LangGraph Server), driven with ``langgraph_sdk`` as a LangGraph user would.

thread → run → Agent Inbox interrupt → ``Command(resume=[{"type": "accept"}])`` → published,
with the model a scripted OpenAI-compatible server and the schemas endpoint answering 200.
LangGraph Server lives in ``.venv-langgraph`` (``scripts/langgraph_server_env.sh``; see
``requirements-langgraph-server.lock`` for why it is not in ``.venv``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import scripted_openai
from tests.conftest import REPO_ROOT, write_corpus

OVERLAY = REPO_ROOT / ".venv-langgraph"
CLI = "from app.cli import main; main()"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    setup = subprocess.run([str(REPO_ROOT / "scripts" / "langgraph_server_env.sh")], capture_output=True, text=True)
    if setup.returncode != 0:
        pytest.skip(f"LangGraph Server could not be installed: {setup.stderr[-500:]}")
    root = tmp_path_factory.mktemp("langgraph")
    llm, _ = scripted_openai.start()
    base = f"http://127.0.0.1:{llm.server_address[1]}/v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYDESK_")}
    env.update(
        COPYDESK_DATA_DIR=str(root / "data"),
        COPYDESK_LLM_BASE_URL=base,
        COPYDESK_EMBEDDINGS_BASE_URL=base,
        COPYDESK_LLM_CAPABLE="false",
        COPYDESK_MAX_REVISIONS="0",
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        OMP_NUM_THREADS="1",
    )
    ingest = subprocess.run(
        [sys.executable, "-c", CLI, "ingest", str(write_corpus(root / "corpus"))],
        env={**env, "PYTHONPATH": str(REPO_ROOT)}, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    port = _free_port()
    log = root / "langgraph.log"
    process = subprocess.Popen(
        [sys.executable, "-c", "from langgraph_cli.cli import cli; cli()", "dev", "--no-browser", "--no-reload",
         "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "PYTHONPATH": f"{OVERLAY}{os.pathsep}{REPO_ROOT}"}, cwd=str(REPO_ROOT),
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail("langgraph dev exited: " + log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("langgraph dev did not start: " + log.read_text(errors="replace")[-3000:])
            time.sleep(1)
        yield url, root
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        llm.shutdown()


def test_schemas_render(server: tuple[str, Path]) -> None:
    from langgraph_sdk import get_sync_client

    url, _ = server
    client = get_sync_client(url=url)
    [assistant] = client.assistants.search(graph_id="draft")
    answer = httpx.get(f"{url}/assistants/{assistant['assistant_id']}/schemas", timeout=30)
    assert answer.status_code == 200, answer.text
    schemas = answer.json()
    assert "brief" in schemas["input_schema"]["properties"]
    assert "max_revisions" in schemas["context_schema"]["properties"]


def test_sdk_round_trip_thread_run_interrupt_resume_published(server: tuple[str, Path]) -> None:
    from langgraph_sdk import get_sync_client

    url, root = server
    client = get_sync_client(url=url)
    thread = client.threads.create()
    thread_id = thread["thread_id"]
    brief = {"brief": "Product text for the Acme Kettle K1", "channel": "product_description", "language": "en"}
    client.runs.wait(thread_id, "draft", input=brief)
    state = client.threads.get_state(thread_id)
    assert state["values"]["run_id"] == thread_id, "run_id defaults to the thread id"
    [task] = [t for t in state["tasks"] if t["interrupts"]]
    [request] = task["interrupts"][0]["value"]
    assert request["action_request"]["action"] == "review_draft"
    assert request["action_request"]["args"]["title"]
    assert set(request["config"]) == {"allow_accept", "allow_edit", "allow_respond", "allow_ignore"}
    assert request["config"]["allow_accept"] is True and "Accept publishes" in request["description"]

    final = client.runs.wait(thread_id, "draft", command={"resume": [{"type": "accept", "args": None}]})
    assert final["status"] == "published", final
    assert Path(final["published"]["html"]).exists()
    assert (root / "data" / "published" / thread_id / "index.html").exists()
