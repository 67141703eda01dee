"""nbgrader's formgrader in a real browser: Debian's Chromium, driven by Playwright.

A toy class is graded by our grader, JupyterLab serves it with nbgrader's server extensions, and
the browser logs in with the server's token, opens the manual-grading pages, overrides a score
the way an instructor does (type in the score box, leave it: formgrader's JavaScript saves it with
``PUT /formgrader/api/grade/<id>``), presses "Generate Feedback", and the test checks that the
exports and the feedback page show the new score.

Chromium comes from ``apt-get install chromium`` (``make browser-tools`` runs it as root); the
test skips without it. ``PRACTICALS_SCREENSHOT=1`` also writes docs/formgrader.png.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, answered, build_toy_course, submit

from practicals import config
from practicals.grade import grade_assignment

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "chromium is not installed: `make browser-tools` installs Debian's (as root, with apt-get)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.xdist_group("browser")  # one server and one browser for the module

ON_TIME = "2026-09-30 10:00:00.000000 UTC"
# formgrader's submission page loads MathJax 2 from cdnjs. There is no network here, and without
# MathJax formgrader's init stops ("MathJax is not defined") before it registers its keyboard
# shortcuts; this stands in for it, as an instructor's browser with network would have it.
MATHJAX_STUB = (
    "window.MathJax = {Hub: {Config: function () {}, Queue: function () {}, "
    "Startup: {signal: {Interest: function (callback) { callback('End'); }}}}};"
)
# Student code that tries to run JavaScript in the instructor's browser when its outputs are shown.
SCRIPTED = "\n".join(
    [
        "x * x",
        "from IPython.display import HTML, Javascript, display",
        "display(Javascript('alert(\"student javascript: a Javascript output\")'))",
        "display(HTML('<script>alert(\"student javascript: a script tag\")</script>'))",
        'display(HTML(\'<img src="data:," onerror="alert(1)">\'))',
    ]
)


def rows(course: Path) -> dict[str, dict]:
    with open(course / "grades_long.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@dataclass
class Server:
    url: str
    token: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(course: Path, home: Path):
    """JupyterLab with nbgrader's extensions, started in the course folder as instructors do."""
    env = {
        **os.environ,  # no ~/.jupyter: the venv's own extension settings and the course's config
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    token, port = secrets.token_hex(16), free_port()
    server = Server(f"http://127.0.0.1:{port}", token, home / "server.log")
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",  # `jupyter lab`, here
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
    ]  # fmt: skip
    with open(server.log, "wb") as log:
        proc = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield server, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(server: Server, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{server.url}/api/status", headers={"Authorization": f"token {server.token}"}
    )
    while True:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"jupyter lab did not answer within {timeout} s:\n{server.log_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A graded toy class (complete, core-only, and a submission that runs JavaScript), served."""
    c = build_toy_course(tmp_path_factory.mktemp("browser") / "course")
    submit(c, "complete", "00_toy", "toy.ipynb", answered(c), ON_TIME)
    submit(c, "core-only", "00_toy", "toy.ipynb", answered(c, cube="x"), ON_TIME)
    submit(c, "scripted", "00_toy", "toy.ipynb", answered(c, square=SCRIPTED), ON_TIME)
    with jupyter_lab(c, tmp_path_factory.mktemp("jupyter")) as (server, proc):
        grade_assignment(config.load(c), "00_toy", workers=1, progress=lambda _: None)
        assert float(rows(c)["core-only"]["score"]) == 2.0
        wait_until_up(server, proc)  # it started while the class was graded
        yield c, server


@pytest.fixture(scope="module")
def course(served) -> Path:
    return served[0]


@pytest.fixture(scope="module")
def server(served) -> Server:
    return served[1]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What happened in the browser besides what a test looks at."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, server: Server, watch: Watch):
    """A logged-in page (the token typed into Jupyter's login form); no dialog may open on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(request_route):
        url = request_route.request.url
        if url.startswith(server.url):
            request_route.continue_()
        elif "mathjax" in url.lower():
            request_route.fulfill(content_type="application/javascript", body=MATHJAX_STUB)
        else:  # nothing leaves the machine
            watch.blocked.append(url)
            request_route.abort()

    def dialog(d):
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    context.route("**/*", route)
    p = context.new_page()
    p.set_default_timeout(15_000)
    p.on("dialog", dialog)
    p.on("pageerror", lambda err: watch.page_errors.append(f"{p.url}: {err}"))
    p.on(
        "console",
        lambda m: m.type == "error" and watch.console_errors.append(f"{p.url}: {m.text}"),
    )
    p.goto(f"{server.url}/login?next=%2Fformgrader")
    p.fill("#password_input", server.token)
    p.click("#login_submit")
    p.wait_for_url("**/formgrader/manage_assignments")
    yield p
    context.close()
    for kind in ("console_errors", "page_errors", "blocked"):
        for line in getattr(watch, kind):
            print(f"browser {kind}: {line}")
    assert not watch.dialogs, f"a dialog opened (student JavaScript ran?): {watch.dialogs}"


def wait_for_table(page) -> None:
    """formgrader's list pages fill their table from its API; they set models.loaded when done."""
    page.wait_for_function("typeof models !== 'undefined' && models && models.loaded === true")


