"""The prompt registry: hashes pinned in the lock file, one shared draft base, cache-friendly order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import prompts
from app.cli import app
from prompts import (
    PROMPTS_DIR,
    all_prompts,
    available_prompts,
    load_prompt,
    load_prompt_from,
    lock_problems,
    used_prompt_records,
    write_lock,
)
from tools.channels import known_channels

VARIABLES = {
    "company": "Lumora Home",
    "channel_name": "ad copy",
    "language_name": "German",
    "sources": [{"label": "S1", "title": "Lumora Bulb 9", "heading": "Specs", "text": "806 lm, E27."}],
    "feedback": [],
    "revision": 0,
    "previous_title": "",
}


def test_every_prompt_version_matches_the_lock_file() -> None:
    problems = lock_problems()
    assert not problems, "\n".join(problems)


def test_a_text_change_without_a_version_bump_fails(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert lock_problems(root) == []
    path = root / "draft" / "ad_copy.v2.md"
    path.write_text(path.read_text(encoding="utf-8").replace("very short", "short"), encoding="utf-8")
    problems = lock_problems(root)
    assert len(problems) == 1 and "draft/ad_copy@v2 changed without a version bump" in problems[0]
    newest = load_prompt("draft/ad_copy").version
    assert f"draft/ad_copy.v{newest + 1}.md" in problems[0]  # the next free version
    with pytest.raises(ValueError, match="without a version bump"):
        write_lock(root)


def test_a_change_in_the_shared_base_fails_every_channel(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    base = root / "draft" / "_base.v2.j2"
    base.write_text(base.read_text(encoding="utf-8").replace("Rules:", "Rules (strict):"), encoding="utf-8")
    changed = sorted(p.split(" ")[0] for p in lock_problems(root))
    assert changed == [f"draft/{c}@v2" for c in sorted(known_channels())]


def test_a_new_version_must_be_pinned_and_old_ones_stay(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    source = (root / "rewrite" / "queries.v1.md").read_text(encoding="utf-8")
    (root / "rewrite" / "queries.v2.md").write_text(source.replace("version: 1", "version: 2"), encoding="utf-8")
    assert any("rewrite/queries@v2 is not in" in p for p in lock_problems(root))
    assert write_lock(root) == ["rewrite/queries@v2"]
    assert lock_problems(root) == []
    (root / "rewrite" / "queries.v1.md").unlink()
    assert any("rewrite/queries@v1 is locked but its file is gone" in p for p in lock_problems(root))


def test_every_prompt_has_role_schema_and_hash() -> None:
    for prompt in all_prompts():
        assert prompt.hash.startswith("sha256:") and len(prompt.hash) == 71
        assert prompt.role in {"draft", "rewrite", "judge", "qa"}
        assert prompt.output_schema


def test_five_draft_prompts_share_one_base_and_v1_stays_loadable() -> None:
    for channel in known_channels():
        current = load_prompt(f"draft/{channel}")
        assert current.version >= 2 and current.includes == (f"draft/_base.v{current.version}.j2",)
        old = load_prompt(f"draft/{channel}", 1)
        assert old.includes == () and old.render_messages(brief="b", **VARIABLES)
        assert current.metadata["limits"] == old.metadata["limits"]


def test_draft_messages_put_stable_text_first_sources_next_and_the_brief_last() -> None:
    renders = {}
    for channel in known_channels():
        messages = load_prompt(f"draft/{channel}").render_messages(brief="Ad for the Bulb 9 <PERSON_1>", **VARIABLES)
        assert [m["role"] for m in messages] == ["system", "user"]
        user = messages[1]["content"]
        assert user.startswith("SOURCES:") and user.endswith("<brief>Ad for the Bulb 9 <PERSON_1></brief>")
        assert user.index("806 lm") < user.index("<brief>")
        renders[channel] = messages[0]["content"]
    # the shared rules are one identical prefix across channels (vLLM prefix caching)
    prefix = renders["seo_article"].split("Task:")[0]
    assert len(prefix) > 400
    assert all(text.startswith(prefix) for text in renders.values())
    revised = load_prompt("draft/crm_email").render_messages(
        brief="B", **{**VARIABLES, "feedback": ["Claim X is not_found"], "revision": 1}
    )[1]["content"]
    assert revised.index("Claim X") < revised.index("<brief>B</brief>")


def test_limits_in_the_text_come_from_the_front_matter() -> None:
    system = load_prompt("draft/ad_copy").render_messages(brief="b", **VARIABLES)[0]["content"]
    assert "title at most 40 characters" in system and "at most 3 claims" in system


def test_used_prompt_records_for_audit_and_trace() -> None:
    current = load_prompt("draft/seo_article")
    records = used_prompt_records({"prompts_used": {current.ref: current.hash, "rewrite/queries@v1": "sha256:x"}})
    assert records[0] == current.record()
    assert records[1]["name"] == "rewrite/queries" and records[1]["version"] == 1
    legacy = used_prompt_records({"prompt_ref": "draft/seo_article@v1"})
    assert legacy[0]["hash"] == load_prompt("draft/seo_article", 1).hash


def test_cli_list_show_diff() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["prompts", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"ref": "draft/seo_article@v2"' in listed.output
    shown = runner.invoke(app, ["prompts", "show", "draft/ad_copy", "v1"])
    assert shown.exit_code == 0 and load_prompt("draft/ad_copy", 1).hash in shown.output
    assert '"title": "DraftContent"' in shown.output
    diffed = runner.invoke(app, ["prompts", "diff", "draft/ad_copy", "1", "2"])
    assert diffed.exit_code == 0 and "+{% extends" in diffed.output
    missing = runner.invoke(app, ["prompts", "show", "draft/nope"])
    assert missing.exit_code == 2 and "no prompt named" in missing.output
    assert runner.invoke(app, ["prompts", "check"]).exit_code == 0


def test_load_prompt_from_other_root(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "x").mkdir(parents=True)
    (root / "x" / "a.v1.md").write_text("---\nversion: 1\nrole: draft\n---\nHi {{ who }}", encoding="utf-8")
    prompt = load_prompt_from(root, "x/a")
    assert prompt.render_text(who="you") == "Hi you" and prompt.role == "draft"
    assert available_prompts(root) == {"x/a": [1]}
    assert prompts.parse_ref("x/a@v1") == ("x/a", 1)


def test_runs_record_prompt_ref_and_hash_in_state_review_and_published_output(tmp_path: Path) -> None:
    import json

    from tests.fakes import ScriptedLLM
    from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    try:
        view = harness.runner.start("Ad for the Acme Kettle K1.", channel="ad_copy", language="en")
        current = load_prompt("draft/ad_copy")
        assert view.state["prompt_ref"] == current.ref and view.state["prompt_hash"] == current.hash
        assert view.state["prompts_used"] == {
            current.ref: current.hash,
            "rewrite/queries@v1": load_prompt("rewrite/queries", 1).hash,
        }
        assert current.record() in view.review["prompts"]
        published = harness.runner.resume(view.run_id, {"action": "approve"})
    finally:
        harness.close()
    assert published.status == "published", published.review and published.review.get("message")
    saved = json.loads(Path(published.published["draft"]).read_text(encoding="utf-8"))
    assert saved["prompt"] == current.ref and saved["prompt_hash"] == current.hash
    assert current.record() in saved["prompts"]
