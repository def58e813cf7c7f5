"""hub/static/js/live.js on close code 4401, run in Node with a stand-in for the browser.

A socket closed for any other reason reconnects (after a backoff); one closed with 4401 (its
session ended, docs/realtime.md#revocation-s9) is never reopened and the page goes to the
sign-in page, returning here after. The real browser path is covered by the Playwright tests;
this one is cheap and exact about timers and navigation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import hub

LIVE_JS = Path(hub.__file__).parent / "static" / "js" / "live.js"

# A minimal window/document: one element subscribing to a channel, WebSocket instances recorded,
# timers kept in a list and fired by the script, navigation recorded instead of performed.
_HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const sockets = [], timers = [], visits = [];
class FakeSocket {
  constructor(url) { this.url = url; this.sent = []; this.readyState = 0; sockets.push(this); }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() {}
}
FakeSocket.OPEN = 1;
const element = { getAttribute: (n) => ({ "data-live-channel": "network:x" })[n] || null };
const body = {
  getAttribute: () => null, appendChild: () => {},
};
const document = {
  body,
  querySelectorAll: (s) => (s === "[data-live-channel]" ? [element] : []),
  querySelector: () => null, getElementById: () => null, addEventListener: () => {},
  createElement: () => ({ setAttribute() {}, className: "", hidden: false }),
};
const location = {
  protocol: "http:", host: "hub.test", pathname: "/n/x", search: "?p=1", href: "http://hub.test/n/x?p=1",
  assign: (url) => visits.push(url), reload: () => visits.push("reload"),
};
const window = { WebSocket: FakeSocket, addEventListener: () => {} };
const context = {
  window, document, location, WebSocket: FakeSocket, JSON, Math, Date, Object, console,
  encodeURIComponent, parseInt,
  setTimeout: (fn) => { timers.push(fn); return timers.length; },
  clearTimeout: (id) => { if (id) timers[id - 1] = null; },
  setInterval: () => 0, clearInterval: () => {},
  fetch: () => new Promise(() => {}),
};
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), context);
function fire() { const due = timers.splice(0); due.forEach((fn) => fn && fn()); }
const report = {};
const first = sockets[0];
first.readyState = 1; first.onopen();
report.subscribed = first.sent;
first.onclose({ code: 1006 });
report.after1006 = { timers: timers.filter(Boolean).length, visits: visits.slice() };
fire();
report.socketsAfterRetry = sockets.length;
const second = sockets[sockets.length - 1];
second.readyState = 1; second.onopen();
second.onclose({ code: 4401 });
report.after4401 = { timers: timers.filter(Boolean).length, visits: visits.slice() };
fire();
report.socketsAtEnd = sockets.length;
console.log(JSON.stringify(report));
"""


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed")
    return found


def test_4401_goes_to_the_sign_in_page_and_never_reconnects(node: str, tmp_path: Path) -> None:
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS)
    done = subprocess.run(
        [node, str(harness), str(LIVE_JS)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["subscribed"] == [{"type": "subscribe", "channel": "network:x", "since": None}]
    # Any other close: a reconnect is scheduled, the page stays.
    assert report["after1006"] == {"timers": 1, "visits": []}
    assert report["socketsAfterRetry"] == 2
    # 4401: straight to the sign-in page, coming back here; nothing scheduled, no new socket.
    assert report["after4401"] == {"timers": 0, "visits": ["/signin?next=%2Fn%2Fx%3Fp%3D1"]}
    assert report["socketsAtEnd"] == 2