def submission_urls(page, server: Server) -> dict[str, str]:
    """Manual Grading -> 00_toy -> toy: each student's submission page."""
    page.goto(f"{server.url}/formgrader/gradebook/00_toy/toy")
    wait_for_table(page)
    links = page.eval_on_selector_all(
        "#main-table a.name-shown", "els => els.map(a => [a.textContent, a.getAttribute('href')])"
    )
    return {student: server.url + href for student, href in links}


def open_submission(page, server: Server, student: str) -> None:
    page.goto(submission_urls(page, server)[student])  # redirected to .../<id>/
    page.wait_for_function(
        "window.formgrader && formgrader.loaded && formgrader.grades.loaded"
        " && formgrader.comments.loaded"
    )


def test_formgrader_opens_with_the_token_and_shows_the_graded_class(page, server, watch):
    wait_for_table(page)
    assert page.locator("#main-table td", has_text="00_toy").count() >= 1
    # The course-local exchange (nbgrader_config.py) exists: no warning on the page, none logged.
    assert page.locator("#warning-exchange").count() == 0
    complaints = [
        line
        for line in server.log_text().splitlines()
        if "exchange" in line.lower() and ("does not exist" in line or "Unwritable" in line)
    ]
    assert complaints == []

    urls = submission_urls(page, server)
    assert set(urls) == {"complete", "core-only", "scripted"}
    open_submission(page, server, "core-only")
    assert page.locator(".panel-title", has_text="toy").count() == 1
    assert "def cube(x):" in page.inner_text("#notebook")
    if os.environ.get("PRACTICALS_SCREENSHOT") == "1":  # for the README
        page.wait_for_timeout(600)  # formgrader scrolls to the first score box (500 ms)
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        page.screenshot(path=str(REPO / "docs" / "formgrader.png"), full_page=True)
    assert watch.page_errors == []


def test_a_score_override_in_formgrader_reaches_the_export_and_the_feedback(page, server, course):
    open_submission(page, server, "core-only")
    box = page.locator("input.score#star_test_cube")  # score boxes carry the grade_id as id
    assert box.get_attribute("placeholder") == "0"  # the autograder's score
    box.fill("1")
    with page.expect_response(
        lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"
    ) as saved:
        box.blur()  # formgrader saves a score box when it changes (on leaving it)
    assert saved.value.ok and saved.value.json()["manual_score"] == 1
    page.reload()
    page.wait_for_function("window.formgrader && formgrader.grades.loaded")
    assert page.locator("input.score#star_test_cube").input_value() == "1"

    # Manage Assignments -> 00_toy: the "Generate Feedback" button of the student's row.
    page.goto(f"{server.url}/formgrader/manage_submissions/00_toy")
    wait_for_table(page)
    row = page.locator("#main-table tr", has=page.locator("td.student-id", has_text="core-only"))
    assert row.locator("td.score").inner_text() == "3 / 3"  # nbgrader's points, override in
    with page.expect_response(
        lambda r: r.url.endswith("/00_toy/core-only/generate_feedback")
    ) as fb:
        row.locator("td.generate-feedback a").click()
    assert fb.value.ok and fb.value.json()["success"], fb.value.text()
    page.locator("#success-modal").wait_for(state="visible")

    export = subprocess.run(
        [sys.executable, "-m", "practicals.cli", "--course", str(course), "export"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert export.returncode == 0, export.stdout + export.stderr
    core_only = rows(course)["core-only"]
    assert (core_only["star_points"], float(core_only["score"])) == ("1.0", 4.0)
    assert float(rows(course)["complete"]["score"]) == 4.0

    html = (course / "feedback" / "core-only" / "00_toy" / "toy.html").read_text()
    assert "Score: 4 / 4" in html and "set by your instructor" in html
    for hidden in ("HIDDEN TESTS", "observe('cubes'", "observe(&#x27;cubes&#x27;"):
        assert hidden not in html


def test_student_javascript_never_runs_in_formgrader(page, server, watch):
    """Outputs are shown to the logged-in instructor: no script of a student's may run."""
    open_submission(page, server, "scripted")
    page.wait_for_timeout(500)  # scripts in outputs run as the page loads; leave them a moment
    dialogs, watch.dialogs = watch.dialogs, []  # reported here, not again by the fixture
    assert dialogs == [], "student JavaScript ran in formgrader, in the instructor's session"
