"""Make the README's picture of the dashboard: `python docs/images/dashboard.py docs/images/dashboard.png`.

Serves `alignsim viz scenarios/eurasia_2024.yaml` on a free local port (or uses the dashboard
already served at --url), runs the scenario as written to the end of its calendar in headless
Chromium, and saves the page as a PNG. Needs the viz extra and Debian's chromium (see the README).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sim.viz.screenshot import SCREENSHOT_SCENARIO, BrowserError, save_screenshot, served


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the PNG to write, e.g. docs/images/dashboard.png")
    parser.add_argument("--url", help=f"a dashboard already serving {SCREENSHOT_SCENARIO} "
                                      "(default: serve one here)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alignsim-screenshot-") as scratch:
        scratch = Path(scratch)
        try:
            if args.url:
                month = save_screenshot(args.url, args.out, scratch / "profile")
            else:
                with served(SCREENSHOT_SCENARIO, scratch / "server.log") as (url, _):
                    month = save_screenshot(url, args.out, scratch / "profile")
        except BrowserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"wrote {args.out}: {SCREENSHOT_SCENARIO}, {month}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
