"""The browser dashboard (`alignsim viz`): a Mesa SolaraViz app, served by Solara.

Needs the `viz` extra (solara, solara-assets, altair, ipyvuetify<3; solara-assets serves the page's
JavaScript from this machine, without a CDN). Importing this package needs none of it;
`serve` says what is missing.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from pathlib import Path

from ..scenario import InputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.viz.app"


def _require_viz_extra() -> None:
    missing = []
    for module in ("solara", "altair", "ipyvuetify", "mesa.visualization"):
        try:
            __import__(module)
        except ImportError as exc:
            missing.append(f"{module} ({exc})")
            break
    if missing:
        raise InputError(
            "the dashboard needs the viz extra: pip install -e '.[viz]' (could not import "
            + ", ".join(missing) + ")"
        )


def _check_free(host: str, port: int) -> None:
    """Fail early, as bad input, on an address that cannot be listened on."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r} is not an address of this machine ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError(f"cannot serve on {host}:{port}: {exc.strerror}; choose another --port") from None


def serve(scenario: str | Path | None = None, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
          open_browser: bool = False) -> None:
    """Serve the dashboard at http://HOST:PORT/ until interrupted (Ctrl-C); blocks.

    Ctrl-C stops the server and raises KeyboardInterrupt, as any interrupted call does.
    `scenario` is the file opened first (default: scenarios/eurasia_2024.yaml); a scenario that
    fails its check opens too, showing its problems in the page. Binds 127.0.0.1 by default:
    pass `host="0.0.0.0"` to let other machines in. Raises InputError if the viz extra is
    missing. Port 0 picks a free port.
    """
    if not 0 <= int(port) < 65536:
        raise InputError(f"--port must be between 0 and 65535, got {port}")
    _check_free(host, int(port))
    if scenario is not None:
        os.environ["ALIGNSIM_VIZ_SCENARIO"] = str(scenario)
    # Nothing leaves this machine: no usage telemetry (and no version check against PyPI, below).
    # Set before Solara reads its settings; a user's own setting wins.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # The tab's title while the page loads (the page then names its scenario), not "Solara".
    os.environ.setdefault("SOLARA_THEME_TITLE", "alignsim")
    # Noise for a user, not theirs to fix: Mesa's SolaraViz trips Solara's rules-of-hooks lint, and
    # Solara explains cookie policy for plain http on every page load.
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    # Ctrl-C landing after Solara printed the address but before uvicorn awaited its server leaves
    # that coroutine unawaited (seen once in CI): nothing was served, so nothing to report.
    warnings.filterwarnings("ignore", message="coroutine 'Server.serve' was never awaited", category=RuntimeWarning)
    _require_viz_extra()

    if scenario is not None:
        from .model import load

        loaded = load(str(scenario))
        for issue in loaded.issues:
            print(f"warning: {issue}", file=sys.stderr)

    from solara.__main__ import run

    args = [APP, "--host", str(host), "--port", str(int(port)), "--production", "--no-check-version",
            "--log-level-uvicorn", "warning", "--theme-loader", "plain"]
    args.append("--open" if open_browser else "--no-open")
    import click

    try:
        run.main(args=args, prog_name="alignsim viz", standalone_mode=False)
    except click.exceptions.Abort:
        # Solara's command line turns Ctrl-C into click's Abort; callers handle an interrupt as such.
        raise KeyboardInterrupt from None


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "serve"]
