"""Checks KServe InferenceService manifests against the KServe Python SDK's generated model classes
(V1beta1InferenceService and the classes it refers to, which the SDK generates from KServe's
OpenAPI schema; the Kubernetes ones come from the `kubernetes` client it depends on).

Run with the Python of .venv-kserve (test/requirements-kserve.txt):
    python kserve_validate.py MANIFEST.yaml...
Prints one JSON line per file: {"file", "problems": [...]}; every field must be known to the
schema (camelCase, as the CRD spells it), of its type, and the SDK's own client-side validation
(required fields, enums) must accept the object it deserializes to.
"""

import json
import re
import sys

import kubernetes.client.models as k8s
import yaml
from kserve import constants
from kserve import models as km


def klass(name):
    return getattr(km, name, None) or getattr(k8s, name, None)


def check(value, kind, path, problems):
    """The value built as the SDK's objects (their constructors run the SDK's own validation),
    every problem found appended to `problems`."""
    listed = re.fullmatch(r"(?:list|List)\[(.+)\]", kind)
    mapped = re.fullmatch(r"(?:dict\(str, (.+)\)|Dict\[str, (.+)\])", kind)
    if listed:
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return None
        return [check(item, listed.group(1), f"{path}[{i}]", problems) for i, item in enumerate(value)]
    if mapped:
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map")
            return None
        return {k: check(v, mapped.group(1) or mapped.group(2), f"{path}.{k}", problems) for k, v in value.items()}
    simple = {
        "str": (lambda v: isinstance(v, str), "a string"),
        "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
        "bool": (lambda v: isinstance(v, bool), "true or false"),
        "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    }
    if kind in simple:
        ok, what = simple[kind]
        if not ok(value):
            problems.append(f"{path}: expected {what}, got {value!r}")
        return value
    if kind in ("object", "datetime"):
        return value
    cls = klass(kind)
    if cls is None:
        problems.append(f"{path}: the schema has no type {kind}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object ({kind})")
        return None
    fields = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    built = {}
    for key, item in value.items():
        if key not in fields:
            problems.append(f"{path}.{key}: not a field of {kind} (it has {', '.join(sorted(fields))})")
            continue
        built[fields[key]] = check(item, cls.openapi_types[fields[key]], f"{path}.{key}", problems)
    try:
        return cls(**built)
    except (ValueError, TypeError) as error:
        problems.append(f"{path or kind}: the SDK refuses it: {error}")
        return None


def validate(manifest):
    problems = []
    if manifest.get("apiVersion") != constants.KSERVE_V1BETA1:
        problems.append(f"apiVersion: {manifest.get('apiVersion')!r} is not {constants.KSERVE_V1BETA1}")
    if manifest.get("kind") != constants.KSERVE_KIND_INFERENCESERVICE:
        problems.append(f"kind: {manifest.get('kind')!r} is not {constants.KSERVE_KIND_INFERENCESERVICE}")
    check(manifest, "V1beta1InferenceService", "", problems)
    return problems


def main():
    for name in sys.argv[1:]:
        with open(name) as f:
            print(json.dumps({"file": name, "problems": validate(yaml.safe_load(f))}))


if __name__ == "__main__":
    main()
