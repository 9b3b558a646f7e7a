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
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "artifacts" / "docs"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

pytestmark = [pytest.mark.docs, pytest.mark.slow]


class DevTools:
    """The smallest Chrome DevTools Protocol client: commands in, their results out."""

    def __init__(self, socket: ClientConnection) -> None:
        """Wrap an open DevTools websocket of one page."""
        self.socket = socket
        self.last_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Run one command and return its result; events arriving meanwhile are dropped."""
        self.last_id += 1
        self.socket.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

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
    """Headless chromium with a fresh profile; yields a DevTools client on its first page."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is needed (apt-get install chromium; ./dev installs it)"
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            assert process.poll() is None, f"chromium exited with {process.returncode}"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            tools = DevTools(socket)
            tools.send("Page.enable")
            yield tools
    finally:
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
