"""Result types of the PII scrubber and the run-wide pseudonym map.

Findings deliberately carry no original value: they end up in run records, traces and
editor views, which must not become a second copy of the customer's data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["redact", "mask", "pseudonymise"]


@dataclass(frozen=True)
class PiiFinding:
    """One detected entity: where it was and what replaced it (never what it was)."""

    entity_type: str
    start: int
    end: int
    score: float
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "replacement": self.replacement,
        }


@dataclass(frozen=True)
class ScrubResult:
    """Scrubbed text plus findings; offsets refer to the *input* text."""

    text: str
    findings: list[PiiFinding] = field(default_factory=list)

    @property
    def entity_types(self) -> set[str]:
        return {f.entity_type for f in self.findings}


def normalise_value(entity_type: str, value: str) -> str:
    """Canonical form so "+49 30 1234567" and "+49301234567" get the same pseudonym."""
    v = " ".join(value.split())
    if entity_type in {"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "DE_TAX_ID", "US_SSN"}:
        return re.sub(r"[^0-9A-Za-z+]", "", v).upper()
    return v.casefold()


class PseudonymMap:
    """Consistent ``<TYPE_n>`` labels for one run, safe to store in a LangGraph checkpoint.

    Values are keyed by a salted SHA-256 digest, never stored in clear: the checkpoint
    can be inspected without exposing the people it mentions. The salt is per map
    (random by default) and travels with it so the map survives serialisation. A side
    effect is that pseudonyms cannot be reversed; that is intended (the draft speaks of
    ``<PERSON_1>``; personalisation happens in the CRM, not in copydesk).

    Person names also register their last word as an alias, so "Anna Schmidt" and a
    later "Frau Schmidt" become the same ``<PERSON_1>`` when that surname is unambiguous.
    """

    def __init__(
        self,
        salt: str | None = None,
        entries: dict[str, str] | None = None,
        counters: dict[str, int] | None = None,
    ) -> None:
        self.salt = salt or secrets.token_hex(16)
        self._entries: dict[str, str] = dict(entries or {})
        self._counters: dict[str, int] = dict(counters or {})
        self._lock = threading.Lock()

    def _key(self, entity_type: str, value: str) -> str:
        digest = hashlib.sha256(f"{self.salt}|{entity_type}|{value}".encode()).hexdigest()
        return f"{entity_type}:{digest[:32]}"

    def pseudonym(self, entity_type: str, value: str) -> str:
        """The label for ``value``; a new ``<TYPE_n>`` the first time it is seen in this run."""
        norm = normalise_value(entity_type, value)
        key = self._key(entity_type, norm)
        words = norm.split() if entity_type == "PERSON" else []
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            if len(words) == 1:
                # A lone surname (or first name) seen before as part of a full name.
                alias = self._entries.get(self._key("PERSON_ALIAS", words[0]))
                if alias:
                    self._entries[key] = alias
                    return alias
            n = self._counters.get(entity_type, 0) + 1
            self._counters[entity_type] = n
            label = f"<{entity_type}_{n}>"
            self._entries[key] = label
            if len(words) > 1:
                self._entries.setdefault(self._key("PERSON_ALIAS", words[-1]), label)
            return label

    def knows(self, entity_type: str, value: str) -> bool:
        """Whether ``value`` got a pseudonym in this run (erasure requests ask; the map cannot say *which*)."""
        norm = normalise_value(entity_type, value)
        with self._lock:
            if self._key(entity_type, norm) in self._entries:
                return True
            return entity_type == "PERSON" and self._key("PERSON_ALIAS", norm) in self._entries

    def __len__(self) -> int:
        return sum(self._counters.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state (salt, hashed keys, counters): no clear-text values."""
        with self._lock:
            return {"salt": self.salt, "entries": dict(self._entries), "counters": dict(self._counters)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PseudonymMap:
        """Inverse of :meth:`to_dict`; ``None`` or ``{}`` gives a fresh map."""
        if not data:
            return cls()
        return cls(salt=data.get("salt"), entries=data.get("entries"), counters=data.get("counters"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PseudonymMap) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]
