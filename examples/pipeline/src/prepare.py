"""Makes a small synthetic classification dataset and splits it into train and test CSVs."""

from pathlib import Path

import pandas as pd
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from params import load

params = load("prepare")
features, labels = make_classification(
    n_samples=params["samples"],
    n_features=params["features"],
    n_informative=max(2, params["features"] // 2),
    random_state=params["seed"],
)
table = pd.DataFrame(features, columns=[f"x{i}" for i in range(features.shape[1])]).round(6)
table["label"] = labels
train, test = train_test_split(
    table, test_size=params["test_fraction"], random_state=params["seed"], stratify=labels
)
out = Path("data")
out.mkdir(exist_ok=True)
train.to_csv(out / "train.csv", index=False)
test.to_csv(out / "test.csv", index=False)
print(f"prepared {len(train)} training and {len(test)} test rows")
