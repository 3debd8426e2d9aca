"""The documents tell the truth about the tree: every repository path the README and docs/
name exists; docs/architecture.md's table has a row for every feature folder of incidents/,
every module it names exists, and it lists every test file named for the feature; and
docs/catalog.md names every key the catalog accepts, with a sketch the catalog models load."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel

# `_unwrap` takes Annotated and Optional off a field's type, as for the did-you-mean hints.
from incidents.catalog import Catalog, _unwrap

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CATALOG_DOC = ROOT / "docs" / "catalog.md"
ARCHITECTURE_DOC = ROOT / "docs" / "architecture.md"
# A path starts at one of the repository's top-level folders and is not part of a URL or of a
# longer path; `<feature>`, `*` and `{a,b}` end it (what comes before them must exist).
PATH = re.compile(
    r"(?<![\w./-])((?:bot|incidents|tests|templates|benchmarks|examples|docs|scripts)"
    r"/[\w./-]*\w)"
)


def test_every_path_the_documents_name_exists():
    missing = [
        f"{doc.relative_to(ROOT)}: {path}"
        for doc in DOCUMENTS
        for path in sorted(set(PATH.findall(doc.read_text(encoding="utf-8"))))
        if not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_feature_table_names_what_exists_and_every_features_tests():
    rows = _feature_table()
    features = sorted(p.parent.name for p in (ROOT / "incidents").glob("*/__init__.py"))
    assert sorted(rows) == features
    problems = []
    for feature, cells in rows.items():
        named = {path for paths in cells.values() for path in paths}
        problems += [f"{feature}: no {path}" for path in sorted(named)
                     if not (ROOT / path).exists()]
        tests = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(f"tests/*/test_{feature}*.py"))
        problems += [f"{feature}: {path} is not listed" for path in tests
                     if path not in cells["tests"]]
        if not tests:
            problems.append(f"{feature}: no tests/<layer>/test_{feature}*.py")
    assert problems == []


def _feature_table() -> dict[str, dict[str, list[str]]]:
    """Feature -> column -> the repository paths its cell names. A name is in the folder the
    column's header names, or in the folder named before it in the cell (`alerts/` then
    `ingest.py`), unless it starts at a top-level folder itself; the tests column reads
    `layer: name, name; layer: …`."""
    lines = [line for line in ARCHITECTURE_DOC.read_text(encoding="utf-8").splitlines()
             if line.startswith("|")]
    start = next(i for i, line in enumerate(lines) if line.startswith("| feature |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows: dict[str, dict[str, list[str]]] = {}
    for line in lines[start + 2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        row: dict[str, list[str]] = {}
        for title, cell in zip(header[1:], cells[1:], strict=True):
            column = title.split(":")[0]
            if column == "tests":
                row[column] = [f"tests/{layer.strip()}/{name}"
                               for part in cell.split(";")
                               for layer, _, names in [part.partition(":")]
                               for name in re.findall(r"`([^`]+)`", names)]
                continue
            folder = (re.findall(r"`([^`]+/)`", title) or [""])[0]
            row[column] = []
            for name in re.findall(r"`([^`]+)`", cell):
                path = name if PATH.fullmatch(name.rstrip("/")) else folder + name
                if name.endswith("/"):
                    folder = path
                row[column].append(path)
        rows[cells[0]] = row
    return rows


def test_the_catalog_sketch_is_a_valid_catalog():
    sketch = re.search(r"```yaml\n(.*?)```", CATALOG_DOC.read_text(encoding="utf-8"), re.S)
    assert sketch is not None
    catalog = Catalog.model_validate(yaml.safe_load(sketch[1]))
    assert catalog.systems["fraud-detector"].obligations.regulations == ["eu_ai_act", "gdpr",
                                                                         "nis2"]


def test_the_catalog_document_names_every_key():
    text = _normal(CATALOG_DOC.read_text(encoding="utf-8"))
    named = {_normal(key) for key in re.findall(r"`([^`\s]+)`", text)}
    missing = sorted(key for key in _keys(Catalog, "") if _normal(key) not in named)
    assert missing == []


def _normal(key: str) -> str:
    """`<system>` and `<client>` alike; `sev1`…`sev4` as `sev<n>`."""
    return re.sub(r"sev[1-4](?!\d)", "sev<>", re.sub(r"<[^>]*>", "<>", key))


def _keys(model: type[BaseModel], prefix: str) -> list[str]:
    """Every key path `model` accepts: `<>` for a key of your own, `[]` for a list's items."""
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.append(path)
        keys += _below(field.annotation, path)
    return keys


def _below(annotation: Any, path: str) -> list[str]:
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is dict:
        inner = _unwrap(get_args(annotation)[1])
        if _is_model(inner) or get_origin(inner) is list:
            return [f"{path}.<>", *_below(inner, f"{path}.<>")]
        return []
    if origin is list:
        inner = _unwrap(get_args(annotation)[0])
        return _keys(inner, f"{path}[].") if _is_model(inner) else []
    if _is_model(annotation):
        return _keys(annotation, f"{path}.")
    return []


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)

