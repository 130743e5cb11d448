"""WCAG 2.1 AA checks of a page in the browser with axe-core (Deque, MPL-2.0).

axe-core is not committed: `make browser` (run by `make test`) installs a pinned version from the
npm registry into var/axe/ (see the Makefile). `with_axe(context)` adds it to every page of a
browser context as an init script — the DevTools protocol puts it there, so the signing page's
Content-Security-Policy (`script-src 'self'`, no inline scripts) stays in force for the page's
own code while it is checked. `serious_violations(page)` runs axe on the page as it is now.
"""

from __future__ import annotations

from pprint import pformat
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from shared.settings import REPO_ROOT

AXE_JS = REPO_ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, heading levels…).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")

_RUN = """async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
    }));
}"""


async def with_axe(context: BrowserContext) -> BrowserContext:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make browser` (it installs the pinned axe-core from npm)")
    await context.add_init_script(path=str(AXE_JS))
    return context


async def violations(page: Page) -> list[dict[str, Any]]:
    return list(await page.evaluate(_RUN, TAGS))


async def assert_accessible(page: Page, state: str) -> None:
    """No serious or critical violation of WCAG 2.1 AA (or axe's best practices) in this state."""
    found = [v for v in await violations(page) if v["impact"] in BLOCKING]
    assert found == [], f"axe-core, state {state!r}:\n{pformat(found, width=140)}"
