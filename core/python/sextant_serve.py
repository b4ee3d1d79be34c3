"""Sextant's serving worker: one MLflow pyfunc model, loaded once, predicting on request.

Started by Sextant's serving runtime (core/src/serving/worker.ts) in the model's environment as
`python sextant_serve.py MODEL_DIR`. It speaks length-prefixed JSON frames over stdin/stdout: a
4-byte big-endian length, then that many bytes of UTF-8 JSON.

Out, once: {"ready": true, "pid", "inputs", "outputs", "params", "inputs_are_tensors", "mlflow_version"} when the
model is loaded, or {"fatal": "..."} when it cannot be.
In: {"id": N, "items": [ITEM, ...]}, where ITEM is one request's input, either
  {"mlflow": {"dataframe_split" | "dataframe_records" | "instances" | "inputs": ..., "params"?}},
  {"csv": "text"}, or {"oip": {"inputs": [{"name", "shape", "datatype", "data"}], "parameters"?}}.
Out: {"id": N, "results": [RESULT, ...]}, one RESULT per ITEM, in order: {"predictions": ...}
(MLflow's JSON of the predictions), {"outputs": [...]} for an OIP item, or {"error": "...",
"status": 400}.

Items of one frame are predicted together when they can be (a batch: their frames concatenated,
the predictions split back by rows), and one by one otherwise.
"""

import io
import json
import math
import os
import struct
import sys
import traceback

import sextant_processing

HEADER = struct.Struct(">I")

OIP_TO_NUMPY = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}


# Flavours whose pyfunc predict takes a conforming frame as is (see Worker.direct).
DIRECT_FLAVORS = ("mlflow.sklearn", "mlflow.xgboost", "mlflow.lightgbm")


class BadInput(Exception):
    """The request's input does not fit the model: answered with 400."""


def read_frame(stream):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body)


