"""A page in headless Chromium through the DevTools protocol: its console errors, every request
it made, values read from its DOM, a screenshot and its load time.

The system ``chromium`` (Debian's package; ``.ci/run`` installs it) is driven over a websocket
(``websocket-client``); nothing is downloaded.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    seconds: float = 0.0
    values: Any = None


class _Cdp:
    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(method)
            self.events.append(json.loads(self.ws.recv()))


@contextmanager
def chromium(binary: str | None = None) -> Iterator[_Cdp]:
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium")
    profile = tempfile.mkdtemp(prefix="cleaner-chromium-")
    args = [
        binary,
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if time.monotonic() > end or proc.poll() is not None:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = port_file.read_text().splitlines()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        cdp = _Cdp(page["webSocketDebuggerUrl"])
        try:
            yield cdp
        finally:
            cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def load_page(
    path: Path, js: str | None = None, screenshot: Path | None = None, binary: str | None = None
) -> PageLoad:
    """Open ``path``; collect errors and requests; evaluate ``js`` (a JSON-returning
    expression); save a full-page PNG to ``screenshot``."""
    url = path.resolve().as_uri()
    load = PageLoad(url)
    with chromium(binary) as cdp:
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.call(f"{domain}.enable")
        start = time.perf_counter()
        cdp.call("Page.navigate", url=url)
        cdp.wait_for("Page.loadEventFired")
        load.seconds = time.perf_counter() - start
        if js is not None:
            got = cdp.call("Runtime.evaluate", expression=js, returnByValue=True)
            load.values = got["result"].get("value")
        if screenshot is not None:
            size = cdp.call(
                "Runtime.evaluate",
                expression="[document.documentElement.scrollWidth,"
                "document.documentElement.scrollHeight]",
                returnByValue=True,
            )["result"]["value"]
            cdp.call(
                "Emulation.setDeviceMetricsOverride",
                width=int(size[0]),
                height=min(int(size[1]), 16000),
                deviceScaleFactor=1,
                mobile=False,
            )
            shot = cdp.call("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        for e in cdp.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Network.requestWillBeSent":
                load.requests.append(params["request"]["url"])
            elif method == "Runtime.exceptionThrown":
                load.errors.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                load.errors.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                load.errors.append(params["entry"].get("text", "")[:500])
    return load


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
