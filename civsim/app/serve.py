"""``civsim app``: the explorer served on localhost by Solara's server, in its own process.

The server runs :mod:`civsim.app.ui` (``solara run civsim.app.ui``) with the
folder of scenarios in :data:`FOLDER_ENV`, so the same
component serves the browser and JupyterLab. The server finds this civsim
whether it is installed or run from a checkout.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from civsim.errors import CivsimError

__all__ = ["DEFAULT_PORT", "FOLDER_ENV", "app_command", "serve", "server_env"]

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
) -> int:
    """Serve the explorer on ``host:port`` until interrupted; the server's exit code.

    Raises
    ------
    CivsimError
        If ``folder`` is not a folder, or Solara (the ``app`` extra) is not installed.
    """
    env = server_env(folder)
    if importlib.util.find_spec("solara") is None:
        raise CivsimError("civsim app needs Solara: pip install -e '.[app]'")
    try:
        return subprocess.run(
            app_command(host, port, open_browser), env=env, check=False
        ).returncode
    except KeyboardInterrupt:
        return 0
