/**
 * The step launcher's program, run with
 * `python3 -I -S -X utf8 -c <program> <cpu> <gpu> <memMb> <graceSeconds> <gpuIds>`:
 * a small long-lived process that starts step commands for Node, because forking it is cheap and
 * forking Node (its whole page tables, on Node's main thread) is not. It is also the local
 * scheduler: it holds the steps it is given until the resources they need are free (first come,
 * first served, out of the capacity on its command line), so the next step starts the moment one
 * ends, without a round trip through Node. A step that declares n GPUs gets n of `<gpuIds>` (comma
 * separated) of its own, named in its `CUDA_VISIBLE_DEVICES`. When Node goes away (its end of
 * stdin closes, also when Node is killed) the launcher stops the steps it started, each process
 * group with SIGTERM and, after the grace period, SIGKILL, and exits: no step outlives the
 * Sextant that ran it.
 *
 * Protocol, Node to launcher (stdin): one JSON object a line, either a step,
 * `{"id": n, "cmd": "...", "cwd": "...", "need": [cpu, gpu, memMb], "env": {...}, "set": {...}}`,
 * whose environment is `set` over `env`, where a step without `env` uses the last one sent;
 * or `{"cancel": n}`, which drops step n if it has not started (Node stops a started one itself).
 * Launcher to Node (stdout), lines of ASCII, output bytes framed by a length:
 * - `R` once, when it is ready;
 * - `S <id> <pid> <gpus>`: the step started as `sh -c <cmd>`, in process group `<pid>`, holding
 *   `<gpus>` (comma separated; `-` for none);
 * - `O <id> <1|2> <length>` then `<length>` bytes of the step's stdout (1) or stderr (2);
 * - `X <id> <code> <signal>`: the step's process exited and both its output pipes closed (like
 *   Node's `close`); `<code>` is `-` when a signal (a number) ended it, `<signal>` is `-` else.
 * - `C <id>`: the step was cancelled before it started.
 * - `E <id> <message>`: the step could not be started (`message` as hex of its UTF-8).
 */
export const LAUNCHER_SCRIPT = String.raw`
import collections, json, os, select, signal, sys, time

if sys.version_info < (3, 8):
    sys.exit("the step launcher needs Python 3.8 or newer (posix_spawn)")

free = [float(x) for x in sys.argv[1:4]]
grace = float(sys.argv[4])
# The GPUs no step holds, by the names CUDA_VISIBLE_DEVICES takes: a step that declares n GPUs
# gets n of them of its own.
gpus = [g for g in sys.argv[5].split(",") if g]
outbox = []

def send(data):
    outbox.append(data)

def flush():
    view = memoryview(b"".join(outbox))
    outbox.clear()
    while view:
        view = view[os.write(1, view):]

wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
os.set_blocking(wake_r, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
# Ctrl-C in a terminal reaches the whole foreground group, this process with Node: Node cancels
# the run (and stops the steps itself), and this process goes on until Node closes its stdin.
signal.signal(signal.SIGINT, signal.SIG_IGN)
# epoll (poll where there is none) directly, not through the selectors module, whose calls cost
# more than the rest of a step's bookkeeping.
if hasattr(select, "epoll"):
    poll, READ = select.epoll(), select.EPOLLIN
else:
    poll, READ = select.poll(), select.POLLIN
poll.register(0, READ)
poll.register(wake_r, READ)
steps = {}
pipes = {}
waiting = collections.OrderedDict()
base_env = {}
pending = b""
cwd = None

def give_back(step):
    need = step["need"]
    for i in range(3):
        free[i] += need[i]
    gpus.extend(step["gpus"])

def finish(step):
    if step["open"] == 0 and step["status"] is not None:
        code, sig = step["status"]
        send(b"X %d %s %s\n" % (step["id"], code, sig))
        del steps[step["pid"]]
        give_back(step)

def fail(sid, error):
    send(b"E %d %s\n" % (sid, str(error).encode().hex().encode()))

def receive(line):
    global base_env
    request = json.loads(line)
    if "cancel" in request:
        if waiting.pop(int(request["cancel"]), None) is not None:
            send(b"C %d\n" % int(request["cancel"]))
        return
    if "env" in request:
        base_env = request["env"]
    env = dict(base_env)
    env.update(request.get("set", {}))
    request["env"] = env
    request["need"] = [float(x) for x in request["need"]]
    waiting[int(request["id"])] = request

def pump():
    while waiting:
        sid, request = next(iter(waiting.items()))
        need = request["need"]
        if any(need[i] > free[i] + 1e-9 for i in range(3)):
            return
        del waiting[sid]
        start(sid, request)

def start(sid, request):
    global cwd
    try:
        # posix_spawn starts the child with vfork: nothing of this process is copied. The
        # child inherits the working directory, so the launcher moves there first.
        if request["cwd"] != cwd:
            cwd = None
            os.chdir(request["cwd"])
            cwd = request["cwd"]
    except OSError as error:
        return fail(sid, error)
    need = request["need"]
    held = gpus[: int(need[1])]
    env = request["env"]
    if held:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(held)
    try:
        out_r, out_w = os.pipe()
    except OSError as error:
        return fail(sid, error)
    try:
        err_r, err_w = os.pipe()
    except OSError as error:
        os.close(out_r)
        os.close(out_w)
        return fail(sid, error)
    try:
        pid = os.posix_spawn(
            "/bin/sh",
            ["sh", "-c", request["cmd"]],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setpgroup=0,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD, signal.SIGINT),
        )
    except (OSError, ValueError) as error:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        return fail(sid, error)
    os.close(out_w)
    os.close(err_w)
    # Left blocking: a pipe is read once each time epoll reports it readable, which a read
    # answers at once (the bytes there, or end of file).
    for i in range(3):
        free[i] -= need[i]
    del gpus[: len(held)]
    step = {"id": sid, "pid": pid, "open": 2, "status": None, "need": need, "gpus": held}
    steps[pid] = step
    pipes[out_r] = (step, 1)
    pipes[err_r] = (step, 2)
    poll.register(out_r, READ)
    poll.register(err_r, READ)
    send(b"S %d %d %s\n" % (sid, pid, ",".join(held).encode() or b"-"))
    # At once: Node can stop only the process groups it has heard of, should this process die.
    flush()

def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        step = steps.get(pid)
        if step is None:
            continue
        if os.WIFSIGNALED(status):
            step["status"] = (b"-", b"%d" % os.WTERMSIG(status))
        else:
            step["status"] = (b"%d" % os.WEXITSTATUS(status), b"-")
        finish(step)

def stop_all():
    groups = [step["pid"] for step in steps.values()]
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.02)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass

send(b"R\n")
while True:
    pump()
    flush()
    try:
        events = poll.poll()
    except InterruptedError:
        events = ()
    for fd, _ in events:
        if fd == 0:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                stop_all()
                try:
                    flush()
                except OSError:
                    pass
                # At once: Node waits for this exit, and there is nothing left to tidy.
                os._exit(0)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    receive(line)
        elif fd == wake_r:
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            reap()
        else:
            entry = pipes.get(fd)
            if entry is None:
                continue
            step, stream = entry
            try:
                data = os.read(fd, 1 << 16)
            except InterruptedError:
                continue
            except OSError:
                data = b""
            if data:
                send(b"O %d %d %d\n" % (step["id"], stream, len(data)) + data)
            else:
                poll.unregister(fd)
                os.close(fd)
                del pipes[fd]
                step["open"] -= 1
                finish(step)
    reap()
`;
