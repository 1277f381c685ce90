"""A small External Script server to copy: serves XML scripts from a folder and reacts to APIdaze's parameters.

APIdaze fetches your script with a GET (``session_id``, ``uuid``, ``caller_id_number``, ``destination_number``,
``caller_username``, ``url``; then ``dialed_digits`` after a ``<bind>``, ``bridge_status`` after a ``<dial>`` and
``exiting=true`` when the instructions run out). This server answers ``<folder>/<path>`` as ``text/xml`` and
chooses a file from the parameters where a real app would (see ``choose``). Scripts written for
``http://127.0.0.1:8081`` keep working on any port: that prefix is replaced with the server's own address.

    python examples/script_server.py --port 8081 --root fixtures/scripts
    apidaze-mock check-script http://127.0.0.1:8081/ivr.xml
    apidaze-mock call http://127.0.0.1:8081/ivr.xml --dtmf 1

Only the standard library: copy the file and change ``choose``.
"""

from __future__ import annotations

import argparse
import mimetypes
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

WRITTEN_FOR = "http://127.0.0.1:8081"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "scripts"


def choose(path: str, params: Mapping[str, str]) -> str:
    """The file that answers ``path``: where your app looks at the call and decides."""
    if path == "/call-forward/after-dial.xml":
        # The forward was answered: say goodbye; busy or no answer: voicemail.
        answered = params.get("bridge_status") == "SUCCESS"
        return "/call-forward/goodbye.xml" if answered else "/call-forward/voicemail.xml"
    return path


class ScriptServer:
    """The server in a thread: ``with ScriptServer(root) as server: ... server.url ... server.requests``.

    ``requests`` lists ``(path, params)`` of every fetch, so a test can see what APIdaze (or the emulator) sent.
    ``redirects`` maps a path to a location answered with a 302.
    """

    def __init__(
        self,
        root: Path = DEFAULT_ROOT,
        host: str = "127.0.0.1",
        port: int = 0,
        redirects: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.redirects = dict(redirects or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, params: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, dict(params)))
        if path in self.redirects:
            return 302, {"Location": self.redirects[path]}, b""
        file = (self.root / choose(path, params).lstrip("/")).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return 404, {"Content-Type": "text/plain"}, b"no such script\n"
        body = file.read_bytes().replace(WRITTEN_FOR.encode(), self.url.encode())
        # APIdaze wants text/xml; other files keep their own type, so a mistake shows up in the test endpoint.
        kind = "text/xml" if file.suffix == ".xml" else mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return 200, {"Content-Type": f"{kind}; charset=utf-8"}, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, headers, body = server.answer(parts.path, dict(parse_qsl(parts.query)))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet; ``server.requests`` keeps what matters

        return Handler

    def start(self) -> ScriptServer:
        # A short poll interval makes stop() quick: shutdown() waits for the loop's next look.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="script-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ScriptServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve External Scripts from a folder, as text/xml.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="folder of XML scripts")
    args = parser.parse_args()
    server = ScriptServer(args.root, args.host, args.port)
    print(f"serving {server.root} on {server.url}")
    server.serve_forever()


if __name__ == "__main__":
    main()
