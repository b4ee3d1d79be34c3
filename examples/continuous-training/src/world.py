"""The world the example's model lives in: four numeric features and a label that depends on them.

Before the drift, f0..f3 are standard normal and the label is 1 when f0 + 0.5 f1 - f2 > 0. After
it, f0 and f2 move up by SHIFT standard deviations (what the drift monitor sees) and the label
follows another rule, -f0 + 0.5 f1 + f2 > 0 (what only feedback shows): a model trained before the
drift is right about one time in five afterwards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = ["f0", "f1", "f2", "f3"]
SHIFT = 1.5


def draw(rng: np.random.Generator, n: int, drifted: bool = False) -> pd.DataFrame:
    """n labelled rows of the world before (or after) the drift."""
    X = pd.DataFrame(rng.normal(0.0, 1.0, size=(n, len(FEATURES))), columns=FEATURES)
    if drifted:
        X["f0"] += SHIFT
        X["f2"] += SHIFT
        score = -(X["f0"] - SHIFT) + 0.5 * X["f1"] + (X["f2"] - SHIFT)
    else:
        score = X["f0"] + 0.5 * X["f1"] - X["f2"]
    return X.assign(label=(score > 0).astype(int))
