"""The test console in a real browser: Debian's Chromium, headless, driven by Playwright.

The page is the one ``make console`` serves, the screens are rendered by the
pinned apl-viewhost-web, and touches go back to the skill as real
Alexa.Presentation.APL.UserEvent requests. Nothing leaves the machine: any
request for another host is aborted and listed. Screenshots of each device's
screens go to $CONSOLE_SCREENSHOTS (``make console-screenshots``: docs/console/)
or a temporary folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from skill_tools import system_tools
from tests.console_process import running_console

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.subprocess]

missing = system_tools.browser_missing_reason()
if missing is not None:
    pytest.skip(missing, allow_module_level=True)

from playwright.sync_api import (  # noqa: E402
    Browser,
    Page,
    Playwright,
    Request,
    Route,
    expect,
    sync_playwright,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREEN_DEVICES = ("show5", "show", "show15", "spot", "tv", "phone")
TITLES = (
    "Muscle Relaxation",
    "Pain Relief",
    "Better Circulation",
    "More Flexibility",
    "Stress Reduction",
    "Better Posture",
    "Psychological Well-Being",
)
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def console_url() -> Iterator[str]:
    with running_console() as found:
        yield found.group(0)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium (never a downloaded one), each launch with a new empty profile."""
    with sync_playwright() as playwright:
        yield launch(playwright)


def launch(playwright: Playwright) -> Browser:
    # Playwright gives every launch a fresh temporary user-data-dir of its own.
    return playwright.chromium.launch(executable_path=system_tools.CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("CONSOLE_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("console-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser, console_url: str) -> Iterator[Page]:
    """A fresh page that may reach only the console; anything else is aborted and listed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    origin = console_url.split("/?", maxsplit=1)[0]
    elsewhere: list[str] = []

    def only_the_console(route: Route, request: Request) -> None:
        if request.url.startswith((origin, "data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(request.url)
            route.abort()

    page.route("**/*", only_the_console)
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()
    # The renderer asks for Amazon's fonts from a CDN; the page's policy stops it, and the
    # console never serves them (they are licensed for the viewhost only). Nothing else.
    assert all(url.endswith(".ttf") for url in elsewhere), elsewhere


def open_console(page: Page, url: str, query: str = "") -> None:
    page.goto(url + query)
    page.wait_for_selector("body[data-ready=yes]")
    expect(page.locator("#error")).to_be_hidden()


def say(page: Page, text: str) -> None:
    turns = page.locator("#log li.alexa").count()
    page.fill("#utterance", text)
    page.press("#utterance", "Enter")
    expect(page.locator("#log li.alexa")).to_have_count(turns + 1)
    expect(page.locator("#error")).to_be_hidden()


def last_answer(page: Page) -> str:
    return page.locator("#log li.alexa").last.inner_text()


def wait_for_screen(page: Page, token: str) -> None:
    page.wait_for_function(
        f"document.querySelector('#screen').dataset.rendered === {json.dumps(token)}"
    )


def tiles_laid_out(page: Page) -> dict[str, int]:
    """Each benefit title on the screen and its laid-out width in screen px (0: not laid out)."""
    widths: dict[str, int] = page.evaluate(
        """(titles) => Object.fromEntries(titles.map((title) => {
            const found = Array.from(document.querySelectorAll('#screen *')).find(
                (e) => e.children.length === 0 && e.textContent.trim() === title);
            return [title, found ? found.offsetWidth : -1];
        }))""",
        list(TITLES),
    )
    return widths


def test_a_conversation_then_the_echo_show_screen_touched(
    page: Page, console_url: str, screenshots: Path
) -> None:
    open_console(page, console_url)
    say(page, "open back massage guide")
    assert last_answer(page).startswith("Welcome to Back Massage Guide.")
    expect(page.locator("#nlu")).to_contain_text("LaunchRequest")
    expect(page.locator("#says")).to_contain_text("words, about")
    expect(page.locator("#no-screen")).to_be_visible()  # a speaker shows nothing

    page.select_option("#device", "show")
    expect(page.locator("#device-info")).to_contain_text("Reports Alexa.Presentation.APL")
    say(page, "open back massage guide")
    wait_for_screen(page, "massage-guide-home")
    expect(page.locator("#preview-label")).to_contain_text("apl-viewhost-web 1.4.0")
    widths = tiles_laid_out(page)
    assert all(width > 40 for width in widths.values()), widths
    assert "…" not in page.locator("#screen").inner_text()
    page.locator("#screen-frame").screenshot(path=screenshots / "show-home.png")

    page.locator("#screen").get_by_text("Better Posture", exact=True).click()
    expect(page.locator("#log li.user").last).to_have_text("(touches benefit-posture)")
    answer = last_answer(page)
    assert answer.startswith("Poor posture often causes back pain."), answer
    request = json.loads(page.input_value("#request-json"))
    assert request["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert request["request"]["arguments"] == ["benefit", "posture"]
    wait_for_screen(page, "massage-guide-benefit")
    page.locator("#screen-frame").screenshot(path=screenshots / "show-benefit.png")
    page.screenshot(path=screenshots / "console.png")


def test_a_saved_session_replays_with_no_differences(
    page: Page, console_url: str, tmp_path: Path
) -> None:
    open_console(page, console_url, "&device=speaker")
    for text in ("open back massage guide", "walk me through them", "next", "stop"):
        say(page, text)
    page.click("#save")
    expect(page.locator("#download-transcript")).to_be_visible()
    exported = page.evaluate("window.consoleState.exported")
    assert exported["replay"]["userInput"][0] == "open back massage guide"
    (tmp_path / "replay.json").write_text(json.dumps(exported["replay"]), encoding="utf-8")
    (tmp_path / "transcript.json").write_text(json.dumps(exported["transcript"]), encoding="utf-8")
    page.set_input_files("#replay-file", tmp_path / "replay.json")
    page.set_input_files("#transcript-file", tmp_path / "transcript.json")
    page.click("#rerun")
    expect(page.locator("#diff")).to_contain_text("No differences: all 4 turns")
    expect(page.locator("#log li.alexa")).to_have_count(4)


@pytest.mark.parametrize("device", SCREEN_DEVICES)
def test_a_link_plays_its_turns_on_each_device(
    page: Page, console_url: str, screenshots: Path, device: str
) -> None:
    """The URL's locale, device and say values open a console that plays those turns."""
    turns = "".join(f"&say={quote(text)}" for text in ("open back massage guide",))
    open_console(page, console_url, f"&locale=en-US&device={device}{turns}")
    expect(page.locator("#log li.alexa")).to_have_count(1)
    assert last_answer(page).startswith("Welcome to Back Massage Guide.")
    wait_for_screen(page, "massage-guide-home")
    widths = tiles_laid_out(page)
    assert all(width > 40 for width in widths.values()), (device, widths)
    page.locator("#screen-frame").screenshot(path=screenshots / f"{device}-home.png")
