"""A real Synapse homeserver for tests and benchmarks: loopback, SQLite, a temp folder.

``SynapseServer(folder).start()`` writes a minimal ``homeserver.yaml`` (no federation,
no telemetry, rate limits lifted, one application service for the fake bridge), runs
``python -m synapse.app.homeserver`` as a child process and waits for
``/_matrix/client/versions``. Users are made through shared-secret registration.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_NAME = "linkdeck.test"
BRIDGE_LOCALPART = "metabot"
PUPPET_PREFIX = "meta_"

_UNLIMITED = {"per_second": 100000, "burst_count": 100000}


@functools.cache
def tls() -> ssl.SSLContext:
    """The one TLS context of every test HTTP client (``verify=tls()``).

    The homeserver is plain HTTP on loopback, but httpx builds a context for each new
    client all the same, loading the CA bundle: some 20 ms of CPU each time, which was
    a third of the Matrix tests' own CPU (every ``httpx.get``, every ``Peer``).
    """
    return ssl.create_default_context()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MatrixUser:
    """A user registered on the test homeserver."""

    user_id: str
    password: str
    access_token: str
    device_id: str


def _write_signing_key(path: Path) -> None:
    from signedjson.key import generate_signing_key, write_signing_keys

    with path.open("w") as handle:
        write_signing_keys(handle, [generate_signing_key("a_test")])


def _config(folder: Path, port: int, shared_secret: str, appservice: Path) -> str:
    import json

    limits = {
        "rc_message": _UNLIMITED,
        "rc_registration": _UNLIMITED,
        "rc_login": {
            "address": _UNLIMITED,
            "account": _UNLIMITED,
            "failed_attempts": _UNLIMITED,
        },
        "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
        "rc_joins_per_room": _UNLIMITED,
        "rc_invites": {
            "per_room": _UNLIMITED,
            "per_user": _UNLIMITED,
            "per_issuer": _UNLIMITED,
        },
        "rc_admin_redaction": _UNLIMITED,
        "rc_room_creation": _UNLIMITED,
        "rc_presence": {"per_user": _UNLIMITED},
        "rc_delayed_event_mgmt": _UNLIMITED,
        "rc_reports": _UNLIMITED,
    }
    settings = {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "log_config": str(folder / "log.yaml"),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": shared_secret,
        "report_stats": False,
        "bcrypt_rounds": 4,
        "enable_metrics": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "enable_registration": False,
        "presence": {"enabled": False},
        # Bookkeeping no test reads: every event would pay for it.
        "user_directory": {"enabled": False},
        "push": {"enabled": False},
        "stats": {"enabled": False},
        "federation_sender_instances": [],
        "caches": {"global_factor": 2.0},
        "app_service_config_files": [str(appservice)],
        "max_upload_size": "1M",
        **limits,
    }
    # JSON is YAML: no need for a YAML writer in the tests.
    return json.dumps(settings, indent=1)


_LOG_CONFIG = """\
version: 1
formatters:
  plain: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}
handlers:
  file: {class: logging.FileHandler, formatter: plain, filename: 'LOGFILE'}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


class SynapseServer:
    """One Synapse process on a free loopback port, with its files in ``folder``."""

    def __init__(self, folder: Path, *, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.shared_secret = secrets.token_hex(16)
        self.as_token = "as-" + secrets.token_hex(16)
        self.hs_token = "hs-" + secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0
        self._launched_at = 0.0
        self._prepare()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "media").mkdir(exist_ok=True)
        _write_signing_key(self.folder / "signing.key")
        (self.folder / "log.yaml").write_text(
            _LOG_CONFIG.replace("LOGFILE", str(self.folder / "homeserver.log"))
        )
        appservice = self.folder / "fakebridge.yaml"
        appservice.write_text(
            "\n".join(
                [
                    "id: fakebridge",
                    "url: null",
                    f"as_token: {self.as_token}",
                    f"hs_token: {self.hs_token}",
                    f"sender_localpart: {BRIDGE_LOCALPART}",
                    "rate_limited: false",
                    "namespaces:",
                    "  users:",
                    f"    - {{exclusive: true, regex: '@{PUPPET_PREFIX}.*:{SERVER_NAME}'}}",
                    "  aliases: []",
                    "  rooms: []",
                    "",
                ]
            )
        )
        (self.folder / "homeserver.yaml").write_text(
            _config(self.folder, self.port, self.shared_secret, appservice)
        )

    def start(self, timeout: float = 120.0) -> None:
        """Run the homeserver and wait until it answers (its database persists)."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Run the homeserver process without waiting for it (see ``wait_ready``).

        The process is tied to the thread that launches it (see ``_die_with_parent``).
        """
        self._launched_at = time.monotonic()
        log = (self.folder / "stdout.log").open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", "homeserver.yaml"],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until the launched homeserver answers ``/_matrix/client/versions``."""
        assert self.process is not None, "launch() first"
        began = self._launched_at
        deadline = time.monotonic() + timeout
        with httpx.Client(verify=tls(), timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    tail = (self.folder / "stdout.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"synapse exited with {self.process.returncode}:\n{tail}")
                try:
                    if http.get(f"{self.url}/_matrix/client/versions").status_code == 200:
                        self.started_in = time.monotonic() - began
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {timeout:.0f}s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def register(self, localpart: str, *, admin: bool = False) -> MatrixUser:
        """A new user through shared-secret registration (``/_synapse/admin/v1/register``)."""
        password = "pw-" + secrets.token_hex(8)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10, verify=tls()).json()["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _mac(self.shared_secret, nonce, localpart, password, admin),
        }
        reply = httpx.post(endpoint, json=body, timeout=30, verify=tls())
        reply.raise_for_status()
        data = reply.json()
        return MatrixUser(data["user_id"], password, data["access_token"], data["device_id"])


def _die_with_parent() -> None:
    """In the child: a killed test run (timeout, kill -9) takes its homeserver with it.

    Linux ties this to the thread that started the child: keep that thread alive.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(nonce.encode())
    mac.update(b"\x00")
    mac.update(user.encode())
    mac.update(b"\x00")
    mac.update(password.encode())
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()
