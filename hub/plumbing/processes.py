"""`hub serve --processes N`: N serving processes on one listening socket, and their supervisor.

The parent (the `hub serve` the operator started) migrates, starts the embedded Redis and binds
the listening socket once; then it runs N children. Each child is `hub serve` again, in a fresh
interpreter, handed the socket's file descriptor: it builds an app of its own (engine, real-time
service on the shared Redis bus, in-process worker, garbage-collection policy) and accepts on
the shared socket; the kernel gives each new connection to one of the processes waiting in
accept(), and an idle one is the first there.

Why children started with subprocess and `pass_fds`, not multiprocessing or uvicorn's own
supervisor:
- fork would copy the parent after its migration (the event loop, the database driver's
  threads and connections, the logging locks as they were at that moment); a fresh interpreter
  inherits nothing but the socket. multiprocessing's "spawn" gives one too, but starts a
  resource-tracker process besides the children and runs them under its own bootstrap.
- uvicorn's supervisor needs the app as an import string (ours is built from the settings with
  the worker handed in), and cannot tell a child that never started (bad configuration: restarting
  it forever helps nobody) from one that died while serving (restarting it is the right answer).
- A child is an ordinary `hub serve` process: visible as such in `ps`, logging to the same
  stderr, in a session of its own (a terminal's Ctrl-C reaches the parent alone, which stops the
  children with SIGTERM, each once), and dying with the parent (PR_SET_PDEATHSIG) if the parent
  is killed without cleaning up.

One shared socket rather than one per child with SO_REUSEPORT: a child that dies takes no queued
connection with it; the others accept what waits.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

_PR_SET_PDEATHSIG = 1
STOP_TIMEOUT = 60.0  # seconds the children have to stop gracefully before they are killed
RESTARTS = 5  # a child that dies this many times ...
RESTART_WINDOW = 60.0  # ... within this many seconds is not restarted again: everything stops
READY = b"ready"

# The command that runs child `slot` given the inherited socket's and ready pipe's descriptors.
Command = Callable[[int, int], list[str]]


def cores() -> int:
    """The cores this process may run on (its CPU affinity), for HUB_PROCESSES=auto."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def die_with_parent() -> None:
    """Runs in a child between fork and exec: the kernel sends it SIGTERM when its parent dies.

    The kernel signals the child when the *thread* that started it ends, so start children from
    a thread that lives as long as the parent (the main thread in `hub serve`).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The listening TCP socket every child accepts on (inheritable)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def tell_ready(fd: int) -> None:
    """In a child: tell the parent it accepts connections (once; the pipe is closed after)."""
    try:
        os.write(fd, READY)
    finally:
        os.close(fd)


def say(line: str) -> None:
    print(f"hub: {line}", file=sys.stderr, flush=True)


def describe(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


@dataclass
class Child:
    slot: int
    process: subprocess.Popen[bytes]
    ready_fd: int | None  # the read end of its ready pipe, until it has answered
    ready: bool = False


@dataclass
class Supervisor:
    """Runs `count` children on `listener` until SIGTERM or SIGINT, restarting one that dies."""

    listener: socket.socket
    count: int
    command: Command
    env: dict[str, str]
    stopped_by: int | None = None  # the signal that asked for the stop
    children: dict[int, Child] = field(default_factory=dict)
    deaths: dict[int, list[float]] = field(default_factory=dict)

    def run(self) -> int:
        """0 after a stop that was asked for and went cleanly; 1 otherwise (said why)."""
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        self._wake = wake_r
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)}
        old_wakeup = signal.set_wakeup_fd(wake_w)
        # Handlers only take note; the loop below acts, woken by the byte CPython writes to
        # the wakeup pipe for every signal (SIGCHLD included: a child ended).
        signal.signal(signal.SIGTERM, self._asked_to_stop)
        signal.signal(signal.SIGINT, self._asked_to_stop)
        signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
        failed = True
        try:
            for slot in range(self.count):
                if self.stopped_by is None:
                    self._start(slot)
            failed = not self._watch()
        finally:
            failed = not self._stop_all() or failed
            signal.set_wakeup_fd(old_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            os.close(wake_r)
            os.close(wake_w)
        return 1 if failed else 0

    def _asked_to_stop(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopped_by is None:
            self.stopped_by = signum

    def _start(self, slot: int) -> None:
        ready_r, ready_w = os.pipe()
        try:
            process = subprocess.Popen(  # noqa: S603
                self.command(self.listener.fileno(), ready_w),
                env=self.env,
                stdin=subprocess.DEVNULL,
                pass_fds=(self.listener.fileno(), ready_w),
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except BaseException:
            os.close(ready_r)
            raise
        finally:
            os.close(ready_w)  # the child's copy is the only one: its end gives us EOF
        self.children[slot] = Child(slot, process, ready_r)

    def _wait(self, timeout: float) -> list[int]:
        """Until a signal or a child's word, at most `timeout`; the ready pipes that answered."""
        pipes = [c.ready_fd for c in self.children.values() if c.ready_fd is not None]
        try:
            readable, _, _ = select.select([self._wake, *pipes], [], [], timeout)
        except InterruptedError:  # pragma: no cover (PEP 475 retries; kept for clarity)
            return []
        if self._wake in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake, 512):
                    pass
        return [fd for fd in readable if fd != self._wake]

    def _watch(self) -> bool:
        """Serve until asked to stop (True), or until a child cannot be kept running (False)."""
        while self.stopped_by is None:
            answered = self._wait(1.0)  # the timeout is a safety net: signals wake it at once
            for child in self.children.values():
                if child.ready_fd is not None and child.ready_fd in answered:
                    child.ready = os.read(child.ready_fd, len(READY)) == READY
                    os.close(child.ready_fd)
                    child.ready_fd = None
            for child in list(self.children.values()):
                code = child.process.poll()
                if code is None or self.stopped_by is not None:
                    continue
                if not self._replace(child, code):
                    return False
        return True

    def _replace(self, child: Child, code: int) -> bool:
        if child.ready_fd is not None:
            os.close(child.ready_fd)
            child.ready_fd = None
        pid, slot = child.process.pid, child.slot
        if not child.ready:
            say(f"process {slot} (pid {pid}) {describe(code)} before serving: stopping")
            del self.children[slot]
            return False
        now = time.monotonic()
        recent = [t for t in self.deaths.get(slot, []) if now - t < RESTART_WINDOW] + [now]
        self.deaths[slot] = recent
        if len(recent) >= RESTARTS:
            say(
                f"process {slot} (pid {pid}) {describe(code)}, {len(recent)} times within "
                f"{RESTART_WINDOW:.0f} s: stopping"
            )
            del self.children[slot]
            return False
        say(f"process {slot} (pid {pid}) {describe(code)}: starting it again")
        self._start(slot)
        return True

    def _stop_all(self) -> bool:
        """SIGTERM to every child, then wait for all (killing those past STOP_TIMEOUT); True if
        each stopped cleanly."""
        for child in self.children.values():
            if child.ready_fd is not None:
                os.close(child.ready_fd)
                child.ready_fd = None
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(c.process.poll() is None for c in self.children.values()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wait(min(remaining, 1.0))
        clean = True
        for child in self.children.values():
            process = child.process
            if process.poll() is None:
                process.kill()
                process.wait()
                say(f"process {child.slot} (pid {process.pid}) did not stop in time: killed")
                clean = False
            # Stopped by our SIGTERM before it could handle it (still starting) is clean too.
            elif process.returncode not in (0, -signal.SIGTERM):
                say(f"process {child.slot} (pid {process.pid}) {describe(process.returncode)}")
                clean = False
        self.children.clear()
        return clean
