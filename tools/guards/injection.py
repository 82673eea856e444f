"""Detect instructions hidden in briefs and retrieved source documents (prompt injection).

Source documents and briefs are *data* for the drafting model; text in them that talks
to the model ("ignore previous instructions", "you are now", "ignoriere alle vorherigen
Anweisungen", fake role tags) is an attack or an accident, and either way must not reach
the prompt as is. Detection runs on a normalised copy (:func:`tools.textnorm.fold`: NFKC,
zero-width characters removed, confusable letters folded, whitespace collapsed) so
"i\u200bgnore" or full-width letters do not evade it; offsets are mapped back to the
original text. :func:`neutralize_injections` replaces the flagged spans so a chunk can
still be used for its facts. Paraphrases no rule knows are left to the classifier in
:mod:`tools.guards.injection_model`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.guards.findings import GuardFinding, excerpt_of
from tools.textnorm import INVISIBLE, fold

_PREV = r"(?:previous|prior|above|earlier|preceding|foregoing|all|any|your|the|these|those|system|original)"
_INSTR = r"(?:instructions?|prompts?|rules|directions|guidelines|commands|orders|context|constraints|messages)"
_VORH = (
    r"(?:vorherigen?|bisherigen?|obigen?|vorigen?|früheren?|alle[nrs]?|deine[nrs]?|die|sämtliche[n]?|vorangegangenen?)"
)
_ANW = r"(?:anweisungen|anweisung|instruktionen|befehle|regeln|vorgaben|richtlinien|prompts?|anordnungen)"


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    reason: str


def _rule(name: str, regex: str, reason: str) -> _Rule:
    return _Rule(name, re.compile(regex, re.IGNORECASE), reason)


RULES: tuple[_Rule, ...] = (
    _rule(
        "override_en",
        # "Do not disregard any warnings or instructions" (a real manual's safety note) is the opposite
        # of an override: a negated verb does not match.
        rf"(?<!not )(?<!never )(?<!n't )\b(?:ignore|disregard|forget|skip|override|bypass|drop)\b"
        rf"(?:\s+\w+){{0,3}}?\s+{_PREV}"
        rf"(?:\s+\w+){{0,2}}?\s+{_INSTR}",
        "asks the model to ignore its instructions",
    ),
    _rule(
        "forget_en", r"\bforget\s+(?:everything|all(?:\s+that)?|what)\b", "asks the model to forget its instructions"
    ),
    _rule(
        "override_de",
        rf"\b(?:ignorier\w*|vergiss|vergessen\s+sie|missacht\w*|übergeh\w*|überschreib\w*|verwirf)"
        rf"(?:\s+\w+){{0,3}}?\s+{_VORH}(?:\s+\w+){{0,2}}?\s+{_ANW}",
        "fordert das Modell auf, Anweisungen zu ignorieren",
    ),
    _rule("forget_de", r"\bvergiss\s+(?:alles|alle[ns]?)\b", "fordert das Modell auf, alles zu vergessen"),
    _rule(
        "set_aside_en",
        rf"\b(?:(?:set|put|leave|cast|push)\s+aside|put\s+to\s+one\s+side|pay\s+no\s+attention\s+to)\b"
        rf"(?:\s+\S+){{0,4}}?\s+(?:everything|whatever|all\s+(?:that|you)|what\s+(?:you|came|was)|{_INSTR}"
        rf"|guidance|directives?|told|said|instructed|given)\b",
        "asks the model to set its instructions aside",
    ),
    _rule(
        "set_aside_de",
        rf"\b(?:lass|lasst|lassen\s+sie|schieb\w*|leg|lege|legen\s+sie|kümmere\s+dich\s+nicht\s+um|schenk\w*)\b"
        rf"(?:\s+\S+){{0,5}}?\s+(?:{_ANW}|was\s+(?:man\s+)?(?:dir|ihnen|du|sie)\b|alles,?\s+was|aufgabenstellung)"
        rf"(?:\s+\S+){{0,6}}?\s*(?:au(?:ß|ss)er\s+acht|beiseite|keine\s+beachtung|\w*getragen|gesagt)",
        "fordert das Modell auf, seine Vorgaben beiseitezulassen",
    ),
    _rule(
        "system_prompt",
        r"\b(?:system\s*[- ]?\s*prompt|systemprompt|system\s+message|systemanweisung(?:en)?"
        r"|hidden\s+prompt|initial\s+prompt|developer\s+(?:mode|message))\b",
        "refers to the model's system prompt",
    ),
    _rule(
        "reveal",
        r"\b(?:reveal|print|show|repeat|output|leak|display|gib|zeig\w*|verrat\w*)\b(?:\s+\w+){0,3}\s+"
        r"(?:your|the|deine[nm]?|die|den)\s+(?:instructions|rules|prompt|anweisungen|regeln|prompt)\b",
        "tries to make the model reveal its instructions",
    ),
    _rule(
        "role_en",
        r"(?:\byou\s+are\s+now\s+(?:an?\s+|the\s+|in\s+)?(?:\w+\s+){0,2}?(?:assistant|ai|bot|model|dan|free|unrestricted"
        r"|jailbroken|developer|mode|persona|character|expert|copywriter|writer|pirate|hacker)\b|\bfrom\s+now\s+on,?\s+you\b|(?:^|[.!?:]\s*|\byou\s+(?:will|must|should|shall)\s+)act\s+as\b"
        r"|\bpretend\s+(?:to\s+be|you\s+are)\b"
        r"|\broleplay\s+as\b|\byou\s+must\s+now\b|\byour\s+new\s+(?:role|task|instructions?)\s+(?:is|are)\b)",
        "tries to give the model a new role",
    ),
    _rule(
        "role_de",
        r"\b(?:(?:du\s+bist|sie\s+sind)\s+(?:jetzt|nun|ab\s+sofort|ab\s+jetzt)"
        r"|ab\s+(?:jetzt|sofort)\s+(?:bist\s+du|sind\s+sie))"
        r"\s+(?:eine?[rn]?\s+)?(?:\w+\s+){0,2}?(?:assistent\w*|ki|bot|modell|texter\w*|werbetexter\w*|expert\w*"
        r"|pirat|hacker|entwickler\w*|frei|ohne|uneingeschränkt\w*|persona|charakter)\b"
        r"|\btu\s+so,?\s+als|\bverhalte\s+dich\s+(?:wie|als)|\bspiel\s+die\s+rolle|\bdeine\s+neue\s+(?:rolle|aufgabe)",
        "versucht, dem Modell eine neue Rolle zu geben",
    ),
    _rule(
        "new_instructions",
        r"(?:^|\n|\.\s|:\s)\s*(?:new|updated|additional|neue|zusätzliche|geänderte)\s+"
        r"(?:instructions?|anweisungen?|aufgabe|task)\s*:",
        "injects new instructions",
    ),
    _rule(
        "role_tag",
        r"(?:<\|?(?:im_start|im_end|system|assistant|user|endoftext)\|?>|\[/?INST\]|<<\s*/?SYS\s*>>"
        r"|^\s*#{1,4}\s*(?:system|instruction|assistant)\b|^\s*(?:system|assistant)\s*:)",
        "contains chat-template role markers",
    ),
    _rule(
        "jailbreak",
        r"\b(?:jailbreak|DAN\s+mode|do\s+anything\s+now|no\s+restrictions|ohne\s+einschränkungen"
        r"|unfiltered\s+mode|godmode)\b",
        "jailbreak phrasing",
    ),
    _rule(
        "exfiltrate",
        # "per E-Mail an support@..." / "by e-mail to ..." is a contact line, not an instruction
        r"\b(?:send|post|upload|forward|(?<!per\s)(?<!via\s)(?<!by\s)e-?mail|schick\w*|sende\w*|übermittle\w*)\b"
        r"(?:\s+\w+){0,4}\s+"
        r"(?:to|an|nach)\s+(?:https?://|www\.|\S+@\S+)",
        "tries to send data to an outside address",
    ),
    _rule(
        "model_directive",
        r"\b(?:(?:AI|KI|LLM|language\s+model|assistant|sprachmodell|chatbot)\s*[:,]\s*"
        r"(?:please\s+|bitte\s+)?(?:ignore|write|say|include|add|output|schreib\w*|füg\w*|ignorier\w*)"
        r"|(?:note|hinweis|message|nachricht)\s+(?:to|for|an|für)\s+(?:the\s+|die\s+|das\s+)?"
        r"(?:AI|KI|LLM|model|modell|assistant|assistenten|sprachmodell))\b",
        "addresses the language model directly",
    ),
)


def detect_injection(text: str) -> list[GuardFinding]:
    """Findings (severity ``block``) for every instruction-like span in ``text``."""
    if not text:
        return []
    folded = fold(text, casefold=False)
    norm, index = folded.text, folded.index
    spans: list[tuple[int, int, _Rule]] = []
    for rule in RULES:
        flags = re.MULTILINE if rule.name in {"role_tag", "new_instructions"} else 0
        pattern = re.compile(rule.pattern.pattern, rule.pattern.flags | flags) if flags else rule.pattern
        for m in pattern.finditer(norm):
            if m.end() <= m.start():
                continue
            start, end = index[m.start()], index[m.end() - 1] + 1
            spans.append((start, end, rule))
    findings: list[GuardFinding] = []
    for start, end, rule in sorted(spans, key=lambda s: (s[0], -s[1])):
        if findings and start < findings[-1].end:  # overlapping rules: report the first, widest
            continue
        findings.append(
            GuardFinding(
                "prompt_injection", "block", f"{rule.reason} ({rule.name})", start, end, excerpt_of(text, start, end)
            )
        )
    hidden = [i for i, ch in enumerate(text) if ch in INVISIBLE]
    if hidden and findings:
        findings.append(
            GuardFinding(
                "prompt_injection", "warn", "zero-width characters used to hide text", hidden[0], hidden[-1] + 1, ""
            )
        )
    return findings


def neutralize_injections(text: str, findings: list[GuardFinding] | None = None) -> str:
    """``text`` with every injection span replaced by a visible marker (facts around it stay)."""
    findings = detect_injection(text) if findings is None else findings
    out, cursor = [], 0
    for f in sorted((f for f in findings if f.severity == "block"), key=lambda f: f.start):
        if f.start < cursor:
            continue
        out.append(text[cursor : f.start])
        out.append("[removed: instruction-like text]")
        cursor = f.end
    out.append(text[cursor:])
    return "".join(out)
