"""Class names for predictions and probabilities, and conversion of model output to JSON values.

The manifest's `classes` name the classes when the estimator only knows encoded labels
(0..n-1); when the estimator was trained on the names themselves its `classes_` are the truth
for the column order of predict_proba.
"""
from __future__ import annotations

import logging
import math
from typing import Any, List, Optional, Sequence

log = logging.getLogger("cd4ml_serving")


class ClassNames:
    """Names the columns of predict_proba and maps encoded predictions to names."""

    def __init__(self, manifest_classes: Optional[Sequence[Any]], model_classes: Optional[Sequence[Any]]):
        manifest = [to_plain(c) for c in manifest_classes] if manifest_classes else None
        model = [to_plain(c) for c in model_classes] if model_classes is not None else None
        self._decode = None
        if model is None:
            self.columns = manifest
        elif manifest and model == list(range(len(manifest))):
            self.columns = manifest
            self._decode = dict(enumerate(manifest))
        else:
            if manifest and sorted(map(str, manifest)) != sorted(map(str, model)):
                log.warning("model.json classes %s do not match the estimator's classes %s; "
                            "using the estimator's", manifest, model)
            self.columns = model
        # Probabilities are reported in the manifest's order when it names the same classes.
        order = manifest if manifest and self.columns and set(map(str, manifest)) == set(map(str, self.columns)) \
            else self.columns
        self._order = [str(c) for c in order] if order else None
        self._layouts = {}  # row width -> (keys, positions) of probabilities rows of plain values

    @property
    def known(self) -> Optional[List[str]]:
        """The class names, or None when the model is not known to be a classifier."""
        return [str(c) for c in self.columns] if self.columns else None

    def prediction(self, value: Any) -> Any:
        value = to_plain(value)
        if self._decode is not None and isinstance(value, int) and not isinstance(value, bool):
            return self._decode.get(value, value)
        return value

    def predictions(self, values: List[Any]) -> List[Any]:
        """`prediction` of every value of a list made of plain values (to_plain)."""
        if self._decode is None:
            return values  # plain values stay as they are
        return [self.prediction(value) for value in values]

    def probability_rows(self, rows: List[Any]) -> List[dict]:
        """`probabilities` of every row of a list made of plain values (to_plain), with the
        naming and order of a row width worked out once."""
        named = []
        layouts = self._layouts
        for row in rows:
            if type(row) is not list:
                named.append(self.probabilities(row))
                continue
            layout = layouts.get(len(row))
            if layout is None:
                # the naming of `probabilities`, applied to the positions: {name: position}
                positions = self.probabilities(list(range(len(row))))
                layout = layouts[len(row)] = (tuple(positions), tuple(positions.values()))
            keys, positions = layout
            named.append({key: row[position] for key, position in zip(keys, positions)})
        return named

    def probabilities(self, row: Any) -> dict:
        """One row of predict_proba output (a list or a dict) as {class name: probability}."""
        if isinstance(row, dict):
            named = {str(k): to_plain(v) for k, v in row.items()}
        else:
            values = [to_plain(v) for v in row]
            names = [str(c) for c in self.columns] if self.columns and len(self.columns) == len(values) \
                else [str(i) for i in range(len(values))]
            named = dict(zip(names, values))
        if self._order and set(self._order) == set(named):
            return {name: named[name] for name in self._order}
        return named


_PLAIN_KINDS = frozenset("biuU")  # NumPy dtype kinds whose tolist() is made of plain JSON values


def to_plain(value: Any) -> Any:
    """numpy scalars/arrays to Python values; NaN/inf to None so the response is valid JSON."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and getattr(value, "ndim", 0) > 0:
        # An array of numbers or text: tolist() is plain already (floats if they are finite).
        if dtype.kind in _PLAIN_KINDS or (dtype.kind == "f" and _all_finite(value)):
            return value.tolist()
    if hasattr(value, "tolist"):
        value = value.tolist()
    elif hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def _all_finite(array: Any) -> bool:
    import numpy as np

    return bool(np.isfinite(array).all())
