"""The library versions a model was trained with (model.json `environment`) against the server's own.

Training records Python's version and the installed versions of scikit-learn and of the packages
the project's requirements.txt names; the serving image installs the same versions where its base
allows (pip and a reachable index). Where it could not, unpickling may fail or predictions may
differ, so the server says so at start (a log line), in the model metadata, and in the reason a
model failed to load. Python is compared by major.minor (a patch release does not change how
pickles load); packages by their exact version.
"""
from __future__ import annotations

import dataclasses
import platform
import re
from typing import Any, Dict, Mapping, Optional, Tuple


def canonical(name: str) -> str:
    """A project name as PEP 503 compares them (what training writes): scikit_learn -> scikit-learn."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_version(name: str) -> Optional[str]:
    """The version of project `name` installed for this interpreter, or None."""
    from importlib import metadata

    for candidate in (name, name.replace("-", "_"), name.replace("-", ".")):
        try:
            return metadata.version(candidate)
        except Exception:  # PackageNotFoundError, or a distribution with broken metadata
            continue
    return None


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@dataclasses.dataclass(frozen=True)
class VersionCheck:
    """The training environment from model.json (None if it has none) and the server's versions of the same libraries."""
    trained: Optional[Mapping[str, Any]]
    serving: Mapping[str, Any]
    mismatches: Tuple[str, ...]

    def describe(self) -> str:
        """'trained with Python 3.11.2, scikit-learn 1.3.0; serving with Python 3.11.2, scikit-learn 1.2.1'."""
        serving = _listing(self.serving)
        if self.trained is None:
            return f"model.json does not record the training versions; serving with {serving}"
        return f"trained with {_listing(self.trained)}; serving with {serving}"

    def parameters(self) -> Dict[str, Any]:
        """For the model metadata endpoint."""
        found: Dict[str, Any] = {"serving_environment": dict(self.serving), "version_mismatches": list(self.mismatches)}
        if self.trained is not None:
            found["training_environment"] = dict(self.trained)
        return found


def _listing(environment: Mapping[str, Any]) -> str:
    parts = [f"Python {environment.get('python')}"]
    parts += [f"{name} {version if version is not None else '(not installed)'}"
              for name, version in environment.get("packages", {}).items()]
    return ", ".join(parts)


def check(trained: Optional[Mapping[str, Any]]) -> VersionCheck:
    """Compares the training environment of model.json with this interpreter's."""
    python = platform.python_version()
    if trained is None:
        serving = {"python": python, "packages": {"scikit-learn": installed_version("scikit-learn")}}
        return VersionCheck(None, serving, ())
    packages = {canonical(name): version for name, version in trained.get("packages", {}).items()}
    serving = {"python": python, "packages": {name: installed_version(name) for name in packages}}
    mismatches = []
    if _minor(str(trained.get("python"))) != _minor(python):
        mismatches.append(f"Python: trained with {trained.get('python')}, serving with {python}")
    for name, version in packages.items():
        running = serving["packages"][name]
        if running != version:
            mismatches.append(f"{name}: trained with {version}, serving with "
                              f"{running if running is not None else 'none installed'}")
    return VersionCheck({"python": trained.get("python"), "packages": packages}, serving, tuple(mismatches))
