"""Declared catalogue mappings: a shop's own JSON or CSV export → one document per product and language.

A mapping is a small YAML file (see ``commercetools.yaml`` and ``products-csv.yaml`` beside
this module, and the README's "Catalogue mappings") that says where the records are and which
field holds the id, name, description, attributes, variants and prices. Locale dicts
(``{"de-DE": ..., "en-GB": ...}``) are split into one document per language, nested
attributes and variants become readable attribute tables, and prices carry their currency.

A layout that does not fit the mapping is refused with the field that could not be found:
nothing of that file is stored, and no value is ever written as a Python ``repr``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from tools.ingest import safety
from tools.ingest.defaults import IngestDefaults
from tools.ingest.loaders import BadDocumentError, _read_text, build_document
from tools.models import Document

MAPPINGS_DIR = Path(__file__).resolve().parent
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_][A-Za-z]{2,4})?$")
_FIELDS = ("id", "name", "description", "attributes", "variants", "prices", "sku")
_LABELS = {
    "de": {
        "data": "Produktdaten",
        "attribute": "Merkmal",
        "value": "Wert",
        "price": "Preis",
        "variants": "Varianten",
        "variant": "Variante",
    },
    "en": {
        "data": "Product data",
        "attribute": "Attribute",
        "value": "Value",
        "price": "Price",
        "variants": "Variants",
        "variant": "Variant",
    },
}


class MappingError(ValueError):
    """A mapping file that is itself broken (unknown keys, missing id or name)."""


def _paths(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise MappingError(f"a field path must be a string or a list of strings, not {type(value).__name__}")


@dataclass(frozen=True)
class CatalogueMapping:
    """One declared layout."""

    name: str
    format: str  # json | csv
    fields: dict[str, list[str]]
    records: list[str] = field(default_factory=lambda: ["*"])
    locales: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    currency: str | None = None
    id_prefix: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    csv_delimiter: str = ","

    @classmethod
    def from_dict(cls, data: dict[str, Any], origin: str) -> CatalogueMapping:
        unknown = set(data) - {
            "name",
            "description",
            "format",
            "records",
            "fields",
            "locales",
            "language",
            "currency",
            "id_prefix",
            "metadata",
            "csv_delimiter",
        }
        if unknown:
            raise MappingError(f"mapping {origin}: unknown keys {sorted(unknown)}")
        fields_in = data.get("fields") or {}
        if not isinstance(fields_in, dict):
            raise MappingError(f"mapping {origin}: 'fields' must be a mapping")
        bad = set(fields_in) - set(_FIELDS)
        if bad:
            raise MappingError(f"mapping {origin}: unknown fields {sorted(bad)} (known: {', '.join(_FIELDS)})")
        fields = {key: _paths(value) for key, value in fields_in.items()}
        for required in ("id", "name"):
            if not fields.get(required):
                raise MappingError(f"mapping {origin}: fields.{required} is required")
        fmt = str(data.get("format") or "json").lower()
        if fmt not in ("json", "csv"):
            raise MappingError(f"mapping {origin}: format must be json or csv, not {fmt!r}")
        language = str(data.get("language") or "en")
        locales = {str(k): str(v) for k, v in (data.get("locales") or {}).items()}
        if language not in ("de", "en") or any(v not in ("de", "en") for v in locales.values()):
            raise MappingError(f"mapping {origin}: languages must be de or en")
        return cls(
            name=str(data.get("name") or origin),
            format=fmt,
            fields=fields,
            records=_paths(data.get("records")) or ["*"],
            locales=locales,
            language=language,
            currency=data.get("currency"),
            id_prefix=str(data.get("id_prefix") or ""),
            metadata=dict(data.get("metadata") or {}),
            csv_delimiter=str(data.get("csv_delimiter") or ","),
        )


def available_mappings() -> list[str]:
    """Names of the mappings shipped with copydesk (usable as ``--mapping NAME``)."""
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def load_mapping(name_or_path: str | Path) -> CatalogueMapping:
    """A shipped mapping by name (``commercetools``) or a mapping file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise MappingError(
                f"no mapping named {name_or_path!r}; shipped: {', '.join(available_mappings())}, or give a YAML file"
            )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read mapping {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"mapping {path} must be a YAML mapping")
    return CatalogueMapping.from_dict(data, path.stem)


# ---------------------------------------------------------------------- reading values
_MISSING = object()


def _walk(value: Any, parts: list[str]) -> Iterator[Any]:
    if not parts:
        yield value
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        for child in children:
            yield from _walk(child, rest)
    elif isinstance(value, dict) and head in value:
        yield from _walk(value[head], rest)
    elif isinstance(value, list) and head.isdigit() and int(head) < len(value):
        yield from _walk(value[int(head)], rest)


def _get(record: dict[str, Any], paths: list[str]) -> Any:
    for path in paths:
        found = list(_walk(record, path.split(".")))
        if found and found[0] is not None and found[0] != "":
            return found[0]
    return _MISSING


