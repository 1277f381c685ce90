"""Script tests and simulated calls in a process of their own, each within a CPU and a wall-clock budget.

Checking a script is Python work that grows with the script: a 256 KiB script of heavy ``<bind>`` regexes took
seconds of CPU, and four such ``GET /externalscripts/test`` calls at once kept ``/__admin/health`` waiting for 11 s
on the event loop. A thread would not do: it holds the GIL most of the time. So each test and each simulated call
runs whole (fetches, check, walk) in a child process of its own.

The children come from a *zygote*: a plain interpreter this module starts once (:func:`run_zygote`), with the
script modules loaded, that forks one child per call (a few milliseconds). Forking the server itself would copy
its threads' locks mid-use; multiprocessing's fork server would run the user's main module again in every child
(its "safe importing of main module" rule), which a test script without an ``if __name__ == "__main__"`` guard
does not survive.

- **CPU**: a child may spend :attr:`Budget.cpu_seconds` of CPU (``RLIMIT_CPU``). Then it stops where it is and
  answers what it has: the fetched script with a finding, or the transcript so far. One second later the kernel
  kills it, should it not manage that.
- **Wall clock**: a call may take :attr:`Budget.wall_seconds` in all, queueing included. A simulated call is ended
  by the child a second before; the server kills a child still running at the deadline. ``POST /__admin/calls``
  thus has an overall deadline, not only each fetch's time-out.
- **Concurrency**: at most :attr:`Budget.concurrent` children run at once; later calls wait their turn within their
  own deadline.

Whatever a script does, the event loop only waits on a socket: the emulator's other clients never notice. Where
the platform cannot fork (Windows), the work runs in a thread under the wall-clock deadline alone.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from types import FrameType
from typing import Any, TypeVar

from mock_server.scripts.fetch import CallParameters, FetchPolicy, ScriptFetcher, tls_context
from mock_server.scripts.report import ScriptReport, report_on
from mock_server.scripts.simulator import CallScript, Event, simulate
from mock_server.scripts.xmltree import Finding

T = TypeVar("T")
CAN_FORK = hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(signal, "SIGXCPU")
_LENGTH = struct.Struct("!Q")


@dataclass(frozen=True)
class Budget:
    """What one script test or simulated call may spend."""

    cpu_seconds: int = 2
    wall_seconds: float = 15.0
    concurrent: int = 4


DEFAULT_BUDGET = Budget()


class BudgetSpent(Exception):
    """Raised in a child when its CPU budget is spent (``SIGXCPU``)."""


class _Late(Exception):
    """The deadline passed before the child answered."""


def _send(channel: socket.socket, value: Any) -> None:
    data = pickle.dumps(value)
    channel.sendall(_LENGTH.pack(len(data)) + data)


def _receive_exactly(channel: socket.socket, size: int, deadline: float | None) -> bytes:
    data = bytearray()
    while len(data) < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Late
            channel.settimeout(left)
        try:
            chunk = channel.recv(min(size - len(data), 1 << 20))
        except TimeoutError:
            raise _Late from None
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def _receive(channel: socket.socket, deadline: float | None = None) -> Any:
    (size,) = _LENGTH.unpack(_receive_exactly(channel, _LENGTH.size, deadline))
    # Only this module's own processes are at either end: a socketpair handed down from the server.
    return pickle.loads(_receive_exactly(channel, size, deadline))  # noqa: S301


# -- in the child ------------------------------------------------------------------------------------------------


def _spent(signum: int, frame: FrameType | None) -> None:
    raise BudgetSpent


def _serve_one(channel: socket.socket) -> None:
    """A forked child's whole life: its pid, then one piece of work and its answer (or traceback)."""
    channel.sendall(_LENGTH.pack(os.getpid()))
    work, args, cpu_seconds = _receive(channel)
    import resource

    signal.signal(signal.SIGXCPU, _spent)
    # The soft limit signals, the hard one a second later kills: a child cannot outlive its budget.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        answer: tuple[str, Any] = ("ok", work(*args))
    except BaseException as error:  # the server turns it into a 500, with this traceback
        answer = ("error", "".join(traceback.format_exception(error)))
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)  # the answer is ready: let it leave
    _send(channel, answer)


def _warm_up() -> None:
    """Pay once, in the zygote, what a first fetch pays in a fresh process: the TLS context (the CA bundle) and
    the lazy imports of httpx, httpcore and anyio; 100 to 250 ms of every child's fetch otherwise."""
    tls_context()
    # Port 9 (discard) on loopback: refused at once, no answer from anywhere.
    asyncio.run(ScriptFetcher(FetchPolicy())("http://127.0.0.1:9/", {}))


def run_zygote(fd: int) -> None:
    """The zygote's main loop: fork one child per socket the server hands over on ``fd``; end when the server does."""
    control = socket.socket(fileno=fd)
    _warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children: no zombies
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the server closed its end: it is gone
        if os.fork() == 0:
            control.close()
            status = 0
            try:
                _serve_one(socket.socket(fileno=fds[0]))
            except BaseException:
                status = 1
            os._exit(status)
        os.close(fds[0])


# -- in the server -----------------------------------------------------------------------------------------------


_ZYGOTE_MAIN = f"import sys; from {__name__} import run_zygote; run_zygote(int(sys.argv[1]))"


