"""Run the command line in real child processes forked from one warm interpreter.

The kill and resume tests start hundreds of ``cleaner`` processes, and most of each one's time
was Python starting: imports, then the first compile of the packs' CSS selectors and patterns.
Here one server process imports ``cleaner`` and loads the packs once (which fills ``re``'s compile
cache), then forks a child per run. Each child is still a separate process
with its own pid and process group: it gets a real SIGKILL, a real Ctrl-C, its own workers and
its own exit status, as from ``subprocess``. Only a test that needs a fresh interpreter (Ray, the
install tests) keeps ``subprocess``.

The protocol is one JSON line per request on the server's stdin, and per child one line when it
starts (its pid) and one when it ends (its exit status) on the server's stdout.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# What ``python -m cleaner`` runs, as the code of a warm child.
CLI_MAIN = "import sys\nfrom cleaner import cli\nsys.exit(cli.main(sys.argv[1:]))\n"

SERVER = r"""
import atexit, json, os, select, signal, sys, traceback
PROTOCOL = os.dup(1)  # replies go here; whatever else writes to stdout goes nowhere
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
import cleaner.cli
from cleaner.pipeline import Cleaner
for rules in sys.argv[1:]:  # fills the compile caches the children inherit
    Cleaner.from_paths([rules])

def _interpreter_exit():
    # As the interpreter ends: non-daemon threads and concurrent.futures' exit hook (which
    # joins executor threads) first, then atexit; the reverse lets a pool's teardown thread
    # race multiprocessing's finalizers.
    import threading
    threading._shutdown()
    atexit._run_exitfuncs()

def child(req):
    os.close(PROTOCOL)
    os.setsid()  # its own process group, as a test's killpg expects
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    sys.argv = ["-c", *req["argv"]]
    code = 0
    try:
        exec(compile(req["code"], "<test>", "exec"), {"__name__": "__main__"})
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:  # as CPython ends on an uncaught Ctrl-C: killed by SIGINT
        _interpreter_exit()
        sys.stdout.flush(); sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        traceback.print_exc()
        code = 1
    _interpreter_exit()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = code or 120
    os._exit(code)

children = {}
pending = b""
stdin_open = True
while stdin_open or children:
    ready = select.select([0], [], [], 0.02)[0] if stdin_open else []
    if ready:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            stdin_open = False
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            req = json.loads(line)
            pid = os.fork()
            if pid == 0:
                try:
                    child(req)
                finally:
                    os._exit(121)
            children[pid] = req["id"]
            os.write(PROTOCOL, (json.dumps({"id": req["id"], "pid": pid}) + "\n").encode())
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        ident = children.pop(pid, None)
        if ident is not None:
            rc = os.waitstatus_to_exitcode(status)
            os.write(PROTOCOL, (json.dumps({"id": ident, "rc": rc}) + "\n").encode())
"""


class _Server:
    """The warm interpreter and a thread that hands each reply to the run waiting for it."""

    def __init__(self) -> None:
        from tests.conftest import RULES

        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(RULES)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "CI": "1"},
        )
        self.lock = threading.Lock()
        self.replies: dict[int, dict[str, Any]] = {}
        self.changed = threading.Condition(self.lock)
        self.ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            reply = json.loads(line)
            with self.changed:
                self.replies.setdefault(reply["id"], {}).update(reply)
                self.changed.notify_all()
        with self.changed:  # the server is gone: wake every waiter
            self.replies[0] = {"gone": True}
            self.changed.notify_all()

    def start(self, request: dict[str, Any]) -> int:
        with self.lock:
            ident = next(self.ids)
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps({**request, "id": ident}) + "\n").encode())
            self.proc.stdin.flush()
        return ident

    def wait_for(self, ident: int, key: str, timeout: float | None) -> Any:
        with self.changed:
            ok = self.changed.wait_for(
                lambda: key in self.replies.get(ident, {}) or 0 in self.replies, timeout
            )
            if key not in self.replies.get(ident, {}):
                if not ok:
                    raise subprocess.TimeoutExpired("warm child", timeout or 0)
                raise RuntimeError("the warm server ended")
            return self.replies[ident][key]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


_server: _Server | None = None
_server_lock = threading.Lock()


def _the_server() -> _Server:
    global _server
    with _server_lock:
        if _server is None or _server.proc.poll() is not None:
            _server = _Server()
            atexit.register(_server.close)
        return _server


class WarmProcess:
    """A child forked from the warm interpreter: ``pid``, ``wait()``, ``returncode``, and its
    output once it has ended."""

    def __init__(
        self,
        code: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self._server = _the_server()
        self._folder = tempfile.TemporaryDirectory(prefix="warm-")
        self._out = Path(self._folder.name) / "stdout"
        self._err = Path(self._folder.name) / "stderr"
        self._id = self._server.start(
            {
                "code": code,
                "argv": [str(a) for a in argv],
                "env": dict(os.environ if env is None else env),
                "cwd": str(cwd),
                "stdout": str(self._out),
                "stderr": str(self._err),
            }
        )
        self.pid: int = self._server.wait_for(self._id, "pid", 60)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            reply = self._server.replies.get(self._id, {})
            if "rc" in reply:
                self.returncode = reply["rc"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self._server.wait_for(self._id, "rc", timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def killpg(self, sig: int) -> bool:
        """Send ``sig`` to the child's process group; whether it was still there. The warm
        server reaps the child before its exit status reaches us, so ``poll()`` can still say
        running when the group is gone."""
        if self.poll() is not None:
            return False
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            return False
        return True

    def output(self) -> tuple[bytes, bytes]:
        self.wait()
        return self._out.read_bytes(), self._err.read_bytes()

    def close(self) -> None:
        self._folder.cleanup()


def run_warm(
    code: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float | None = 600,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run([python, "-c", code, *argv], capture_output=True)``, from the warm
    interpreter."""
    child = WarmProcess(code, argv, env, cwd)
    try:
        rc = child.wait(timeout)
        out, err = child.output()
    finally:
        child.close()
    if text:
        return subprocess.CompletedProcess(
            argv, rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        )
    return subprocess.CompletedProcess(argv, rc, out, err)
