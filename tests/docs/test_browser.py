"""The built site in a real browser: Debian's chromium, headless, driven over DevTools.

Serves the strictly built site on loopback, then checks what only a browser shows: a lab page
renders its task table, the client-side search finds a lab by a word of its guide, and diagrams
are drawn without internet. The screenshots stay in build/artifacts/docs/ for CI to keep.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "artifacts" / "docs"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # a container's /dev/shm is 64 MB: too small for a tab's memory
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-pipe",
)

pytestmark = [pytest.mark.docs, pytest.mark.slow]


class DevTools:
    """The smallest Chrome DevTools Protocol client, over `--remote-debugging-pipe`.

    Chromium reads commands on its fd 3 and writes answers and events on its fd 4, each message
    a JSON text ended by a NUL byte: no port, no websocket library.
    """

    def __init__(self, commands: int, answers: int, log: Path) -> None:
        """Talk to the browser through two pipe ends: ours to write, ours to read.

        LOG is where chromium writes its standard error: quoted when it stops answering.
        """
        self.commands, self.answers, self.log = commands, answers, log
        self.buffer = b""
        self.last_id = 0
        self.session: str | None = None

    def _receive(self, deadline: float, method: str) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.answers], [], [], max(0, deadline - time.monotonic()))
            said = self.log.read_text(errors="replace")[-2000:]
            assert ready, f"chromium did not answer {method} in time; it said: {said}"
            chunk = os.read(self.answers, 1 << 20)
            assert chunk, f"chromium exited during {method}; it said: {said}"
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, timeout: float = 60, **params: Any) -> dict[str, Any]:
        """Run one command (in the page, once attached) and return its result."""
        self.last_id += 1
        command: dict[str, Any] = {"id": self.last_id, "method": method, "params": params}
        if self.session:
            command["sessionId"] = self.session
        os.write(self.commands, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == self.last_id:  # anything else is an event: not needed
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def attach(self) -> None:
        """Open a tab and send every later command to it."""
        # The first answer waits for the browser to start: slow on a busy machine.
        target = self.send("Target.createTarget", timeout=180, url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its JSON value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            time.sleep(0.2)
        raise AssertionError(f"the page never satisfied: {expression}")

    def open(self, url: str) -> None:
        """Load a URL and wait for its document to be complete."""
        self.send("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the viewport."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site over HTTP on a free loopback port; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that keeps the test output clean."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    """Headless chromium with a fresh profile; yields a DevTools client attached to a tab."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is needed (apt-get install chromium; ./dev installs it)"
    profile = tmp_path_factory.mktemp("chromium-profile")
    to_browser, from_browser = os.pipe(), os.pipe()

    def on_fds_3_and_4() -> None:  # in the child, before exec: where chromium expects the pipe
        os.dup2(to_browser[0], 3)
        os.dup2(from_browser[1], 4)

    log = profile / "stderr.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            preexec_fn=on_fds_3_and_4,
            pass_fds=(3, 4, to_browser[0], from_browser[1]),
        )
    os.close(to_browser[0])
    os.close(from_browser[1])
    try:
        tools = DevTools(to_browser[1], from_browser[0], log)
        tools.attach()
        tools.send("Page.enable")
        yield tools
    finally:
        os.close(to_browser[1])
        os.close(from_browser[0])
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_lab_page_renders_its_task_table(
    browser: DevTools, server: str, labs_hook: ModuleType
) -> None:
    """The first lab's page shows a table listing every visible task id, with its points."""
    lab = labs_hook.load().labs()[0]
    browser.open(f"{server}labs/{lab.id}/")
    rows = browser.wait_for(
        "[...document.querySelectorAll('article .admonition.abstract table tr')]"
        ".map(tr => [...tr.cells].map(td => td.innerText.trim()))"
        ".filter(cells => cells.length === 4 && cells[2])"
    )
    shown = {cells[2]: cells[3] for cells in rows[1:]}
    expected = {task.id: str(task.points) for task in lab.tasks if not task.hidden}
    assert shown == expected
    browser.screenshot(ARTIFACTS / f"lab-{lab.id}.png")


def guide_word(lab: Any, others: list[Path]) -> str:
    """A word of the lab's guide prose that no other page of the site uses."""
    guide = re.sub(r"```.*?```", " ", lab.guide_path.read_text(encoding="utf-8"), flags=re.S)
    elsewhere = " ".join(path.read_text(encoding="utf-8").lower() for path in others)
    title = lab.title.lower()
    for word in re.findall(r"\b[a-z]{8,}\b", guide):
        if word not in elsewhere and word not in title:
            return word
    raise AssertionError(f"{lab.guide_path} has no word of its own")


def test_search_finds_a_lab_by_a_word_of_its_guide(
    browser: DevTools, server: str, labs_hook: ModuleType
) -> None:
    """The client-side search, given a word only one guide uses, lists that lab's page."""
    labs = labs_hook.load().labs()
    lab = labs[0]
    others = [other.guide_path for other in labs[1:]] + sorted((REPO / "docs").rglob("*.md"))
    word = guide_word(lab, others)
    browser.open(f"{server}?q={word}")
    links = browser.wait_for(
        "[...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)"
    )
    assert any(f"/labs/{lab.id}/" in link for link in links), (word, links)
    browser.screenshot(ARTIFACTS / "search.png")


def test_mermaid_diagrams_render_offline(browser: DevTools, server: str) -> None:
    """A concept page's diagram becomes a drawing, with the Mermaid served by the site itself."""
    browser.open(f"{server}concepts/vms-and-containers/")
    height = browser.wait_for(
        "document.querySelector('pre.mermaid') === null"
        " && document.querySelector('div.mermaid')?.getBoundingClientRect().height"
    )
    assert height > 100, f"the diagram is {height}px high: not drawn"
