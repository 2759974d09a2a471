"""Drive Debian's headless Chromium over the DevTools protocol, on a pipe, with the stdlib only.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from file
descriptor 3 and writes replies and events to descriptor 4, one JSON message per NUL-ended
chunk: no websocket, no port, no Selenium, nothing downloaded. :func:`open_page` loads a
page, waits until the report says it has drawn every chart, and returns what a test needs:
console errors, uncaught exceptions, every network request the page made, the result of
JavaScript probes and, on request, a full-page screenshot.

Run as a script to make the README's screenshot::

    python -m tests.report.chromium evplan-output/china-export/report.html docs/report.png
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe")


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above 9 and close-on-exec (so only the dup2'd copies leak)."""
    read, write = os.pipe()
    high = (fcntl.fcntl(read, fcntl.F_DUPFD_CLOEXEC, 10),
            fcntl.fcntl(write, fcntl.F_DUPFD_CLOEXEC, 10))
    os.close(read)
    os.close(write)
    return high


def find_chromium() -> str | None:
    """Path of the Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What happened while a page loaded and drew."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes | None = None
    seconds: float = 0.0


class Chromium:
    """A headless Chromium process spoken to over the DevTools pipe."""

    def __init__(self, binary: str, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.profile = tempfile.mkdtemp(prefix="evplan-chromium-")
        to_browser_read, to_browser_write = _high_pipe()
        from_browser_read, from_browser_write = _high_pipe()
        # posix_spawn wires the pipe ends to descriptors 3 and 4 without running Python in
        # the child (no preexec_fn, safe when the test process has threads); the browser
        # gets its own process group so that cleanup can reach its helper processes.
        self.pid = os.posix_spawn(
            binary, [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            os.environ,
            file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                          (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                          (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                          (os.POSIX_SPAWN_DUP2, to_browser_read, 3),
                          (os.POSIX_SPAWN_DUP2, from_browser_write, 4)],
            setpgroup=0)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._to_browser = to_browser_write
        self._from_browser = from_browser_read
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return True
            time.sleep(0.05)
        return False

    # -- protocol -------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events met meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout_s
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.events.append(self._read_message(deadline))
            except TimeoutError:
                return

    def close(self) -> None:
        """Close the browser and remove its profile."""
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        if not self._wait(10):
            os.killpg(self.pid, signal.SIGKILL)  # the browser's own process group
            self._wait(10)
        else:
            try:  # helpers of an exited browser, if any are left
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for descriptor in (self._to_browser, self._from_browser):
            try:
                os.close(descriptor)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _evaluate(browser: Chromium, session: str, expression: str) -> Any:
    result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session)
    if "exceptionDetails" in result:
        raise RuntimeError(f"{expression!r} failed: {result['exceptionDetails']}")
    return result["result"].get("value")


def open_page(path: Path, probes: dict[str, str] | None = None, screenshot: bool = False,
              width: int = 1360, binary: str | None = None, timeout_s: float = 90.0,
              max_height: int | None = None) -> PageReport:
    """Load ``path`` in headless Chromium, wait until every chart has drawn, and report.

    The page signals it is done by setting ``data-rendered`` (or ``data-render-error``) on
    ``<body>``. ``probes`` maps names to JavaScript expressions evaluated afterwards.
    """
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed")
    url = path.resolve().as_uri()
    started = time.monotonic()
    with Chromium(binary, timeout_s) as browser:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target,
                                                         "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable", {}, session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                     session)
        browser.send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + timeout_s
        state = None
        while time.monotonic() < deadline:
            state = _evaluate(browser, session,
                              "document.body ? [document.body.getAttribute('data-rendered'), "
                              "document.body.getAttribute('data-render-error')] : null")
            if state and (state[0] or state[1]):
                break
            browser.pump(0.2)
        browser.pump(0.5)  # late console messages and requests
        report = PageReport(url)
        report.probes["rendered"] = state
        for name, expression in (probes or {}).items():
            report.probes[name] = _evaluate(browser, session, expression)
        if screenshot:
            height = _evaluate(browser, session, "document.documentElement.scrollHeight")
            height = min(int(height), max_height or int(height))
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": int(height), "deviceScaleFactor": 1,
                          "mobile": False}, session)
            browser.pump(1.0)
            clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                           "captureBeyondViewport": True},
                                session)
            report.screenshot = base64.b64decode(shot["data"])
        for event in browser.events:
            method = event.get("method", "")
            params = event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                "assert"):
                report.console_errors.append(" ".join(
                    str(arg.get("value", arg.get("description", ""))) for arg in
                    params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                report.console_errors.append(params["entry"].get("text", ""))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                report.exceptions.append(details.get("exception", {}).get(
                    "description", details.get("text", "")))
            elif method == "Network.requestWillBeSent":
                report.requests.append(params["request"]["url"])
    report.seconds = time.monotonic() - started
    return report


def network_requests(report: PageReport) -> list[str]:
    """Requests other than the page itself and inline ``data:``/``blob:`` images."""
    return [url for url in report.requests
            if url != report.url and not url.startswith(("data:", "blob:"))]


def main(argv: list[str]) -> int:
    """``python -m tests.report.chromium REPORT.html OUT.png [WIDTH [MAX_HEIGHT]]``: a screenshot.

    The page is laid out at WIDTH pixels and captured whole, or its top MAX_HEIGHT pixels.
    """
    source, target = Path(argv[0]), Path(argv[1])
    width = int(argv[2]) if len(argv) > 2 else 1360
    max_height = int(argv[3]) if len(argv) > 3 else None
    report = open_page(source, screenshot=True, width=width, max_height=max_height)
    assert report.screenshot is not None
    target.write_bytes(report.screenshot)
    print(f"{target}: {len(report.screenshot):,} bytes; console errors "
          f"{report.console_errors}; network requests {network_requests(report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
