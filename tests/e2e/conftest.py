"""Real headless Chromium (Debian's) driven by Playwright, with axe-core for accessibility. The
`browser` and `page` fixtures are in tests/conftest.py, for the browser checks of tests/reliability/ too."""

import os

# Playwright's sync API runs an event loop in this thread; the tests still touch the
# database synchronously between browser steps, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("SMGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_script() -> str:
    """axe-core itself, to inject into a page (or into every page of a context, `add_init_script`)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def axe_violations(page, within: str | None = None) -> list:
    """WCAG 2.1 A and AA violations on the current page (or within the element `within` selects), as
    axe-core reports them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(
        "([within, options]) => axe.run(within || document, options).then(results => results.violations)",
        [within, AXE_OPTIONS],
    )


def log_in(page, username: str, password: str = "correct-horse-battery-9") -> None:
    page.goto("/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


PHONE_WIDTH = 390


def assert_cells_fit(row, labels, width: int = PHONE_WIDTH) -> None:
    """Each named cell of a table row shown as a card is visible within the screen's width."""
    for label in labels:
        cell = row.locator(f"td[data-label='{label}']")
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, label
        assert cell.is_visible(), label
