"""A worker forked before it resets the main process's SIGTERM handler (the start-up window,
which a loaded machine widens) dies quietly with 143 when the run stops it, as the default
action would: no traceback from code where the unwinding cannot propagate. The main process
still unwinds (exit 143 through SystemExit)."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = r"""
import functools, os, signal, sys, time
from cleaner.cli import _stop_on_sigterm

signal.signal(signal.SIGTERM, functools.partial(_stop_on_sigterm, os.getpid()))
child = os.fork()
if child == 0:
    try:
        time.sleep(30)
    finally:
        sys.stderr.write("child unwound\n")  # only an unwinding child gets here
    os._exit(0)
time.sleep(0.2)
os.kill(child, signal.SIGTERM)
_, status = os.waitpid(child, 0)
print(os.waitstatus_to_exitcode(status))
try:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
except SystemExit as stop:
    print("main", stop.code)
"""


def test_a_forked_child_dies_quietly_and_the_main_process_unwinds() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.split() == ["143", "main", "143"]
    assert proc.stderr == ""
