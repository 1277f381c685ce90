"""HTTPS for ``apidaze-mock --tls``: a certificate for this machine from a local CA made on first use.

KPN's API is HTTPS only, and some clients refuse anything else (requests-oauthlib raises ``InsecureTransportError``
for ``http://``). trustme makes the CA and the server certificate; they live in the user's cache directory
(:func:`cache_dir`), so a client trusts them once, by pointing its CA bundle at ``ca.pem``, and keeps trusting them
across restarts. The certificate names ``localhost``, ``127.0.0.1`` and ``::1``: only this machine.

The CA's key stays beside its certificate, readable by its owner only. Point clients at ``ca.pem`` rather than adding
it to the system's trust store: whoever can read the cache directory could sign certificates with it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs

CACHE_ENV = "APIDAZE_MOCK_CACHE_DIR"
HOST_NAMES = ("localhost", "127.0.0.1", "::1")
# Below the 825 days macOS and iOS accept for a server certificate; renewed a week before it ends.
LEAF_LIFETIME = timedelta(days=800)
RENEW_BEFORE = timedelta(days=7)


@dataclass(frozen=True)
class ServerCertificate:
    """What uvicorn serves (``certfile``, ``keyfile``) and what a client trusts (``ca_bundle``; None: unknown)."""

    certfile: Path
    keyfile: Path
    ca_bundle: Path | None = None


def cache_dir() -> Path:
    """``$APIDAZE_MOCK_CACHE_DIR``, else the user's cache directory (``~/.cache/apidaze-mock`` on Linux)."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else platformdirs.user_cache_path("apidaze-mock", appauthor=False)


def local_certificate(directory: Path | None = None) -> ServerCertificate:
    """The local CA's server certificate for this machine, making the CA (once) and the certificate as needed."""
    # Imported here: trustme and cryptography are some 15 MiB of a process that serves plain HTTP.
    import trustme

    tls_dir = (directory or cache_dir()) / "tls"
    ca_dir = _ca_dir(tls_dir)
    leaf = tls_dir / "localhost.pem"
    if not _valid(leaf):
        ca = trustme.CA.from_pem((ca_dir / "ca.pem").read_bytes(), (ca_dir / "ca-key.pem").read_bytes())
        now = datetime.now(UTC)
        cert = ca.issue_cert(*HOST_NAMES, not_before=now - timedelta(hours=1), not_after=now + LEAF_LIFETIME)
        # Key and chain in one file, replaced in one rename: a server starting meanwhile never reads a mixed pair.
        _write_atomically(leaf, cert.private_key_and_cert_chain_pem.bytes())
    return ServerCertificate(certfile=leaf, keyfile=leaf, ca_bundle=ca_dir / "ca.pem")


def _ca_dir(tls_dir: Path) -> Path:
    """``tls/ca``: made whole in a scratch directory and renamed into place, so two first starts agree on one CA."""
    ca_dir = tls_dir / "ca"
    if (ca_dir / "ca.pem").is_file():
        return ca_dir
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=".ca-", dir=tls_dir))
    import trustme

    try:
        ca = trustme.CA(organization_name="apidaze-mock local CA")
        ca.cert_pem.write_to_path(str(scratch / "ca.pem"))
        _write_private(scratch / "ca-key.pem", ca.private_key_pem.bytes())
        try:
            scratch.rename(ca_dir)
        except OSError:
            if not (ca_dir / "ca.pem").is_file():
                raise
            # Another process made the CA first: use that one.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ca_dir


def _valid(leaf: Path) -> bool:
    from cryptography import x509

    try:
        pem = leaf.read_bytes()
    except FileNotFoundError:
        return False
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return False
    return cert.not_valid_after_utc - RENEW_BEFORE > datetime.now(UTC)


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _write_atomically(path: Path, data: bytes) -> None:
    # A scratch file of its own (mkstemp: owner-only, a unique name), so two writers in one process, two threads
    # starting servers at once, never rename each other's half-written file.
    descriptor, scratch = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
