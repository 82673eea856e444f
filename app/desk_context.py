"""What every editor page needs besides its own data: who is signed in, the CSRF token, the UI language.

One helper on purpose: authentication (issue 10) sets ``request.state.identity`` and a
CSRF token in middleware; this module is the single place that reads them, with safe
defaults while no middleware runs (a single-user local install). Decisions record
:func:`identity_of` so the run's history names the person who decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from app.desk_i18n import DEFAULT_UI_LANGUAGE, UI_LANGUAGES, from_accept_language, normalise_language, translator
from tools.channels import channel_display

UI_COOKIE = "copydesk_ui_lang"


@dataclass(frozen=True)
class LocalIdentity:
    """The single-user default when no authentication middleware has identified the request."""

    name: str = "editor"
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"editor"}))


LOCAL_IDENTITY = LocalIdentity()


def identity_of(request: Request) -> Any:
    """``request.state.identity`` (set by the auth middleware), else the local single-user identity."""
    found = getattr(request.state, "identity", None)
    return found if found is not None and str(getattr(found, "name", None) or "") else LOCAL_IDENTITY


def csrf_token_of(request: Request) -> str:
    """The token the CSRF middleware expects in every form; empty while none is installed."""
    return str(getattr(request.state, "csrf_token", "") or "")


def ui_language_from(cookies: Mapping[str, str], accept_language: str | None) -> str:
    """The editor's pick (cookie), else the browser's preference, else English."""
    return normalise_language(cookies.get(UI_COOKIE)) or from_accept_language(accept_language) or DEFAULT_UI_LANGUAGE


def ui_language_of(request: Request) -> str:
    """:func:`ui_language_from` for one request (the sign-in page reads the same two headers)."""
    return ui_language_from(request.cookies, request.headers.get("accept-language"))


def safe_next(target: str | None, fallback: str = "/editor") -> str:
    """Only same-site paths of the desk; anything else (``//evil``, ``https://...``) goes to the fallback."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if not (parts.path.startswith("/editor") or parts.path.startswith("/published")):
        return fallback
    return target


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    """The template context of every desk page: page values plus identity, token, language and ``t``."""
    language = ui_language_of(request)
    t = translator(language)

    def label(prefix: str, value: Any) -> str:
        """A catalogue label for a data value (status, verdict); the value itself when unknown.

        Channels are named by their spec, in the page's language (one place per channel).
        """
        if prefix == "channel":
            return channel_display(str(value), language)
        try:
            return t(f"{prefix}.{value}")
        except KeyError:
            return str(value)

    return {
        "identity": identity_of(request),
        "csrf_token": csrf_token_of(request),
        "ui_lang": language,
        "ui_languages": UI_LANGUAGES,
        "t": t,
        "label": label,
        "current_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **values,
    }
