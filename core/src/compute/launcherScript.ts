/**
 * The step launcher's program, run with `python3 -I -S -X utf8 -c`: a small long-lived process
 * that starts step commands for Node, because forking it is cheap and forking Node (its whole
 * page tables, on Node's main thread) is not.
 *
 * Protocol, Node to launcher (stdin): one JSON object a line,
 * `{"id": n, "cmd": "...", "cwd": "...", "env": {...}}`.
 * Launcher to Node (stdout), lines of ASCII, output bytes framed by a length:
 * - `R` once, when it is ready;
 * - `S <id> <pid>`: the step started as `sh -c <cmd>`, in process group `<pid>`;
 * - `O <id> <1|2> <length>` then `<length>` bytes of the step's stdout (1) or stderr (2);
 * - `X <id> <code> <signal>`: the step's process exited and both its output pipes closed (like
 *   Node's `close`); `<code>` is `-` when a signal (a number) ended it, `<signal>` is `-` else.
 * - `E <id> <message>`: the step could not be started (`message` as hex of its UTF-8).
 */
export const LAUNCHER_SCRIPT = String.raw`
import json, os, selectors, signal, sys

if sys.version_info < (3, 8):
    sys.exit("the step launcher needs Python 3.8 or newer (posix_spawn)")

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
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ, None)
sel.register(wake_r, selectors.EVENT_READ, None)
steps = {}
pipes = {}
pending = b""

def finish(step):
    if step["open"] == 0 and step["status"] is not None:
        code, sig = step["status"]
        send(b"X %d %s %s\n" % (step["id"], code, sig))
        del steps[step["pid"]]

def start(line):
    request = json.loads(line)
    sid = int(request["id"])
    try:
        # posix_spawn starts the child with vfork: nothing of this process is copied. The
        # child inherits the working directory, so the launcher moves there first.
        os.chdir(request["cwd"])
    except OSError as error:
        send(b"E %d %s\n" % (sid, str(error).encode().hex().encode()))
        return
    try:
        out_r, out_w = os.pipe()
    except OSError as error:
        send(b"E %d %s\n" % (sid, str(error).encode().hex().encode()))
        return
    try:
        err_r, err_w = os.pipe()
    except OSError as error:
        os.close(out_r)
        os.close(out_w)
        send(b"E %d %s\n" % (sid, str(error).encode().hex().encode()))
        return
    try:
        pid = os.posix_spawn(
            "/bin/sh",
            ["sh", "-c", request["cmd"]],
            request["env"],
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setpgroup=0,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD),
        )
    except (OSError, ValueError) as error:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        send(b"E %d %s\n" % (sid, str(error).encode().hex().encode()))
        return
    os.close(out_w)
    os.close(err_w)
    os.set_blocking(out_r, False)
    os.set_blocking(err_r, False)
    step = {"id": sid, "pid": pid, "open": 2, "status": None}
    steps[pid] = step
    pipes[out_r] = (step, 1)
    pipes[err_r] = (step, 2)
    sel.register(out_r, selectors.EVENT_READ, None)
    sel.register(err_r, selectors.EVENT_READ, None)
    send(b"S %d %d\n" % (sid, pid))

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

send(b"R\n")
while True:
    flush()
    for key, _ in sel.select():
        fd = key.fd
        if fd == 0:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                flush()
                sys.exit(0)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    start(line)
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
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                send(b"O %d %d %d\n" % (step["id"], stream, len(data)) + data)
            else:
                sel.unregister(fd)
                os.close(fd)
                del pipes[fd]
                step["open"] -= 1
                finish(step)
    reap()
`;
