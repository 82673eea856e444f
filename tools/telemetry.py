"""Switch off the phone-home behaviour of third-party libraries before they are imported.

copydesk runs on customer premises, often without internet: ragas, litellm, tldextract,
guardrails-ai and nltk all try to reach the network at import or first use (usage
metrics, cost maps, public-suffix lists, tokenizer downloads). Call
:func:`disable_telemetry` before importing any of them; it is idempotent and cheap.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

_ENV_DEFAULTS: dict[str, str] = {
    "RAGAS_DO_NOT_TRACK": "true",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
}

_lock = threading.Lock()
_done = False


def _write_guardrailsrc(home: Path) -> None:
    """guardrails reads ``~/.guardrailsrc``; without one it enables metrics by default."""
    rc = home / ".guardrailsrc"
    if rc.exists():
        return
    with contextlib.suppress(OSError):  # read-only home: the env vars still apply
        rc.write_text("enable_metrics=false\nuse_remote_inferencing=false\n", encoding="utf-8")


def _ensure_nltk_data(home: Path) -> None:
    """guardrails calls ``nltk.download("punkt")`` at import when punkt is missing.

    An empty ``tokenizers/punkt`` directory satisfies ``nltk.data.find`` so nothing is
    downloaded; guardrails only needs it for features copydesk does not use.
    """
    configured = os.environ.get("NLTK_DATA")
    if configured and (Path(configured) / "tokenizers" / "punkt").exists():
        return
    try:
        import nltk
        from nltk.data import find

        find("tokenizers/punkt")
        return
    except (ImportError, LookupError):
        pass
    target = home / ".cache" / "copydesk" / "nltk_data"
    try:
        (target / "tokenizers" / "punkt").mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["NLTK_DATA"] = str(target)
    try:
        import nltk

        if str(target) not in nltk.data.path:
            nltk.data.path.insert(0, str(target))
    except ImportError:
        pass


def _reset_tldextract() -> None:
    """tldextract reads its URL list when imported; rebuild its default extractor if it already was."""
    module = sys.modules.get("tldextract.tldextract")
    if module is None:
        return
    fresh = module.TLDExtract(suffix_list_urls=())
    setattr(module, "TLD_EXTRACTOR", fresh)  # noqa: B010 (module attribute unknown to mypy)
    top = sys.modules.get("tldextract")
    if top is not None and hasattr(top, "TLD_EXTRACTOR"):
        setattr(top, "TLD_EXTRACTOR", fresh)  # noqa: B010


def disable_telemetry() -> None:
    """Set the opt-out environment and config files; safe to call many times, from any thread."""
    global _done
    with _lock:
        if _done:
            return
        for key, value in _ENV_DEFAULTS.items():
            os.environ[key] = value  # forced: an inherited "false" must not re-enable tracking
        _reset_tldextract()
        home = Path(os.path.expanduser("~"))
        _write_guardrailsrc(home)
        _ensure_nltk_data(home)
        _done = True
