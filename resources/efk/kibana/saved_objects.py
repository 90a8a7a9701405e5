#!/usr/bin/env python3
"""Writes the Kibana saved objects (NDJSON) for a model's prediction records.

    saved_objects.py --features examples/iris/features.yaml [--index-pattern 'logstash-*'] > objects.ndjson

The objects are the index pattern, the saved search "predictions by model version" (Lucene
syntax, so its query runs verbatim as an Elasticsearch `query_string`), one visualization per
dashboard panel, and the dashboard. Every visualization reads through the saved search, so each
panel counts prediction records only, never the other log lines of the same indices. Numeric
features come from the model's features.yaml: one distribution panel each, split by model
version, to spot drift between versions. Ids are fixed, so an import with overwrite replaces
what an earlier import created.

Only the standard library and PyYAML (present wherever Ansible runs).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List

import yaml

INDEX_PATTERN_ID = "cd4ml-predictions"
SEARCH_ID = "cd4ml-predictions-by-model-version"
DASHBOARD_ID = "cd4ml-predictions-dashboard"
# Prediction records only; other lines of the container (uvicorn's) carry no event field.
SEARCH_QUERY = "event:prediction AND _exists_:model.version"
SEARCH_COLUMNS = ["model.name", "model.version", "prediction", "status", "latency_ms", "request_id", "id"]
LATENCY_PERCENTS = [50, 90, 99]
# Kibana's migrations bring objects of these versions up to the running Kibana on import.
MIGRATION = {"index-pattern": "7.6.0", "search": "7.9.3", "visualization": "7.10.0", "dashboard": "7.9.3"}
SEARCH_REF = "search_0"
FEATURE_BINS = 20


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _obj(kind: str, oid: str, attributes: Dict[str, Any], references: List[Dict[str, str]]) -> Dict[str, Any]:
    return {"type": kind, "id": oid, "attributes": attributes, "references": references,
            "migrationVersion": {kind: MIGRATION[kind]}}


def index_pattern(title: str) -> Dict[str, Any]:
    return _obj("index-pattern", INDEX_PATTERN_ID, {"title": title, "timeFieldName": "@timestamp"}, [])


def saved_search() -> Dict[str, Any]:
    source = {"query": {"query": SEARCH_QUERY, "language": "lucene"}, "filter": [],
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return _obj("search", SEARCH_ID, {
        "title": "predictions by model version",
        "description": "Every prediction record (one per predicted row, and one per rejected request). "
                       "Narrow it to one model version with: " + SEARCH_QUERY + " AND model.version:\"<version>\"",
        "columns": SEARCH_COLUMNS,
        "sort": [["@timestamp", "desc"]],
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json(source)},
    }, [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": INDEX_PATTERN_ID}])


def _agg(aid: str, kind: str, schema: str, params: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": aid, "enabled": True, "type": kind, "schema": schema, "params": params}


def _date_histogram(aid: str) -> Dict[str, Any]:
    return _agg(aid, "date_histogram", "segment", {"field": "@timestamp", "interval": "auto",
                                                   "min_doc_count": 1, "extended_bounds": {}})


def _terms(aid: str, field: str, size: int, schema: str = "group") -> Dict[str, Any]:
    return _agg(aid, "terms", schema, {"field": field, "size": size, "order": "desc", "orderBy": "1",
                                       "otherBucket": False, "missingBucket": False})


def _chart_params(chart: str, mode: str, axis_mode: str, label: str) -> Dict[str, Any]:
    return {
        "type": chart, "grid": {"categoryLines": False}, "addTooltip": True, "addLegend": True,
        "legendPosition": "right", "times": [], "addTimeMarker": False,
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": "bottom", "show": True,
                          "style": {}, "scale": {"type": "linear"},
                          "labels": {"show": True, "filter": True, "truncate": 100}, "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": "left",
                       "show": True, "style": {}, "scale": {"type": "linear", "mode": axis_mode},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": label}}],
        "seriesParams": [{"show": True, "type": chart, "mode": mode, "data": {"label": label, "id": "1"},
                          "valueAxis": "ValueAxis-1", "drawLinesBetweenPoints": True, "lineWidth": 2,
                          "showCircles": True}],
    }


def visualization(vid: str, title: str, description: str, chart: str, aggs: List[Dict[str, Any]],
                  params: Dict[str, Any]) -> Dict[str, Any]:
    vis_state = {"title": title, "type": chart, "aggs": aggs, "params": params}
    return _obj("visualization", vid, {
        "title": title,
        "description": description,
        "visState": _json(vis_state),
        "uiStateJSON": "{}",
        "version": 1,
        "savedSearchRefName": SEARCH_REF,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json({"query": {"query": "", "language": "lucene"},
                                                              "filter": []})},
    }, [{"name": SEARCH_REF, "type": "search", "id": SEARCH_ID}])


def predictions_over_time() -> Dict[str, Any]:
    return visualization("cd4ml-predictions-over-time", "cd4ml: predictions over time by class",
                         "Predicted rows per time bucket, stacked by predicted class.", "histogram",
                         [_agg("1", "count", "metric", {}), _date_histogram("2"), _terms("3", "prediction", 20)],
                         _chart_params("histogram", "stacked", "normal", "Predictions"))


def latency_percentiles() -> Dict[str, Any]:
    return visualization("cd4ml-latency-percentiles", "cd4ml: latency percentiles (ms)",
                         "Request latency as the server logged it (latency_ms): the 50th, 90th and 99th percentile.",
                         "line",
                         [_agg("1", "percentiles", "metric", {"field": "latency_ms", "percents": LATENCY_PERCENTS}),
                          _date_histogram("2")],
                         _chart_params("line", "normal", "normal", "latency_ms"))


def error_rate_by_status() -> Dict[str, Any]:
    return visualization("cd4ml-error-rate-by-status", "cd4ml: error rate by status",
                         "Share of prediction records per HTTP status (200 = predicted; 422 = rejected input; "
                         "500 = model error), as a percentage of each time bucket.", "histogram",
                         [_agg("1", "count", "metric", {}), _date_histogram("2"), _terms("3", "status", 10)],
                         _chart_params("histogram", "stacked", "percentage", "Share of records"))


def _interval(feature: Dict[str, Any]) -> float:
    low, high = feature.get("min"), feature.get("max")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and high > low:
        step = (high - low) / FEATURE_BINS
        return 1 if feature["type"] == "int" and step < 1 else round(step, 6)
    return 1


def feature_distribution(feature: Dict[str, Any]) -> Dict[str, Any]:
    name = feature["name"]
    return visualization("cd4ml-feature-" + name, "cd4ml: feature " + name,
                         "Distribution of the served values of " + name + " per model version (drift shows as "
                         "a shifted histogram).", "histogram",
                         [_agg("1", "count", "metric", {}),
                          _agg("2", "histogram", "segment", {"field": "features." + name,
                                                             "interval": _interval(feature),
                                                             "min_doc_count": False, "has_extended_bounds": False,
                                                             "extended_bounds": {}}),
                          _terms("3", "model.version", 10)],
                         _chart_params("histogram", "normal", "normal", "Rows"))


def dashboard(panels: List[Dict[str, Any]]) -> Dict[str, Any]:
    layout, references = [], []
    for index, (kind, oid) in enumerate(panels):
        ref = "panel_" + str(index)
        width = 48 if kind == "search" else 24
        y = 0 if index == 0 else 15 * ((index + 1) // 2)
        x = 0 if index == 0 or index % 2 == 1 else 24
        layout.append({"version": "7.10.0", "panelIndex": str(index + 1),
                       "gridData": {"x": x, "y": y, "w": width, "h": 15, "i": str(index + 1)},
                       "embeddableConfig": {}, "panelRefName": ref})
        references.append({"name": ref, "type": kind, "id": oid})
    return _obj("dashboard", DASHBOARD_ID, {
        "title": "cd4ml: predictions",
        "description": "Prediction records of cd4ml model servers: what was predicted, how fast, what failed, "
                       "and what the served features look like per model version.",
        "panelsJSON": _json(layout),
        "optionsJSON": _json({"useMargins": True, "hidePanelTitles": False}),
        "timeRestore": False,
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json({"query": {"query": "", "language": "lucene"},
                                                              "filter": []})},
    }, references)


def numeric_features(features_yaml: Dict[str, Any]) -> List[Dict[str, Any]]:
    features = (features_yaml or {}).get("features")
    if not isinstance(features, list):
        raise ValueError("features.yaml has no 'features' list")
    return [f for f in features if isinstance(f, dict) and f.get("type") in ("float", "int")]


def saved_objects(features_yaml: Dict[str, Any], pattern: str) -> List[Dict[str, Any]]:
    charts = [predictions_over_time(), latency_percentiles(), error_rate_by_status()]
    charts += [feature_distribution(f) for f in numeric_features(features_yaml)]
    board = dashboard([("search", SEARCH_ID)] + [("visualization", c["id"]) for c in charts])
    return [index_pattern(pattern), saved_search()] + charts + [board]


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", required=True, help="the model's features.yaml")
    parser.add_argument("--index-pattern", default="logstash-*",
                        help="indices holding the records (default: logstash-*, what the MicroK8s fluentd addon writes)")
    args = parser.parse_args(argv)
    try:
        with open(args.features, encoding="utf-8") as f:
            objects = saved_objects(yaml.safe_load(f), args.index_pattern)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"saved_objects.py: {args.features}: {e}", file=sys.stderr)
        return 2
    for o in objects:
        sys.stdout.write(_json(o) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
