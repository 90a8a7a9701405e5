"""The model manifest (`model.json`) written by training and baked into the image.

Only the fields the server uses are typed; the whole document stays available (`raw`) for the
metadata endpoints.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple


class ManifestError(ValueError):
    """model.json is missing or malformed."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    project: str
    version: str
    classes: Optional[Tuple[Any, ...]] = None
    id_field: Optional[str] = None
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def load_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise ManifestError(f"{path} not found: the model directory must contain model.json")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ManifestError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    problems = []
    project = document.get("project")
    if not isinstance(project, str) or not project:
        problems.append("`project` must be a non-empty string")
    version = document.get("version")
    if not isinstance(version, str) or not version:
        problems.append("`version` must be a non-empty string")
    classes = document.get("classes")
    if classes is not None and (not isinstance(classes, list) or not classes):
        problems.append("`classes` must be a non-empty list when present")
    id_field = document.get("id_field")
    if id_field is not None and (not isinstance(id_field, str) or not id_field):
        problems.append("`id_field` must be a non-empty string when present")
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return Manifest(project=project, version=version,
                    classes=tuple(classes) if classes else None,
                    id_field=id_field, raw=document)
