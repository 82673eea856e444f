"""Build ``pii_de_handwritten.json`` from the hand-written, inline-marked ``pii_de_handwritten.txt``.

``python evals/datasets/build_pii_de_handwritten.py`` (deterministic). Marks are ``{{TYPE|value}}``;
STREET_ADDRESS is written as ADDRESS. The output is presidio-research JSON for ``copydesk eval pii``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE / "pii_de_handwritten.txt"
OUT = HERE / "pii_de_handwritten.json"
# A held-out probe in the same markup, written after the German rules were tuned on the set above:
# measured (README), never asserted by a test, never tuned on.
PROBE_SOURCE = HERE / "pii_de_probe.txt"
PROBE_OUT = HERE / "pii_de_probe.json"
_MARK = re.compile(r"\{\{([A-Z_]+)\|(.+?)\}\}", re.S)


def parse(block: str) -> dict[str, object]:
    text, spans, cursor = [], [], 0
    for m in _MARK.finditer(block):
        text.append(block[cursor : m.start()])
        start = sum(len(t) for t in text)
        value = m.group(2)
        text.append(value)
        spans.append(
            {
                "entity_type": m.group(1),
                "entity_value": value,
                "start_position": start,
                "end_position": start + len(value),
            }
        )
        cursor = m.end()
    text.append(block[cursor:])
    return {"full_text": "".join(text), "spans": spans}


def records_of(source: Path) -> list[dict[str, object]]:
    body = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return [parse(block.strip("\n")) for block in body.split("\n%%\n") if block.strip()]


def main() -> None:
    for source, out in ((SOURCE, OUT), (PROBE_SOURCE, PROBE_OUT)):
        records = records_of(source)
        out.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        counts = Counter(s["entity_type"] for r in records for s in r["spans"])  # type: ignore[attr-defined]
        print(f"{out.name}: {len(records)} records, {sum(counts.values())} spans: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
