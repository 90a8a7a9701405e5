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
    # the training environment's library versions: {"python": "3.11.2", "packages": {"scikit-learn": "1.2.1"}}
    environment: Optional[Mapping[str, Any]] = None
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
    # an empty list is what the engine writes for a model without classes (a regressor)
    if classes is not None and not isinstance(classes, list):
        problems.append("`classes` must be a list when present (empty for a regressor)")
    id_field = document.get("id_field")
    if id_field is not None and (not isinstance(id_field, str) or not id_field):
        problems.append("`id_field` must be a non-empty string when present")
    environment = document.get("environment")
    if environment is not None and not _is_environment(environment):
        problems.append("`environment` must be an object with a `python` version and `packages` "
                        "(name to version) when present")
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return Manifest(project=project, version=version,
                    classes=tuple(classes) if classes else None,
                    id_field=id_field, environment=environment, raw=document)


def _is_environment(value: Any) -> bool:
    packages = value.get("packages", {}) if isinstance(value, dict) else None
    return isinstance(value, dict) and isinstance(value.get("python"), str) and isinstance(packages, dict) \
        and all(isinstance(k, str) and isinstance(v, str) for k, v in packages.items())
