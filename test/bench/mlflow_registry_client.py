"""Times registry searches through the real mlflow client against two servers, in turn.

What a user's code feels: `MlflowClient().search_model_versions(...)` and
`MlflowClient().search_registered_models(...)`, each the client's whole call (request built,
sent over its pooled HTTP session, answer parsed into entities), against MLflow's server and
Sextant's on the same data, in blocks of 25 calls per server in turn (which goes first
alternates), each block's calls back to back as on a server in use.

    python mlflow_registry_client.py SPEC.json   -> prints JSON (below)

SPEC.json: {"servers": {"mlflow": URL, "sextant": URL}, "calls": N, "warmup": W,
            "versions": [filter, ...] (one per call, cycled), "order_by": [...],
            "models_filter": str, "models_max_results": int}
Prints: {"versions": {server: {"samples": [ms, ...], "last": ["name/version", ...]}},
         "models": {server: {"samples": [...], "last": [name, ...]}}}
"""

import json
import sys
import time

from mlflow import MlflowClient


BLOCK = 25  # calls per server before the other server's turn


def time_in_turn(clients, calls, warmup, call, read):
    out = {name: {"samples": [], "last": []} for name in clients}
    names = list(clients)
    total = warmup + calls
    for round_, start in enumerate(range(0, total, BLOCK)):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            for i in range(start, min(total, start + BLOCK)):
                started = time.perf_counter()
                answer = call(clients[name], i)
                took = (time.perf_counter() - started) * 1000
                if i >= warmup:
                    out[name]["samples"].append(took)
                out[name]["last"] = read(answer)
    return out


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    clients = {
        name: MlflowClient(tracking_uri=url, registry_uri=url)
        for name, url in spec["servers"].items()
    }
    filters = spec["versions"]
    order_by = spec["order_by"]
    versions = time_in_turn(
        clients,
        spec["calls"],
        spec["warmup"],
        lambda c, i: c.search_model_versions(filters[i % len(filters)], order_by=order_by),
        lambda answer: [f"{v.name}/{v.version}" for v in answer],
    )
    models = time_in_turn(
        clients,
        spec["calls"],
        spec["warmup"],
        lambda c, i: c.search_registered_models(
            spec["models_filter"], max_results=spec["models_max_results"]
        ),
        lambda answer: [m.name for m in answer],
    )
    json.dump({"versions": versions, "models": models}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
