"""The five servers one benchmark run compares: how each is found, started on its core, watched and stopped.

- ``default``: the emulator as users start it, ``python -m mock_server --fixtures ... --port P`` (access log on,
  written to a file);
- ``no-access-log``: the same with ``--no-access-log``;
- ``bare``: ``benchmarks/bare_app.py``, a Starlette app on stock uvicorn answering from memory: the ceiling;
- ``prism``: ``prism mock`` on the contract (npm ``@stoplight/prism-cli``);
- ``wiremock``: WireMock standalone (the jar inside the npm ``wiremock`` package) on Java, with stubs made from the
  contract's examples (``stubs.py``).

Prism and WireMock are looked for under ``$APIDAZE_BENCH_TOOLS`` (default ``~/.cache/apidaze-mock-bench``, where
``benchmarks/install-tools.sh`` puts them), then on ``PATH``. A server that is missing, or does not start, is left
out of the run with the reason in the report; the run goes on without it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from endpoints import API, HEALTH_PATH, MOCK_TOKEN
from stubs import CONTRACT

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures.yaml"
TOOLS_ENV = "APIDAZE_BENCH_TOOLS"
DEFAULT_TOOLS = Path("~/.cache/apidaze-mock-bench")
WIREMOCK_JOURNAL = 1000  # the emulator's journal keeps the last 1000 calls (docs/control-plane.md): the same bound
SERVER_KEYS = ("default", "no-access-log", "bare", "prism", "wiremock")


@dataclass(frozen=True)
class Pinning:
    server: list[str]
    load: list[str]
    description: str


def pinning(enabled: bool) -> Pinning:
    """Every server on the first core, the load generator on the second, where taskset and two cores exist."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    taskset = shutil.which("taskset")
    if not enabled:
        return Pinning([], [], "not pinned (--no-pin)")
    if taskset is None or len(cores) < 2:
        return Pinning([], [], f"not pinned ({'no taskset' if taskset is None else f'{len(cores)} core(s)'})")
    server, load = str(cores[0]), str(cores[1])
    return Pinning(
        [taskset, "-c", server], [taskset, "-c", load], f"servers on core {server}, load generator on core {load}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


# --- finding the tools ----------------------------------------------------------------------------------------


def tools_dir() -> Path:
    return Path(os.environ.get(TOOLS_ENV) or DEFAULT_TOOLS).expanduser()


def find_prism(tools: Path, search_path: str | None = None) -> Path | None:
    installed = tools / "node_modules" / ".bin" / "prism"
    if installed.exists():
        return installed
    found = shutil.which("prism", path=search_path)
    return Path(found) if found else None


def find_wiremock_jar(tools: Path, search_path: str | None = None) -> Path | None:
    """The standalone jar the npm package ships, in the tools directory or beside a ``wiremock`` on PATH."""
    packages = [tools / "node_modules" / "wiremock"]
    found = shutil.which("wiremock", path=search_path)
    if found:
        packages.append(Path(found).resolve().parent)
    for package in packages:
        jars = sorted((package / "build").glob("wiremock-standalone-*.jar"))
        if jars:
            return jars[-1]
    return None


def tool_version(command: Sequence[str]) -> str:
    if not command:
        return ""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
        text = (done.stdout or done.stderr).strip().splitlines()
        return text[0] if text else "unknown"
    return "unknown"


# --- what each server is --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSpec:
    key: str  # one of SERVER_KEYS
    label: str  # its column heading
    kind: str  # which request it gets (endpoints.Endpoint.request): "emulator", "bare" or "mock"
    argv: tuple[str, ...]  # "{port}" and "{work}" are filled in at start
    ready_path: str  # answers 200 once the server is up
    ready_headers: tuple[tuple[str, str], ...] = ()
    missing: str | None = None  # why it cannot run here
    version: str = ""  # what it is, before what version_command prints
    version_command: tuple[str, ...] = ()  # prints its version (first line)

    def command(self, pin: Pinning, port: int, work: Path) -> list[str]:
        return [*pin.server, *(part.format(port=port, work=work) for part in self.argv)]

    @property
    def shown(self) -> str:
        """The command line as the report shows it."""
        text = " ".join(self.argv).replace("{port}", "PORT").replace("{work}", "WORK")
        text = text.replace(sys.executable, "python").replace(str(HERE.parent) + "/", "")
        return text.replace(str(Path.home()), "~")


def emulator_spec(key: str, options: Sequence[str] = ()) -> ServerSpec:
    argv = (sys.executable, "-m", "mock_server", "--fixtures", str(FIXTURES), "--port", "{port}", *options)
    label = "emulator (default flags)" if not options else f"emulator {' '.join(options)}"
    return ServerSpec(key, label, "emulator", argv, HEALTH_PATH)


def server_specs(tools: Path) -> dict[str, ServerSpec]:
    """Every server, with the reason it cannot run where a tool is missing."""
    specs = {
        "default": emulator_spec("default"),
        "no-access-log": emulator_spec("no-access-log", ["--no-access-log"]),
        "bare": ServerSpec(
            "bare",
            "bare Starlette",
            "bare",
            (sys.executable, str(HERE / "bare_app.py"), "--port", "{port}", "--bodies", "{work}/answers.json"),
            f"{API}/sipaccounts",
        ),
    }
    bearer = (("Authorization", f"Bearer {MOCK_TOKEN}"),)
    prism = find_prism(tools)
    specs["prism"] = ServerSpec(
        "prism",
        "Prism",
        "mock",
        (str(prism or "prism"), "mock", str(CONTRACT), "--host", "127.0.0.1", "--port", "{port}"),
        f"{API}/sipaccounts",
        bearer,
        missing=None if prism else f"prism not found in {tools} or on PATH (benchmarks/install-tools.sh)",
        version="@stoplight/prism-cli",
        version_command=(str(prism), "--version") if prism else (),
    )
    jar, java = find_wiremock_jar(tools), shutil.which("java")
    missing = None
    if jar is None:
        missing = f"the wiremock npm package was not found in {tools} or on PATH (benchmarks/install-tools.sh)"
    elif java is None:
        missing = "java is not installed"
    specs["wiremock"] = ServerSpec(
        "wiremock",
        "WireMock",
        "mock",
        (
            java or "java",
            "-jar",
            str(jar or "wiremock-standalone.jar"),
            "--port",
            "{port}",
            "--bind-address",
            "127.0.0.1",
            "--root-dir",
            "{work}/wiremock",
            "--disable-banner",
            "--max-request-journal-entries",
            str(WIREMOCK_JOURNAL),
        ),
        "/__admin/health",
        missing=missing,
        version=f"{jar.stem} on" if jar else "",
        version_command=(java, "-version") if jar and java else (),
    )
    return specs


# --- a running server -----------------------------------------------------------------------------------------


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a launcher's child does the work for some tools)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return tree


def _cpu_ticks(pid: int) -> int:
    """User and system time of every thread of ``pid``, living or ended, in clock ticks."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return 0


class Server:
    """A server process we started: waits for its first 200, reports CPU time and memory, and is always stopped."""

    def __init__(self, spec: ServerSpec, pin: Pinning, work: Path, timeout: float = 60.0) -> None:
        self.spec = spec
        self.port = free_port()
        self.log = work / f"{spec.key}.log"
        with self.log.open("wb") as log:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(  # noqa: S603
                spec.command(pin, self.port, work), stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self.startup_seconds = self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> float:
        deadline = self.started + timeout
        headers = dict(self.spec.ready_headers)
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.spec.key} exited with {self.process.returncode}: {self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if call(self.port, "GET", self.spec.ready_path, headers=headers, timeout=1.0)[0] == 200:
                    return time.perf_counter() - self.started
            time.sleep(0.005)
        raise RuntimeError(
            f"{self.spec.key} did not answer 200 on {self.spec.ready_path} in {timeout:g} s: {self.log_tail()}"
        )

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and anything it started, all threads counted (the JVM's too)."""
        ticks = sum(_cpu_ticks(pid) for pid in _process_tree(self.process.pid))
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory(self, field: str = "VmHWM") -> int:
        """Resident memory in bytes: peak (VmHWM) or now (VmRSS)."""
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
        return 0

    def pause(self) -> None:
        """Stop the server and what it started (SIGSTOP): an idle JVM or Node keeps compiling and collecting on
        the shared core, and took up to a third of it from the server being measured."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, number: int) -> None:
        for pid in _process_tree(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    def stop(self) -> None:
        self.resume()  # a stopped process would not act on SIGTERM
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        print(f"  stopped {self.spec.key} (pid {self.process.pid})", flush=True)


@contextlib.contextmanager
def alone(server: Server, servers: Iterable[Server]) -> Iterator[Server]:
    """``server`` with every other one paused, so nothing idle shares its core while it is measured."""
    others = [other for other in servers if other is not server]
    for other in others:
        other.pause()
    try:
        yield server
    finally:
        for other in others:
            other.resume()


@contextlib.contextmanager
def running(spec: ServerSpec, pin: Pinning, work: Path) -> Iterator[Server]:
    server = Server(spec, pin, work)
    try:
        yield server
    finally:
        server.stop()