def finite(value):
    """The value with NaN and infinities as null: JSON has no spelling for them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def write_frame(stream, message, encoder):
    try:
        text = json.dumps(message, cls=encoder, separators=(",", ":"), allow_nan=False)
    except ValueError:
        plain = json.loads(json.dumps(message, cls=encoder))
        text = json.dumps(finite(plain), separators=(",", ":"))
    body = text.encode()
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def numpy_to_oip_datatype(dtype):
    kind = dtype.kind
    if kind == "b":
        return "BOOL"
    if kind in "iu":
        return ("UINT" if kind == "u" else "INT") + str(dtype.itemsize * 8)
    if kind == "f":
        return "FP" + str(dtype.itemsize * 8)
    return "BYTES"


class Worker:
    def __init__(self, model_dir, functions=False):
        import mlflow
        import mlflow.pyfunc
        import numpy as np
        import pandas as pd
        from mlflow.pyfunc import scoring_server
        from mlflow.utils.proto_json_utils import NumpyEncoder, _get_jsonable_obj

        self.np = np
        self.pd = pd
        self.scoring = scoring_server
        self.encoder = NumpyEncoder
        self.jsonable = _get_jsonable_obj
        self.mlflow_version = mlflow.__version__
        self.functions = None
        self.processing = None
        if functions:
            self.schema = self.output_schema = self.params_schema = None
            self.tensors = False
            self.functions = sextant_processing.FunctionsWorker(self.answer, self.parse_raw)
            return
        self.processing = sextant_processing.Processing.from_environment()
        self.model = mlflow.pyfunc.load_model(model_dir)
        self.schema = self.model.metadata.get_input_schema()
        self.output_schema = self.model.metadata.get_output_schema()
        self.params_schema = self.model.metadata.get_params_schema()
        self.tensors = bool(self.schema is not None and self.schema.is_tensor_spec())
        self.double_columns = self.all_double_columns()
        # A frame that already is what the signature asks (its double columns, in order, as
        # float64) passes MLflow's schema enforcement unchanged: the flavours below then take it
        # straight, without the pyfunc wrapper's per-call work.
        self.direct = None
        if self.double_columns is not None and self.model.loader_module in DIRECT_FLAVORS:
            self.direct = getattr(self.model, "_predict_fn", None)

    def all_double_columns(self):
        """The input's column names when the signature is only required double columns (the
        common case of a tabular model), else None: their `dataframe_split` is read fast."""
        from mlflow.types import DataType
        from mlflow.types.schema import ColSpec

        schema = self.schema
        if schema is None or self.tensors or not schema.has_input_names():
            return None
        inputs = schema.inputs
        if not all(
            isinstance(c, ColSpec) and c.type == DataType.double and c.required for c in inputs
        ):
            return None
        return [c.name for c in inputs]

    def describe(self):
        def spec(schema):
            return schema.to_dict() if schema is not None else None

        return {
            "ready": True,
            "pid": os.getpid(),
            # A preprocess function takes the request's own shape, not the model's.
            "inputs": None if self.processing and self.processing.pre else spec(self.schema),
            "outputs": spec(self.output_schema),
            "params": self.params_schema.to_dict() if self.params_schema is not None else None,
            "inputs_are_tensors": self.tensors,
            "mlflow_version": self.mlflow_version,
        }

    # Inputs -------------------------------------------------------------------------------------

    def parse(self, item):
        """The model input and params of one item."""
        try:
            if "csv" in item:
                return self.scoring.parse_csv_input(io.StringIO(item["csv"]), self.schema), None
            if "oip" in item:
                return self.from_oip(item["oip"]), None
            body = dict(item["mlflow"])
            params = body.pop("params", None)
            fast = self.double_frame(body)
            if fast is not None:
                return fast, params
            return self.scoring.infer_and_parse_data(body, self.schema), params
        except BadInput:
            raise
        except Exception as error:
            raise BadInput(message_of(error)) from error

    def double_frame(self, body):
        """The frame of a `dataframe_split` body whose columns are the signature's double
        columns, in order, and whose cells are all numbers, built at once as float64 (what
        MLflow's parse and cast make of it, a column at a time); None for any other body."""
        names = self.double_columns
        if names is None or len(body) != 1:
            return None
        split = body.get("dataframe_split")
        if not isinstance(split, dict) or split.get("columns") != names:
            return None
        if not set(split).issubset(("columns", "data", "index")):
            return None
        data = split.get("data")
        width = len(names)
        if not isinstance(data, list) or not data:
            return None
        for row in data:
            if type(row) is not list or len(row) != width:
                return None
            for value in row:
                if type(value) is not float and type(value) is not int:
                    return None
        index = split.get("index")
        if index is not None and (type(index) is not list or len(index) != len(data)):
            return None
        # Laid out as pandas consolidates a float frame (one C-contiguous block of columns, so
        # the model sees a Fortran-ordered array): the same layout MLflow's parse ends with, so
        # BLAS sums in the same order and predictions match it to the last bit.
        columns = self.np.ascontiguousarray(self.np.array(data, dtype=self.np.float64).T)
        return self.pd.DataFrame(columns.T, columns=names, index=index, copy=False)

    def from_oip(self, request):
        np = self.np
        arrays = {}
        for tensor in request["inputs"]:
            dtype = OIP_TO_NUMPY[tensor["datatype"]]
            data = tensor["data"]
            try:
                array = np.array(data, dtype=dtype).reshape(tensor["shape"])
            except (TypeError, ValueError) as error:
                raise BadInput(
                    f"input '{tensor['name']}': its data does not fit datatype "
                    f"{tensor['datatype']} and shape {tensor['shape']} ({error})"
                ) from error
            arrays[tensor["name"]] = array
        if self.tensors:
            if len(arrays) == 1 and (self.schema.has_input_names() is False):
                return next(iter(arrays.values()))
            return arrays
        names = self.schema.input_names() if self.schema is not None else []
        if len(arrays) == 1 and next(iter(arrays)) not in names:
            only = next(iter(arrays.values()))
            if only.ndim == 1:
                only = only.reshape(-1, 1)
            if only.ndim != 2:
                raise BadInput(
                    f"a single input tensor of a model with columns must have 2 dimensions, "
                    f"[rows, {len(names) or 'columns'}]; got shape {list(only.shape)}"
                )
            if names and only.shape[1] != len(names):
                raise BadInput(
                    f"the input tensor has {only.shape[1]} columns; the model takes "
                    f"{len(names)}: {', '.join(names)}"
                )
            return self.pd.DataFrame(only, columns=names or None)
        columns = {}
        for name, array in arrays.items():
            if array.ndim == 2 and array.shape[1] == 1:
                array = array[:, 0]
            if array.ndim != 1:
                raise BadInput(
                    f"input '{name}' is one column: give shape [rows] or [rows, 1], "
                    f"not {list(array.shape)}"
                )
            columns[name] = array
        lengths = {len(a) for a in columns.values()}
        if len(lengths) > 1:
            raise BadInput(f"the input columns have different lengths: {sorted(lengths)}")
        return self.pd.DataFrame(columns)

    # Outputs ------------------------------------------------------------------------------------

    def to_oip(self, predictions):
        np = self.np
        pd = self.pd
        if (
            isinstance(predictions, list)
            and predictions
            and all(isinstance(p, dict) for p in predictions)
        ):
            predictions = pd.DataFrame(predictions)
        if isinstance(predictions, pd.DataFrame):
            named = {str(c): predictions[c].to_numpy() for c in predictions.columns}
        elif isinstance(predictions, dict):
            named = {str(k): np.asarray(v) for k, v in predictions.items()}
        else:
            name = "predictions"
            if self.output_schema is not None and self.output_schema.has_input_names():
                names = self.output_schema.input_names()
                if len(names) == 1:
                    name = names[0]
            named = {name: np.asarray(predictions)}
        outputs = []
        for name, array in named.items():
            datatype = numpy_to_oip_datatype(array.dtype)
            data = array.reshape(-1).tolist()
            if datatype == "BYTES":
                data = [v.decode() if isinstance(v, bytes) else str(v) for v in data]
            outputs.append(
                {"name": name, "shape": list(array.shape), "datatype": datatype, "data": data}
            )
        return outputs

    def answer(self, item, predictions):
        if "oip" in item:
            return {"outputs": self.to_oip(predictions)}
        return {"predictions": self.jsonable(predictions, pandas_orient="records")}

    # Prediction ---------------------------------------------------------------------------------

    def conforms(self, data):
        """Whether `data` is a frame of exactly the signature's double columns, as float64."""
        if not isinstance(data, self.pd.DataFrame) or list(data.columns) != self.double_columns:
            return False
        float64 = self.np.dtype("float64")
        return all(dtype == float64 for dtype in data.dtypes)

    def predict(self, data, params):
        try:
            if not params and self.direct is not None and self.conforms(data):
                return self.direct(data)
            if params:
                return self.model.predict(data, params=params)
            return self.model.predict(data)
        except Exception as error:
            raise BadInput(f"the model could not predict on this input: {message_of(error)}")

    def parse_raw(self, item):
        return sextant_processing.parse_raw(item, self.scoring, self.pd, self.np, OIP_TO_NUMPY)

    def processed(self, item):
        """One request through the preprocess function, the model and the postprocess one."""
        try:
            data, params = self.parse_raw(item) if self.processing.pre else self.parse(item)
        except BadInput as error:
            return {"error": str(error), "status": 400}
        except Exception as error:
            return {"error": f"cannot read the input: {message_of(error)}", "status": 400}
        try:
            predictions = self.predict(self.processing.before(data), params)
            answer = self.answer(item, self.processing.after(predictions, data))
            json.dumps(answer, cls=self.encoder)
            return answer
        except sextant_processing.UserCodeError as error:
            return {"error": str(error), "status": error.status}
        except BadInput as error:
            return {"error": str(error), "status": 400}
        except Exception as error:
            return {
                "error": f"the response of postprocess function "
                f"'{self.processing.post_spec}' cannot be sent as JSON: {message_of(error)}",
                "status": 500,
            }

    def handle(self, items):
        if self.functions:
            return [self.functions.handle_one(item["call"], self.np) for item in items]
        if self.processing:
            return [self.processed(item) for item in items]
        results = [None] * len(items)
        self.predict_merged(items, results)
        pending = [i for i, r in enumerate(results) if r is None]
        parsed = {}
        for i in pending:
            try:
                parsed[i] = self.parse(items[i])
            except BadInput as error:
                results[i] = {"error": str(error), "status": 400}
        frames = [
            i
            for i, (data, params) in parsed.items()
            if isinstance(data, self.pd.DataFrame) and not params
        ]
        if len(frames) > 1 and all(
            list(parsed[i][0].columns) == list(parsed[frames[0]][0].columns) for i in frames
        ):
            pieces = self.predict_together(
                self.pd.concat([parsed[i][0] for i in frames], ignore_index=True),
                [len(parsed[i][0]) for i in frames],
            )
            if pieces is not None:
                for i, piece in zip(frames, pieces):
                    results[i] = self.answer(items[i], piece)
        for i, (data, params) in parsed.items():
            if results[i] is not None:
                continue
            try:
                results[i] = self.answer(items[i], self.predict(data, params))
            except BadInput as error:
                results[i] = {"error": str(error), "status": 400}
        return results

    def predict_merged(self, items, results):
        """Requests of the same JSON shape (dataframe_split with the same columns, or
        dataframe_records) are merged into one input, parsed once and predicted once."""
        groups = {}
        for i, item in enumerate(items):
            body = item.get("mlflow")
            if not isinstance(body, dict) or len(body) != 1:
                continue
            split = body.get("dataframe_split")
            records = body.get("dataframe_records")
            if isinstance(split, dict) and isinstance(split.get("data"), list):
                columns = split.get("columns")
                key = ("split", tuple(columns) if isinstance(columns, list) else None)
                groups.setdefault(key, []).append((i, len(split["data"])))
            elif isinstance(records, list):
                groups.setdefault(("records",), []).append((i, len(records)))
        for key, members in groups.items():
            if len(members) < 2:
                continue
            if key[0] == "split":
                data = [row for i, _ in members for row in items[i]["mlflow"]["dataframe_split"]["data"]]
                merged = {"data": data}
                if key[1] is not None:
                    merged["columns"] = list(key[1])
                item = {"mlflow": {"dataframe_split": merged}}
            else:
                rows = [row for i, _ in members for row in items[i]["mlflow"]["dataframe_records"]]
                item = {"mlflow": {"dataframe_records": rows}}
            try:
                data, _ = self.parse(item)
            except BadInput:
                continue
            pieces = self.predict_together(data, [n for _, n in members])
            if pieces is not None:
                for (i, _), piece in zip(members, pieces):
                    results[i] = self.answer(items[i], piece)

    def predict_together(self, data, lengths):
        """The predictions on the rows of several requests, cut back per request, or None when
        they cannot be (the model failed on the whole, or its output is not one row per row)."""
        try:
            return self.split(self.predict(data, None), lengths)
        except BadInput:
            return None

    def split(self, predictions, lengths):
        """The predictions of a batch cut back into one piece per request, or None."""
        pd = self.pd
        if isinstance(predictions, (pd.DataFrame, pd.Series)):
            if len(predictions) != sum(lengths):
                return None
            rows = predictions.reset_index(drop=True)
            cut = lambda a, b: rows.iloc[a:b]  # noqa: E731
        elif isinstance(predictions, (list, self.np.ndarray)):
            if len(predictions) != sum(lengths):
                return None
            cut = lambda a, b: predictions[a:b]  # noqa: E731
        else:
            return None
        pieces = []
        start = 0
        for length in lengths:
            pieces.append(cut(start, start + length))
            start += length
        return pieces


def message_of(error):
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return message.strip()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: sextant_serve.py MODEL_DIR | --functions\n")
        return 2
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    # The model's own prints must not corrupt the channel: they go to stderr.
    sys.stdout = sys.stderr
    os.environ.setdefault("MLFLOW_IS_IN_SERVING_ENVIRONMENT", "true")
    try:
        functions = sys.argv[1] == "--functions"
        worker = Worker(None if functions else sys.argv[1], functions=functions)
    except sextant_processing.FunctionLoadError as error:
        traceback.print_exc()
        write_frame(stdout, {"fatal": f"cannot load {error}"}, None)
        return 1
    except Exception as error:
        traceback.print_exc()
        what = "the functions" if sys.argv[1] == "--functions" else "the model"
        write_frame(stdout, {"fatal": f"cannot load {what}: {message_of(error)}"}, None)
        return 1
    write_frame(stdout, worker.describe(), worker.encoder)
    while True:
        request = read_frame(stdin)
        if request is None:
            return 0
        try:
            results = worker.handle(request["items"])
        except Exception as error:
            traceback.print_exc()
            message = f"the serving worker failed: {message_of(error)}"
            results = [{"error": message, "status": 500} for _ in request["items"]]
        write_frame(stdout, {"id": request["id"], "results": results}, worker.encoder)


if __name__ == "__main__":
    sys.exit(main())
