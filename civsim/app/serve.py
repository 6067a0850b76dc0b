"""``civsim app``: the explorer served on localhost by Solara's server, in its own process.

The server runs :mod:`civsim.app.ui` (``solara run civsim.app.ui``) with the
folder of scenarios in :data:`FOLDER_ENV`, so the same
component serves the browser and JupyterLab. The server finds this civsim
whether it is installed or run from a checkout.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from civsim.errors import CivsimError

__all__ = ["DEFAULT_PORT", "FOLDER_ENV", "app_command", "check_address", "serve", "server_env"]

#: Solara's own default port.
DEFAULT_PORT = 8765
#: Solara's usage statistics off: the explorer is a local tool.
NO_CALLS_HOME = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
#: The environment variable naming the folder of scenarios the explorer offers.
FOLDER_ENV = "CIVSIM_APP_SCENARIOS"


def app_command(
    host: str = "localhost", port: int = DEFAULT_PORT, open_browser: bool = False
) -> list[str]:
    """The command line that serves the explorer.

    Examples
    --------
    >>> app_command(port=8800)[3:]
    ['run', 'civsim.app.ui', '--host', 'localhost', '--port', '8800', '--production', '--no-open']
    """
    return [
        sys.executable,
        *("-m", "solara", "run", "civsim.app.ui"),
        *("--host", host, "--port", str(port), "--production"),
        "--open" if open_browser else "--no-open",
    ]


def check_address(host: str, port: int) -> None:
    """Refuse an address the server could not listen on, before starting it.

    The server would print its own error and exit 3 after starting; a port another
    program holds is the usual reason (a second explorer, say).

    Raises
    ------
    CivsimError
        If ``host:port`` cannot be bound now.

    Examples
    --------
    >>> with socket.socket() as taken:
    ...     taken.bind(("localhost", 0))
    ...     taken.listen()
    ...     check_address("localhost", taken.getsockname()[1])
    Traceback (most recent call last):
    ...
    civsim.errors.CivsimError: cannot listen on localhost:...
    """
    # as the server (uvicorn) binds: IPv6 for an address with a colon, and a port that a
    # closed server left waiting is free to it
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        # the reason the server would give, and what to change: the port if another program
        # (another explorer?) holds it, the host if it is no address of this machine
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            fix = "another program (another explorer?) holds it: choose another with --port"
        elif isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            fix = "give --host an address of this machine (localhost, 127.0.0.1, 0.0.0.0)"
        else:
            fix = "choose another --port or --host"
        raise CivsimError(f"cannot listen on {host}:{port}: {reason}; {fix}") from None


def server_env(folder: str | Path) -> dict[str, str]:
    """The server's environment: the scenarios' folder, this civsim on the path, no statistics."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CivsimError(f"{folder}: no such folder of scenarios")
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, FOLDER_ENV: str(folder.resolve()), "PYTHONPATH": path, **NO_CALLS_HOME}


def serve(
    folder: str | Path = "scenarios",
    host: str = "localhost",
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
    announce: Callable[[str], object] | None = None,
) -> int:
    """Serve the explorer on ``host:port`` until interrupted; the server's exit code.

    ``announce`` is given a line saying where the explorer is (``civsim app:
    http://localhost:8765 (Ctrl-C stops it)``) once the folder and the address have been
    checked, before the server starts.

    Raises
    ------
    CivsimError
        If ``folder`` is not a folder, Solara (the ``app`` extra) is not installed, or
        the server could not listen on ``host:port`` (:func:`check_address`).
    """
    env = server_env(folder)
    if importlib.util.find_spec("solara") is None:
        raise CivsimError("civsim app needs Solara: pip install -e '.[app]'")
    check_address(host, port)
    if announce is not None:
        announce(f"civsim app: http://{host}:{port} (Ctrl-C stops it)")
    try:
        return subprocess.run(
            app_command(host, port, open_browser), env=env, check=False
        ).returncode
    except KeyboardInterrupt:
        return 0