class _ZygoteProcess:
    """The zygote as the server sees it: started on first use, started again should it die."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        atexit.register(self.close)

    def _start(self) -> socket.socket:
        self.close()  # one that died
        ours, theirs = socket.socketpair()
        # The server's own import path, so the zygote loads these very modules.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-c", _ZYGOTE_MAIN, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()
        self._control = ours
        return ours

    def close(self) -> None:
        """End the zygote: it leaves when its socket closes (children at work finish their call)."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a zygote that hangs
                self._process.kill()
                self._process.wait()
            self._process = None

    def child(self) -> socket.socket:
        """A socket to a new child of the zygote."""
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                try:
                    socket.send_fds(self._control or self._start(), [b"c"], [theirs.fileno()])
                except OSError:  # the zygote died: start another, once
                    socket.send_fds(self._start(), [b"c"], [theirs.fileno()])
        finally:
            theirs.close()
        return ours


_ZYGOTE = _ZygoteProcess()


def _in_child(budget: Budget, deadline: float, work: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    """In a slot's thread: ``work(*args)`` in a child, as ``("ok", value)``, ``("error", traceback)``,
    ``("late", None)`` or ``("died", None)``."""
    if time.monotonic() >= deadline:
        return "late", None
    if not CAN_FORK:  # pragma: no cover - Windows: a thread, with the deadline checked when it is done
        value = work(*args)
        return ("ok", value) if time.monotonic() < deadline else ("late", None)
    channel = _ZYGOTE.child()
    pid = 0
    try:
        (pid,) = _LENGTH.unpack(_receive_exactly(channel, _LENGTH.size, deadline))
        channel.settimeout(None)
        _send(channel, (work, args, budget.cpu_seconds))
        answer: tuple[str, Any] = _receive(channel, deadline)
        pid = 0  # it answered and ends by itself
        return answer
    except _Late:
        return "late", None
    except (EOFError, OSError):  # killed at its hard CPU limit, or by the system
        return "died", None
    finally:
        channel.close()
        if pid:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(pid, signal.SIGKILL)


@cache
def _slots(size: int) -> concurrent.futures.ThreadPoolExecutor:
    """The threads that hand work to children and wait for their answers, as many as may run at once."""
    return concurrent.futures.ThreadPoolExecutor(size, thread_name_prefix="apidaze-mock-scripts")


class ScriptRunner:
    """Runs script tests and simulated calls in child processes, within ``budget`` (see the module's docstring)."""

    def __init__(self, policy: FetchPolicy, budget: Budget = DEFAULT_BUDGET) -> None:
        self.policy = policy
        self.budget = budget

    async def run(self, work: Callable[..., T], *args: Any) -> T | str:
        """What ``work(*args)`` returned in a child within the budget, or why there is no answer (a phrase).

        ``work`` is a module-level function and ``args`` plain values: both are pickled to the child. An exception
        in the child is raised here as a ``RuntimeError`` carrying its traceback.
        """
        budget = self.budget
        deadline = time.monotonic() + budget.wall_seconds
        running = _slots(budget.concurrent).submit(_in_child, budget, deadline, work, args)
        try:
            # A little past the deadline: a queued call gives up in its thread, a started one is killed there.
            kind, value = await asyncio.wait_for(asyncio.wrap_future(running), budget.wall_seconds + 1)
        except TimeoutError:
            running.cancel()
            kind, value = "late", None
        if kind == "ok":
            result: T = value
            return result
        if kind == "error":
            raise RuntimeError(f"script work failed in its child process:\n{value}")
        if kind == "late":
            return f"it took longer than {budget.wall_seconds:g} s in all, and was stopped"
        return f"its process ended without an answer (it is killed 1 s past its {budget.cpu_seconds} s of CPU)"

    async def inspect(self, url: str, parameters: CallParameters) -> ScriptReport:
        """``GET /externalscripts/test``: fetch ``url`` as APIdaze does and check it (``report.report_on``)."""
        outcome = await self.run(_inspect, self.policy, url, parameters, self.budget.cpu_seconds)
        if isinstance(outcome, ScriptReport):
            return outcome
        return ScriptReport(None, "", "", [Finding(0, "", f"the script test gave no answer: {outcome}")])

    async def simulate(self, script: CallScript) -> list[Event]:
        """``POST /__admin/calls``: the transcript of one simulated call."""
        outcome = await self.run(_simulate, self.policy, script, self.budget)
        if isinstance(outcome, list):
            return outcome
        return [{"type": "hung_up", "by": "simulator", "reason": f"the simulation gave no answer: {outcome}"}]


# -- the work, run in a child --------------------------------------------------------------------------------------


def _inspect(policy: FetchPolicy, url: str, parameters: CallParameters, cpu_seconds: int) -> ScriptReport:
    """Fetch, then check; a spent CPU budget stops the work and says so (beside the script, once fetched)."""
    spent = f"stopped after {cpu_seconds} s of CPU: the script is too heavy to check"
    try:
        result = asyncio.run(ScriptFetcher(policy)(url, parameters.for_url(url)))
    except BudgetSpent:
        return ScriptReport(None, "", "", [Finding(0, "", f"fetching {spent}")])
    try:
        return report_on(result)
    except BudgetSpent:
        return ScriptReport(result.status_code, result.content_type, result.text, [Finding(0, "", f"checking {spent}")])


def _simulate(policy: FetchPolicy, script: CallScript, budget: Budget) -> list[Event]:
    """The call, ended by the simulator when a budget runs out; the transcript so far either way."""
    transcript: list[Event] = []
    # The call's own deadline (the simulator ends it with a hung_up event naming it), a second before the server's,
    # so the transcript still reaches it.
    seconds = max(budget.wall_seconds - 1, budget.wall_seconds / 2)
    script = replace(script, deadline_seconds=min(script.deadline_seconds, seconds))
    fetcher = ScriptFetcher(policy)
    try:
        asyncio.run(simulate(script, fetcher, fetcher.head, events=transcript))
    except BudgetSpent:
        reason = f"the call used more than {budget.cpu_seconds} s of CPU"
        transcript.append({"type": "hung_up", "by": "simulator", "reason": reason})
    return transcript
