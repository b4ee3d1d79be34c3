"""Sextant's ONNX conversion: a scikit-learn or LightGBM model logged by MLflow, converted at
deploy time.

Run as `python sextant_onnx.py MODEL_DIR OUT_DIR`. Reads the model with its MLflow flavour,
converts it (scikit-learn with skl2onnx, LightGBM with onnxmltools: one float input `input` of
shape [rows, columns] in the signature's column order; classifiers without ZipMap, so their first
output is the label), writes
OUT_DIR/model.onnx and OUT_DIR/parity.json: the rows to check the conversion on (the model's input
example, and as many rows again drawn from it with seeded noise) and the pyfunc predictions on
them. Prints one JSON line: {"columns", "rows", "inputs", "outputs", "mlflow_version"} (the
signature as MLflow's schema dicts) or {"error": "..."}.
"""

import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: sextant_onnx.py MODEL_DIR OUT_DIR\n")
        return 2
    model_dir, out_dir = sys.argv[1], sys.argv[2]
    try:
        result = convert(model_dir, out_dir)
    except Exception as error:  # noqa: BLE001 - reported to the caller as the reason
        result = {"error": str(error).strip() or type(error).__name__}
    print(json.dumps(result))
    return 0 if "error" not in result else 1


def convert(model_dir, out_dir):
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import Model

    meta = Model.load(os.path.join(model_dir, "MLmodel"))
    flavor = next((f for f in ("sklearn", "lightgbm") if f in meta.flavors), None)
    if flavor is None:
        return {"error": "only scikit-learn and LightGBM models are converted to ONNX (it has "
                         + ", ".join(meta.flavors) + ")"}
    schema = meta.get_input_schema()
    if schema is None or schema.is_tensor_spec() or not schema.has_input_names():
        return {"error": "the model needs a column signature to be converted to ONNX"}
    numeric = {"double", "float", "long", "integer", "boolean"}
    columns = schema.input_names()
    kinds = [str(t).lower().split(".")[-1] for t in schema.input_types()]
    if any(k not in numeric for k in kinds):
        return {"error": "only numeric columns convert to ONNX; the signature has "
                         + ", ".join(sorted(set(kinds) - numeric))}
    onnx = to_onnx(flavor, model_dir, len(columns))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as out:
        out.write(onnx.SerializeToString())

    example = meta.load_input_example(model_dir)
    if example is None:
        return {"error": "the model has no input example to check the ONNX conversion on"}
    frame = pd.DataFrame(example)[columns].astype("float64")
    # Rows drawn from the example, float columns moved by seeded noise of 5% of their spread.
    drawn = frame.sample(len(frame) * 4, replace=True, random_state=0).reset_index(drop=True)
    spread = frame.std(ddof=0).fillna(0).to_numpy()
    floats = np.array([k in ("double", "float") for k in kinds])
    noise = np.random.default_rng(0).normal(0, 0.05, size=drawn.shape) * spread * floats
    rows = pd.concat([frame, drawn + noise], ignore_index=True)
    pyfunc = mlflow.pyfunc.load_model(model_dir)
    expected = np.asarray(pyfunc.predict(rows.astype(dict(zip(columns, schema.numpy_types()))))).tolist()
    with open(os.path.join(out_dir, "parity.json"), "w") as out:
        json.dump({"columns": columns, "rows": rows.to_numpy().tolist(), "expected": expected}, out)
    output = meta.get_output_schema()
    return {
        "columns": columns,
        "rows": len(rows),
        "inputs": schema.to_dict(),
        "outputs": output.to_dict() if output is not None else None,
        "mlflow_version": mlflow.__version__,
    }


def to_onnx(flavor, model_dir, width):
    """The model converted with one float input `input` of [rows, width], without ZipMap."""
    if flavor == "lightgbm":
        import mlflow.lightgbm
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        model = mlflow.lightgbm.load_model(model_dir)
        return onnxmltools.convert_lightgbm(model, initial_types=[
            ("input", FloatTensorType([None, width]))], zipmap=False, target_opset=15)
    import mlflow.sklearn
    from skl2onnx import to_onnx as sklearn_to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    initial = [("input", FloatTensorType([None, width]))]
    model = mlflow.sklearn.load_model(model_dir)
    options = {id(model): {"zipmap": False}} if hasattr(model, "predict_proba") else None
    return sklearn_to_onnx(model, initial_types=initial, options=options, target_opset=17)


if __name__ == "__main__":
    sys.exit(main())
