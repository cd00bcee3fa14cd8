"""Make docs/dashboard.png: the HTML report of fixtures/, as the README shows it.

Lints fixtures/ with `--format html`, opens the page from its file in headless Chromium
(Debian's `chromium`, driven by Playwright; nothing is downloaded and the page asks for
nothing from the network) and saves the top of the page.

    apt-get install -y chromium && pip install '.[test]'
    python scripts/dashboard_screenshot.py [--chromium /usr/bin/chromium] [--output docs/dashboard.png]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "dashboard.png")
    parser.add_argument("--height", type=int, default=1500, help="pixels of the page's top to show")
    arguments = parser.parse_args()
    if not arguments.chromium:
        sys.exit("no chromium found: apt-get install -y chromium, or pass --chromium PATH")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work:
        page_file = Path(work) / "report.html"
        # Relative paths, as a user types them: the page names fixtures/…, not this machine's directories.
        subprocess.run(
            [sys.executable, "-m", "vipps_lint", "check", "--format", "html", "-o", str(page_file), "fixtures/"],
            cwd=REPO,
            check=False,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=arguments.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": arguments.height}, device_scale_factor=1)
            page.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
            )
            page.goto(page_file.as_uri())
            arguments.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(arguments.output))
            # The second picture: the timeline, the rules chart, and a finding opened.
            page.set_viewport_size({"width": 1280, "height": 900})
            page.fill("#filter-text", "phoneNumber")
            page.locator("#findings-table tbody tr.finding").first.click()

            def box(selector):  # where an element is on the whole page (bounding_box is the viewport's)
                return page.eval_on_selector(
                    selector,
                    "e => { const r = e.getBoundingClientRect();"
                    " return {y: r.top + window.scrollY, height: r.height}; }",
                )

            second = arguments.output.with_name(arguments.output.stem + "-timeline-rules" + arguments.output.suffix)
            top, rules_chart = box("#timeline")["y"], box("#rules svg.chart")
            page.screenshot(
                path=str(second),
                full_page=True,
                clip={"x": 0, "y": top, "width": 1280, "height": rules_chart["y"] + rules_chart["height"] + 10 - top},
            )
            findings = second.with_name(arguments.output.stem + "-finding" + arguments.output.suffix)
            start, detail = box("#findings h2")["y"], box("#findings-table tbody tr.detail")
            page.screenshot(
                path=str(findings),
                full_page=True,
                clip={"x": 0, "y": start, "width": 1280, "height": detail["y"] + detail["height"] + 8 - start},
            )
            browser.close()
    print(f"wrote {arguments.output}, {second} and {findings}")


if __name__ == "__main__":
    main()