def _is_locale_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(k, str) and _LOCALE.match(k) for k in value)


def _money(value: dict[str, Any]) -> str | None:
    """commercetools-style money ``{"centAmount", "currencyCode", "fractionDigits"}`` or ``{"amount", "currency"}``."""
    if "centAmount" in value and "currencyCode" in value:
        digits = int(value.get("fractionDigits", 2))
        amount = Decimal(int(value["centAmount"])).scaleb(-digits)
        return f"{amount:.{digits}f} {value['currencyCode']}"
    if "amount" in value and "currency" in value:
        return f"{Decimal(str(value['amount'])):.2f} {value['currency']}"
    return None


class _Renderer:
    """Values of one record rendered for one language (locale dicts resolved, nothing as a repr)."""

    def __init__(self, mapping: CatalogueMapping, language: str) -> None:
        self.mapping = mapping
        self.language = language

    def localised(self, value: dict[str, Any]) -> Any:
        preferred = [loc for loc, lang in self.mapping.locales.items() if lang == self.language]
        for locale in preferred:
            if locale in value:
                return value[locale]
        for locale, text in value.items():  # locales the mapping does not list: match on the language part
            if locale not in self.mapping.locales and locale[:2].lower() == self.language:
                return text
        return _MISSING

    def text(self, value: Any) -> str | None:
        """A scalar, list, money, label or locale dict as readable text; ``None`` when absent in this language."""
        if value is _MISSING or value is None:
            return None
        if _is_locale_dict(value):
            return self.text(self.localised(value))
        if isinstance(value, dict):
            money = _money(value)
            if money:
                return money
            for key in ("label", "name", "key", "value"):
                if key in value:
                    return self.text(value[key])
            parts = [f"{k}: {t}" for k, v in value.items() if (t := self.text(v))]
            return "; ".join(parts) or None
        if isinstance(value, list):
            parts = [t for v in value if (t := self.text(v))]
            return ", ".join(parts) or None
        if isinstance(value, bool):
            return ("ja" if value else "nein") if self.language == "de" else ("yes" if value else "no")
        return str(value).strip() or None

    def attribute_rows(self, value: Any, prefix: str = "") -> list[tuple[str, str]]:
        """Flatten attributes: ``[{"name", "value"}]`` lists, plain dicts, nested objects (dotted names)."""
        rows: list[tuple[str, str]] = []
        if value is _MISSING or value is None:
            return rows
        if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
            for item in value:
                shown = self.text(item.get("value"))
                if shown:
                    rows.append((prefix + str(item["name"]), shown))
            return rows
        if isinstance(value, dict) and not _is_locale_dict(value) and _money(value) is None:
            for key, inner in value.items():
                if (
                    isinstance(inner, dict)
                    and not _is_locale_dict(inner)
                    and _money(inner) is None
                    and not ({"label", "key"} & set(inner))
                ):
                    rows += self.attribute_rows(inner, f"{prefix}{key}.")
                else:
                    shown = self.text(inner)
                    if shown:
                        rows.append((prefix + str(key), shown))
            return rows
        shown = self.text(value)
        if shown:
            rows.append((prefix.rstrip(".") or "value", shown))
        return rows

    def prices(self, value: Any) -> list[str]:
        if value is _MISSING or value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, dict):
                money = _money(item.get("value", item)) if isinstance(item.get("value", item), dict) else None
                if money:
                    where = [str(item[k]) for k in ("country", "channel") if isinstance(item.get(k), str)]
                    out.append(money + (f" ({', '.join(where)})" if where else ""))
                    continue
            if isinstance(item, (int, float, str)) and str(item).strip():
                try:
                    amount = Decimal(str(item).replace(",", "."))
                except InvalidOperation:
                    out.append(str(item))
                    continue
                currency = self.mapping.currency
                out.append(f"{amount:.2f} {currency}" if currency else f"{amount:.2f}")
        return out


def _table(labels: dict[str, str], rows: list[tuple[str, str]]) -> list[str]:
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    return [f"| {labels['attribute']} | {labels['value']} |", "|---|---|"] + [
        f"| {cell(k)} | {cell(v)} |" for k, v in rows
    ]


