"""Sextant's user functions in serving: pre- and post-processing around a model, and the
function steps and combine functions of inference graphs.

A function is named `module:function` (imported with the workspace on sys.path) or
`path/to/file.py:function` (a file inside the workspace). The serving worker reads:
  SEXTANT_WORKSPACE    the folder names are resolved in (paths outside it are refused),
  SEXTANT_PREPROCESS   called on the request's input (a DataFrame for MLflow's JSON, CSV and
                       OIP tensors that are columns of one length, else a dict of arrays);
                       returns the model's input,
  SEXTANT_POSTPROCESS  called on the model's output (and the input, when it takes two
                       arguments); returns the response,
  SEXTANT_FUNCTIONS    a JSON list of the functions a functions worker serves
                       (`sextant_serve.py --functions`).

An exception in user code answers the request with a message naming the function: 400 for the
errors a bad input raises (ValueError, KeyError, TypeError, IndexError), 500 for the others; the
worker keeps serving.
"""

import importlib
import importlib.util
import inspect
import json
import os
import sys

INPUT_ERRORS = (ValueError, KeyError, TypeError, IndexError, AssertionError)


class FunctionLoadError(Exception):
    """A function named in the spec cannot be loaded: the worker does not start."""


class UserCodeError(Exception):
    """A user function failed on a request: answered with `status` and a message naming it."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def workspace():
    return os.path.realpath(os.environ.get("SEXTANT_WORKSPACE") or os.getcwd())


def load_function(spec, root=None):
    """The callable a `module:function` or `file.py:function` names."""
    root = root or workspace()
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise ValueError(f"'{spec}' is not module:function or path/to/file.py:function")
    if target.endswith(".py"):
        file = os.path.realpath(os.path.join(root, target))
        if os.path.commonpath([file, root]) != root:
            raise ValueError(f"'{spec}': {target} is outside the workspace {root}")
        if not os.path.isfile(file):
            raise ValueError(f"'{spec}': no file {file}")
        module_name = "sextant_user_" + "".join(c if c.isalnum() else "_" for c in target)
        loader = importlib.util.spec_from_file_location(module_name, file)
        module = importlib.util.module_from_spec(loader)
        sys.modules[module_name] = module
        loader.loader.exec_module(module)
    else:
        if root not in sys.path:
            sys.path.insert(0, root)
        module = importlib.import_module(target)
    function = getattr(module, name, None)
    if not callable(function):
        raise ValueError(f"'{spec}': {target} has no function {name}")
    return function


def load_named(role, spec, root):
    try:
        return load_function(spec, root)
    except Exception as error:
        raise FunctionLoadError(
            f"the {role} function '{spec}': {type(error).__name__}: {error}"
        ) from error


def takes_two(function):
    """Whether a function takes a second positional argument (the input, for postprocess)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def call(role, spec, function, *args):
    """Calls user code; its exception becomes a {@link UserCodeError} naming the function."""
    try:
        return function(*args)
    except Exception as error:
        status = 400 if isinstance(error, INPUT_ERRORS) else 500
        detail = str(error).strip() or "(no message)"
        raise UserCodeError(
            status, f"{role} function '{spec}' failed: {type(error).__name__}: {detail}"
        ) from error


class Processing:
    """The pre- and post-processing functions of one served model, from the environment."""

    def __init__(self, pre, post):
        root = workspace()
        self.pre_spec = pre
        self.post_spec = post
        self.pre = load_named("preprocess", pre, root) if pre else None
        self.post = load_named("postprocess", post, root) if post else None
        self.post_takes_input = bool(self.post and takes_two(self.post))

    @staticmethod
    def from_environment():
        pre = os.environ.get("SEXTANT_PREPROCESS") or None
        post = os.environ.get("SEXTANT_POSTPROCESS") or None
        return Processing(pre, post) if pre or post else None

    def before(self, data):
        if not self.pre:
            return data
        return call("preprocess", self.pre_spec, self.pre, data)

    def after(self, predictions, data):
        if not self.post:
            return predictions
        if self.post_takes_input:
            return call("postprocess", self.post_spec, self.post, predictions, data)
        return call("postprocess", self.post_spec, self.post, predictions)


def parse_raw(item, scoring, pd, np, oip_to_numpy):
    """A request's input as the user's function sees it, without the model's schema applied."""
    if "csv" in item:
        import io

        return scoring.parse_csv_input(io.StringIO(item["csv"]), None), None
    if "oip" in item:
        arrays = {}
        for tensor in item["oip"]["inputs"]:
            dtype = oip_to_numpy.get(tensor.get("datatype"), "object")
            arrays[tensor["name"]] = np.array(tensor["data"], dtype=dtype).reshape(tensor["shape"])
        columns = {
            name: array.reshape(-1)
            for name, array in arrays.items()
            if array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)
        }
        if len(columns) == len(arrays) and len({len(c) for c in columns.values()}) == 1:
            return pd.DataFrame(columns), None
        return arrays, None
    body = dict(item["mlflow"])
    params = body.pop("params", None)
    return scoring.infer_and_parse_data(body, None), params


class FunctionsWorker:
    """Serves the function steps and combine functions of an inference graph (no model).

    Items: {"call": {"function": SPEC, "item": ITEM}} runs a step on one request's input;
    {"call": {"function": SPEC, "item": ITEM, "results": [RESULT, ...]}} combines the results of
    an ensemble's steps: the function gets a list of their outputs (arrays, or dicts of arrays
    for OIP) and the request's input. Answers are {"predictions"} or {"outputs"} as the item's
    protocol wants.
    """

    def __init__(self, answer, parse):
        self.answer = answer
        self.parse = parse
        root = workspace()
        self.functions = {
            spec: load_named("graph", spec, root)
            for spec in json.loads(os.environ.get("SEXTANT_FUNCTIONS") or "[]")
        }

    def handle_one(self, request, np):
        spec = request["function"]
        function = self.functions.get(spec)
        if function is None:
            return {"error": f"the function '{spec}' is not loaded in this worker", "status": 500}
        item = request["item"]
        try:
            data, _ = self.parse(item)
        except Exception as error:
            return {"error": f"cannot read the input of '{spec}': {error}", "status": 400}
        try:
            if "results" in request:
                outputs = [self.output_of(r, np) for r in request["results"]]
                value = call("combine", spec, function, outputs, data)
            else:
                value = call("step", spec, function, data)
            return self.answer(item, value)
        except UserCodeError as error:
            return {"error": str(error), "status": error.status}

    @staticmethod
    def output_of(result, np):
        if "outputs" in result:
            return {
                o["name"]: np.asarray(o["data"]).reshape(o["shape"]) for o in result["outputs"]
            }
        return np.asarray(result["predictions"])
