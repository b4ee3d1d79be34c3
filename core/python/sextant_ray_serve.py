"""Sextant's Ray Serve deployer: one MLflow pyfunc model as a Ray Serve application.

Started by Sextant's Ray Serve runtime (core/src/serving/rayServe.ts) as
`python sextant_ray_serve.py SETTINGS_JSON`, with a Python that has ray[serve]. SETTINGS_JSON holds
"address" (the cluster's GCS address, or "auto"), "name" (the application), "model_dir",
"min_replicas", "max_replicas", "http_host" and "http_port" (Ray Serve's HTTP proxy).

The model's files and Sextant's serving worker (sextant_serve.py, beside this file) travel to the
replicas inside the deployment's arguments, so a replica on any node of the cluster loads the model
as Sextant's own Python worker does and answers the same items: POST {"items": [ITEM, ...]} to the
application's route gives {"results": [RESULT, ...]} (see sextant_serve.py).

Out, once on stdout: {"ready": true, "url", "describe": {...}, "replicas": {state: count}} or
{"fatal": "..."}. The application is deleted when stdin closes.
"""

import json
import os
import sys
import traceback


def model_files(model_dir):
    files = {}
    for root, _, names in os.walk(model_dir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, model_dir)] = f.read()
    return files


def make_deployment(serve):
    @serve.deployment
    class SextantModel:
        def __init__(self, files, worker_source):
            import tempfile
            import types

            model_dir = tempfile.mkdtemp(prefix="sextant-model-")
            for rel, content in files.items():
                path = os.path.join(model_dir, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(content)
            module = types.ModuleType("sextant_serve")
            exec(compile(worker_source, "sextant_serve.py", "exec"), module.__dict__)
            os.environ.setdefault("MLFLOW_IS_IN_SERVING_ENVIRONMENT", "true")
            self.module = module
            self.worker = module.Worker(model_dir)

        def describe(self):
            return json.loads(json.dumps(self.worker.describe(), cls=self.worker.encoder))

        def encode(self, message):
            try:
                return json.dumps(message, cls=self.worker.encoder, allow_nan=False)
            except ValueError:
                plain = json.loads(json.dumps(message, cls=self.worker.encoder))
                return json.dumps(self.module.finite(plain))

        async def __call__(self, request):
            from starlette.responses import Response

            try:
                items = (await request.json())["items"]
            except Exception as error:
                return Response(json.dumps({"error": f"not a frame of items: {error}"}), status_code=400)
            try:
                results = self.worker.handle(items)
            except Exception as error:
                message = f"the serving replica failed: {self.module.message_of(error)}"
                results = [{"error": message, "status": 500} for _ in items]
            return Response(self.encode({"results": results}), media_type="application/json")

    return SextantModel


def main():
    settings = json.loads(sys.argv[1])
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        import ray
        from ray import serve

        ray.init(address=settings["address"], namespace="sextant", log_to_driver=False)
        serve.start(http_options={"host": settings["http_host"], "port": settings["http_port"]})
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "sextant_serve.py")) as f:
            worker_source = f.read()
        name = settings["name"]
        low, high = settings["min_replicas"], settings["max_replicas"]
        scaling = (
            {"num_replicas": low}
            if low == high
            else {"autoscaling_config": {"min_replicas": low, "max_replicas": high, "target_ongoing_requests": 2}}
        )
        app = make_deployment(serve).options(**scaling).bind(model_files(settings["model_dir"]), worker_source)
        prefix = f"/sextant/{name}"
        handle = serve.run(app, name=name, route_prefix=prefix, blocking=False)
        describe = handle.describe.remote().result()
        status = serve.status().applications[name].deployments["SextantModel"]
        replicas = {getattr(state, "value", str(state)): count for state, count in status.replica_states.items()}
    except Exception as error:
        traceback.print_exc()
        out.write(json.dumps({"fatal": f"cannot deploy on Ray Serve: {error}"}) + "\n")
        out.flush()
        return 1
    host = settings["http_host"]
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{settings['http_port']}{prefix}"
    out.write(json.dumps({"ready": True, "url": url, "describe": describe, "replicas": replicas}) + "\n")
    out.flush()
    sys.stdin.read()
    try:
        serve.delete(name)
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