def _languages(mapping: CatalogueMapping, name: Any, description: Any) -> list[str]:
    """Languages a record has a name in (a plain string name: the mapping's language)."""
    if not _is_locale_dict(name):
        return [mapping.language]
    found = []
    for lang in ("de", "en"):
        renderer = _Renderer(mapping, lang)
        if renderer.localised(name) is not _MISSING:
            found.append(lang)
    if not found:
        raise BadDocumentError(
            f"mapping {mapping.name}: the name has locales {sorted(name)} but none maps to de or en "
            "(declare them under 'locales')"
        )
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _record_documents(
    mapping: CatalogueMapping,
    record: dict[str, Any],
    index: int,
    path: Path,
    root: Path,
    defaults: IngestDefaults | None,
) -> list[Document]:
    def need(key: str) -> Any:
        value = _get(record, mapping.fields[key])
        if value is _MISSING:
            have = ", ".join(sorted(map(str, record))) or "nothing"
            raise BadDocumentError(
                f"mapping {mapping.name}: record #{index} has no {key} field "
                f"({' or '.join(mapping.fields[key])}); the record has: {have}"
            )
        return value

    product_id = need("id")
    if isinstance(product_id, (dict, list)):
        raise BadDocumentError(f"mapping {mapping.name}: record #{index}: the id field holds an object, not an id")
    product_id = str(product_id).strip()
    name = need("name")
    if (isinstance(name, dict) and not _is_locale_dict(name)) or isinstance(name, list):
        raise BadDocumentError(
            f"mapping {mapping.name}: record #{index} ({product_id}): the name is neither text nor a locale dict"
        )
    get = {key: _get(record, paths) for key, paths in mapping.fields.items() if key not in ("id", "name")}
    documents = []
    for lang in _languages(mapping, name, get.get("description")):
        render = _Renderer(mapping, lang)
        labels = _LABELS[lang]
        title = render.text(name) or product_id
        lines = [f"# {title}", ""]
        description = render.text(get.get("description", _MISSING))
        if description:
            lines += [description, ""]
        rows = [("ID", product_id)]
        sku = render.text(get.get("sku", _MISSING))
        if sku:
            rows.append(("SKU", sku))
        for price in render.prices(get.get("prices", _MISSING)):
            rows.append((labels["price"], price))
        for attribute_path in mapping.fields.get("attributes", []):
            value = _get(record, [attribute_path])
            if isinstance(value, (dict, list)) and not _is_locale_dict(value):
                rows += render.attribute_rows(value)
            elif (shown := render.text(value)) is not None:
                rows.append((attribute_path.rsplit(".", 1)[-1], shown))
        lines += [f"## {labels['data']}", "", *_table(labels, rows), ""]
        variants = get.get("variants", _MISSING)
        if isinstance(variants, list) and variants:
            lines += [f"## {labels['variants']}", ""]
            for number, variant in enumerate(variants, start=1):
                if not isinstance(variant, dict):
                    continue
                vrows = [("SKU", s)] if (s := render.text(variant.get("sku"))) else []
                vrows += [(labels["price"], p) for p in render.prices(variant.get("prices", _MISSING))]
                vrows += render.attribute_rows(variant.get("attributes", _MISSING))
                lines += [
                    f"### {labels['variant']} {render.text(variant.get('sku')) or number}",
                    "",
                    *_table(labels, vrows),
                    "",
                ]
        prefix = f"{mapping.id_prefix}-" if mapping.id_prefix else ""
        meta = {
            "doc_type": "catalog",
            **mapping.metadata,
            "id": f"{prefix}{_slug(product_id)}-{lang}",
            "title": title,
            "language": lang,
            "product_ids": [product_id],
        }
        documents.append(build_document(meta, "\n".join(lines), path, root, defaults))
    return documents


def _records(mapping: CatalogueMapping, text: str) -> list[dict[str, Any]]:
    if mapping.format == "csv":
        reader = csv.DictReader(io.StringIO(text), delimiter=mapping.csv_delimiter)
        rows = [dict(row) for row in reader]
        columns = reader.fieldnames or []
        for key in ("id", "name"):
            if not any(p.split(".")[0] in columns for p in mapping.fields[key]):
                raise BadDocumentError(
                    f"mapping {mapping.name}: no {key} column ({' or '.join(mapping.fields[key])}); "
                    f"the file has columns: {', '.join(columns) or 'none'}"
                )
        return rows
    try:
        safety.check_json(text)  # size and depth before json.loads recurses (a shop export is untrusted too)
        data = json.loads(text)
    except safety.UnsafeInputError as exc:
        raise BadDocumentError(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise BadDocumentError(
            f"mapping {mapping.name} reads JSON: broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    for path in mapping.records:
        found = list(_walk(data, path.split(".")) if path != "." else [data])
        if (
            found
            and all(isinstance(r, dict) for r in found)
            and any(_get(r, mapping.fields["id"]) is not _MISSING for r in found)
        ):
            return found
    top = ", ".join(sorted(map(str, data))) if isinstance(data, dict) else f"a list of {len(data)}"
    raise BadDocumentError(
        f"mapping {mapping.name}: no product records with an id field ({' or '.join(mapping.fields['id'])}) "
        f"at {' or '.join(mapping.records)}; the file holds: {top}"
    )


def mapping_loader(mapping: CatalogueMapping) -> Any:
    """A pipeline loader (``path, root, max_bytes, defaults`` → documents) for files of this layout."""

    def load(path: Path, root: Path, max_bytes: int, defaults: IngestDefaults | None = None) -> list[Document]:
        records = _records(mapping, _read_text(path, max_bytes))
        if not records:
            raise BadDocumentError(f"mapping {mapping.name}: the file has no records")
        documents: list[Document] = []
        for index, record in enumerate(records):
            documents += _record_documents(mapping, record, index, path, root, defaults)
        return documents

    return load
