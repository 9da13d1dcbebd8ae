"""sobctl report catalogue: a static site that renders in headless Chromium, filters by area and
text with JavaScript from file://, reads without JavaScript, and keeps to accessible HTML."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, run_cli
from reports_support import enrich, read_all

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (scripts/install-test-deps does)",
)


def published(root: Path) -> dict[str, dict[str, Any]]:
    return {pid: p for pid, p in read_all(root, "catalogue").items() if p["status"] in ("published", "deprecated")}


def build(root: Path, lang: str, out: Path) -> Path:
    result = run_cli("--lang", lang, "report", "catalogue", "--output", str(out), "--as-of", TODAY, cwd=root)
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    return out / "index.html"


class Outline(HTMLParser):
    """What the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[int] = []
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.links: list[str] = []
        self.rows: list[str] = []
        self.form_hidden: bool | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "html":
            self.lang = a.get("lang")
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        elif tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        elif tag in ("input", "select", "textarea"):
            self.controls.append(str(a.get("id")))
        elif tag == "a":
            self.links.append(str(a.get("href")))
        elif tag == "tr" and a.get("data-id"):
            self.rows.append(str(a["data-id"]))
        elif tag == "form":
            self.form_hidden = "hidden" in a
        elif tag == "script":
            self.scripts += 1
            assert "src" not in a, "scripts are inline: file:// pages cannot fetch"


def outline(path: Path) -> Outline:
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_site_is_complete_and_accessible_without_javascript(region: Path, tmp_path: Path, lang: str) -> None:
    enrich(region)
    index = build(region, lang, tmp_path / "site")
    programs = published(region)
    page = outline(index)
    assert page.lang == lang
    assert sorted(page.rows) == sorted(programs)  # every published program, nothing else
    assert "utkast-somn" not in page.rows
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    assert set(page.controls) <= page.labels and page.controls == ["q", "area"]
    assert page.links[0] == "#main" and "main" in page.ids
    assert page.form_hidden is True  # without JavaScript the filter that cannot work is not shown
    for pid in programs:
        assert f"program/{pid}.html" in page.links
        sub = outline(index.parent / "program" / f"{pid}.html")
        assert sub.lang == lang and sub.headings[0] == 1 and "../index.html" in sub.links
        assert all(b - a <= 1 for a, b in zip(sub.headings, sub.headings[1:], strict=False))
    units = read_all(region, "units")
    runs = [u["name"] for u in units.values() if u["status"] == "active"
            and any(a["program"] == "stod-oro" for a in u.get("programs", []))]
    stod = (index.parent / "program" / "stod-oro.html").read_text(encoding="utf-8")
    assert runs and all(name in stod for name in runs)
    text = index.read_text(encoding="utf-8")
    if lang == "sv":
        assert "Momentkatalog" in text and "Utgivare" in text and "Ångest och depression" in text
    else:
        assert "Program catalogue" in text and "Publisher" in text and "Anxiety and depression" in text


def test_site_removes_pages_of_programs_no_longer_published(region: Path, tmp_path: Path) -> None:
    enrich(region)
    build(region, "en", tmp_path / "site")
    assert (tmp_path / "site" / "program" / "adhd-vardag.html").exists()
    path = region / "catalogue" / "adhd-vardag.yaml"
    path.write_text(path.read_text().replace("status: published", "status: retired"))
    (tmp_path / "site" / "notes.txt").write_text("kept")
    build(region, "en", tmp_path / "site")
    assert not (tmp_path / "site" / "program" / "adhd-vardag.html").exists()
    assert (tmp_path / "site" / "notes.txt").read_text() == "kept"


