"""The server's half of the features contract on the shared corpus (the engine's half and the
comparison of both run in FeaturesContractTest.java): valid files load, invalid ones are refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from cd4ml_serving.features import FeatureSpecError, load_features

CORPUS = Path(__file__).resolve().parents[4] / "src" / "test" / "resources" / "config-corpus"


def _invalid():
    # only cases whose problems are in features.yaml itself (others are config.yaml rules)
    return sorted(p for p in (CORPUS / "invalid").glob("*.features.yaml")
                  if "# expect: features.yaml:" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted((CORPUS / "valid-features").glob("*.yaml")), ids=lambda p: p.name)
def test_valid_file_loads(path):
    assert load_features(path)


@pytest.mark.parametrize("path", _invalid(), ids=lambda p: p.name)
def test_invalid_file_is_refused(path):
    with pytest.raises(FeatureSpecError):
        load_features(path)


def test_the_corpus_is_there():
    assert len(list((CORPUS / "valid-features").glob("*.yaml"))) >= 5
    assert len(_invalid()) >= 15
