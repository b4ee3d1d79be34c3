import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A worker that speaks sextant_serve.py's channel without a model: it answers each item with
 * its own text and the size of its frame, after `sleep` seconds; `die` ends the process. Its
 * signature's inputs are those of `signature.json` in its model folder, when there is one.
 */
export const ECHO_WORKER = `
import json, os, struct, sys, time
out = sys.stdout.buffer
def send(m):
    b = json.dumps(m).encode(); out.write(struct.pack(">I", len(b)) + b); out.flush()
signature = os.path.join(sys.argv[1], "signature.json") if len(sys.argv) > 1 else ""
inputs = json.load(open(signature)) if signature and os.path.exists(signature) else None
send({"ready": True, "pid": os.getpid(), "inputs": inputs, "outputs": None, "params": None,
      "inputs_are_tensors": False, "mlflow_version": "test"})
while True:
    h = sys.stdin.buffer.read(4)
    if len(h) < 4: break
    m = json.loads(sys.stdin.buffer.read(struct.unpack(">I", h)[0]))
    results = []
    for item in m["items"]:
        if item.get("die"): os._exit(3)
        time.sleep(item.get("sleep") or item.get("mlflow", {}).get("sleep", 0))
        results.append({"predictions": {"echo": item, "frame": len(m["items"]), "pid": os.getpid()}})
    send({"id": m["id"], "results": results})
`;

/** A temporary folder holding the echo worker's script (the caller removes it). */
export function echoWorker(prefix: string): { dir: string; script: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const script = path.join(dir, 'echo_worker.py');
  fs.writeFileSync(script, ECHO_WORKER);
  return { dir, script };
}