def test_site_refuses_a_file_as_output(region: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    result = run_cli("report", "catalogue", "--output", str(target), cwd=region)
    assert result.code == 4 and "not a folder" in result.stderr and target.read_text() == "x"


# --- headless Chromium -------------------------------------------------------------------------


def dump_dom(url: str, profile: Path, *extra: str) -> str:
    done = subprocess.run(
        [str(CHROMIUM), *BROWSER_FLAGS, f"--user-data-dir={profile}", *extra, "--dump-dom", url],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:
            high_r, high_w = os.dup(to_browser_r) + 100, os.dup(from_browser_w) + 100
            os.dup2(to_browser_r, high_r)
            os.dup2(from_browser_w, high_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [str(CHROMIUM), *BROWSER_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, pass_fds=(3, 4),  # kept after wire() put the pipes there
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.session: str | None = None

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            for reply in self._read():
                if reply.get("id") == self._next:
                    if "error" in reply:
                        raise AssertionError(f"{method}: {reply['error']}")
                    return dict(reply["result"])

    def _read(self) -> Iterator[dict[str, Any]]:
        ready, _, _ = select.select([self._from_browser], [], [], 60)
        assert ready, "Chromium did not answer within 60 s"
        chunk = os.read(self._from_browser, 1 << 16)
        assert chunk, "Chromium closed the DevTools pipe"
        self._buffer += chunk
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            yield json.loads(raw)

    def open(self, url: str, *, scripts: bool = True) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        if not scripts:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True})
        self.call("Page.navigate", {"url": url})
        for _ in range(400):
            root = self.call("DOM.getDocument")["root"]
            loaded = root.get("documentURL") == url and "</html>" in self.html()
            if loaded and (not scripts or self.js("document.readyState") == "complete"):
                return
        raise AssertionError("the page did not finish loading")

    def html(self) -> str:
        """The live DOM as HTML, read through the DOM domain (works with scripts disabled)."""
        root = self.call("DOM.getDocument")["root"]
        return str(self.call("DOM.getOuterHTML", {"nodeId": root["nodeId"]})["outerHTML"])

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):  # the browser may close the pipe first
            self.call("Browser.close", session=False)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


VISIBLE_ROWS = (
    "Array.from(document.querySelectorAll('#programs tbody tr'))"
    ".filter(r => r.offsetParent !== null).map(r => r.dataset.id).sort()"
)
MIN_CONTRAST = (
    """(() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  let worst = 21;
  for (const el of document.querySelectorAll('body *')) {
    if (el.offsetParent === null) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
  }
  return worst; })()"""
)


def choose_area(browser: DevTools, area: str) -> None:
    """Pick an option of the area list as a keyboard or mouse would: value set, change fired."""
    browser.js(f"{{ const s = document.getElementById('area'); s.value = '{area}';"
               " s.dispatchEvent(new Event('change', {bubbles: true})); }")


@needs_chromium
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_catalogue_filters_in_chromium(region: Path, tmp_path: Path, lang: str) -> None:
    enrich(region)
    index = build(region, lang, tmp_path / "site")
    programs = published(region)
    url = index.resolve().as_uri()

    rendered = dump_dom(url, tmp_path / "profile-a")
    assert f'<html lang="{lang}">' in rendered
    assert all(f'data-id="{pid}"' in rendered for pid in programs)
    plain = DevTools(tmp_path / "profile-b")
    try:
        plain.open(url, scripts=False)
        no_script = plain.html()
    finally:
        plain.close()
    assert all(programs[pid]["title"] in no_script for pid in programs)
    assert '<form id="filter" role="search" hidden="">' in no_script
    assert 'id="count" aria-live="polite"' in no_script and "programs shown</p>" not in no_script

    browser = DevTools(tmp_path / "profile-c")
    try:
        browser.open(url)
        assert browser.js(VISIBLE_ROWS) == sorted(programs)
        assert browser.js("document.getElementById('filter').hidden") is False
        total = len(programs)
        assert browser.js("document.getElementById('count').textContent") == (
            f"{total} av {total} moment visas" if lang == "sv" else f"{total} of {total} programs shown")
        assert browser.js(MIN_CONTRAST) >= 4.5

        # type into the search box like a person: focus, then insert text (fires input events)
        browser.js("document.getElementById('q').focus()")
        browser.call("Input.insertText", {"text": "adhd i vardagen"})
        assert browser.js(VISIBLE_ROWS) == ["adhd-vardag"]

        # clear the search, choose an area
        browser.js("{ const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input')); }")
        choose_area(browser, "anxiety-depression")
        in_area = sorted(pid for pid, p in programs.items() if p["area"] == "anxiety-depression")
        assert len(in_area) >= 2
        assert browser.js(VISIBLE_ROWS) == in_area
        shown = browser.js("document.getElementById('count').textContent")
        assert shown.startswith(f"{len(in_area)} ")

        # both filters at once: area plus text that only one program of that area has
        browser.js("document.getElementById('q').focus()")
        browser.call("Input.insertText", {"text": "stöd vid oro"})
        assert browser.js(VISIBLE_ROWS) == ["stod-oro"]

        # an area with no match for the text shows nothing
        choose_area(browser, "adhd")
        assert browser.js(VISIBLE_ROWS) == []
    finally:
        browser.close()


@needs_chromium
def test_catalogue_screenshot(region: Path, tmp_path: Path) -> None:
    """A picture of the page (kept in the test's folder; SOBCTL_SCREENSHOT=path copies it out)."""
    enrich(region)
    index = build(region, "sv", tmp_path / "site")
    shot = tmp_path / "catalogue.png"
    done = subprocess.run(
        [str(CHROMIUM), *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1200,900", index.resolve().as_uri()],
        capture_output=True, timeout=90, check=False,
    )
    assert done.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("SOBCTL_SCREENSHOT"):
        shutil.copy(shot, os.environ["SOBCTL_SCREENSHOT"])


def test_site_escapes_what_the_files_say(region: Path, tmp_path: Path) -> None:
    path = region / "catalogue" / "kbt-depression.yaml"
    path.write_text(path.read_text().replace("target_group: Vuxna", "target_group: <script>alert(1)</script> & Vuxna"))
    index = build(region, "en", tmp_path / "site")
    text = index.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Vuxna" in text
    assert outline(index).scripts == 1
