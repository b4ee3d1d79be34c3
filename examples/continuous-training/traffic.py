"""Production traffic for the example: one row per request to the deployment's /invocations,
each from its own user (x-user-id, the A/B's unit), seeded. After --drift-after requests the world
drifts (see src/world.py). Each outcome comes back as feedback (reward 1 when the prediction was
right) in batches to /v2/sextant/feedback, and each labelled row is appended to data/live.csv,
the data a retraining reads. SIGUSR1 switches the world between its two states (after the drift,
back to before it, and again): a season that comes and goes, so that a model retrained in one
season loses in the next.

    python traffic.py --url http://127.0.0.1:PORT --drift-after 300
"""

from __future__ import annotations

import argparse
import csv
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
from world import FEATURES, draw  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the deployment's URL (sextant deploy up prints it)")
    parser.add_argument("--requests", type=int, default=0, help="how many requests (0: until Ctrl-C)")
    parser.add_argument("--drift-after", type=int, default=300, help="requests before the world drifts")
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second at most")
    parser.add_argument("--feedback-every", type=int, default=20, help="requests per feedback batch")
    parser.add_argument("--live", default="data/live.csv", help="where labelled rows are appended")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    state = {"stop": False, "switches": 0}
    signal.signal(signal.SIGINT, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *_: state.update(switches=state["switches"] + 1))
    session = requests.Session()
    live = Path(args.live)
    live.parent.mkdir(parents=True, exist_ok=True)
    new_file = not live.exists() or live.stat().st_size == 0
    pending: list[dict] = []
    served, right = Counter(), Counter()
    phase = "as before the drift"

    def send_feedback() -> None:
        if pending:
            answer = session.post(f"{args.url}/v2/sextant/feedback", json=pending, timeout=30)
            answer.raise_for_status()
            pending.clear()

    with open(live, "a", newline="") as sink:
        rows = csv.writer(sink)
        if new_file:
            rows.writerow([*FEATURES, "label"])
        i = 0
        started = time.monotonic()
        while not state["stop"] and (args.requests == 0 or i < args.requests):
            drifted = (i >= args.drift_after) != (state["switches"] % 2 == 1)
            now = "drifted" if drifted else "as before the drift"
            if now != phase:
                print(f"request {i}: the world is {now}", flush=True)
                phase = now
            row = draw(rng, 1, drifted)
            X = row[FEATURES]
            answer = session.post(
                f"{args.url}/invocations",
                json={"dataframe_split": X.to_dict(orient="split")},
                headers={"x-user-id": f"user-{args.seed}-{i}"},
                timeout=30,
            )
            answer.raise_for_status()
            variant = answer.headers.get("x-sextant-variant", "?")
            truth = int(row["label"].iloc[0])
            reward = int(answer.json()["predictions"][0] == truth)
            served[variant] += 1
            right[variant] += reward
            pending.append({"request_id": answer.headers["x-request-id"], "reward": reward})
            rows.writerow([*X.iloc[0].tolist(), truth])
            i += 1
            if len(pending) >= args.feedback_every:
                sink.flush()
                send_feedback()
            if i % 200 == 0:
                shares = ", ".join(f"{v} {served[v]} ({right[v] / served[v]:.0%} right)" for v in sorted(served))
                print(f"request {i}: {shares}", flush=True)
            pause = i / args.rate - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)
        sink.flush()
        send_feedback()
    print(f"sent {i} requests", flush=True)


if __name__ == "__main__":
    main()
