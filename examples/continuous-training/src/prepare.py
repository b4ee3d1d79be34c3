"""The retraining data: the latest labelled traffic (data/live.csv, where the traffic script
writes each request's features and the outcome it learned), split into train and test sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 120  # the most recent rows: what the world looks like now
TEST_FRACTION = 0.25

live = pd.read_csv("data/live.csv").tail(ROWS).reset_index(drop=True)
order = np.random.default_rng(3).permutation(len(live))
cut = int(len(live) * (1 - TEST_FRACTION))
Path("data/recent").mkdir(parents=True, exist_ok=True)
live.iloc[order[:cut]].to_csv("data/recent/train.csv", index=False)
live.iloc[order[cut:]].to_csv("data/recent/test.csv", index=False)
print(f"{cut} training rows and {len(live) - cut} test rows from the latest {len(live)} of data/live.csv")
