"""Student outputs and markdown come out inert: nothing a student wrote runs in a reader's browser.

Formgrader shows the autograded notebook from the instructor's Jupyter origin, and the feedback
page is opened in a browser: a script, event handler or ``javascript:`` link from a student's
output or markdown would run there. Each payload carries MARK, so a script that carries it came
from the student and not from nbconvert's own template.
"""

import base64
import io
import shutil
import sys
from collections import Counter
from html.parser import HTMLParser

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbgrader.server_extensions.formgrader import handlers

from practicals import inert

# Rendering a notebook nobody cleaned warns about the MIME types the templates cannot show.
pytestmark = pytest.mark.filterwarnings("ignore:Your element with mimetype")
MARK = "PWN"
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="alert(\'PWN\')">'
       "<script>alert('PWN')</script><circle cx=\"10\" cy=\"10\" r=\"5\"/></svg>")  # fmt: skip

# Each as a student's code can display it (IPython.display.HTML, Javascript, SVG, Markdown...).
PAYLOADS = {
    "img onerror": {"text/html": "<img src=x onerror=alert('PWN')>"},
    "script": {"text/html": "<p>hi</p><script>alert('PWN')</script>"},
    "svg onload in html": {"text/html": "<svg onload=\"fetch('/api/contents?PWN')\"></svg>"},
    "Javascript display": {"application/javascript": "alert('PWN')",
                           "text/plain": "<IPython.core.display.Javascript object>"},
    "text/javascript": {"text/javascript": "alert('PWN')"},
    "widget view": {"application/vnd.jupyter.widget-view+json":
                    {"model_id": "PWN", "version_major": 2, "version_minor": 0},
                    "text/plain": "IntSlider(value=0)"},  # fmt: skip
    "mermaid (lab renders it raw)": {"text/vnd.mermaid": "<img src=x onerror=alert('PWN')>"},
    "javascript: links": {"text/html": '<a href="javascript:alert(\'PWN\')">a</a>'
                          '<a href=" JaVa&#x09;ScRiPt:alert(\'PWN\')">b</a>'
                          "<a href=\"vbscript:msgbox('PWN')\">c</a>"},
    "iframe": {"text/html": "<iframe src=\"https://example.com/PWN\" "
                            "srcdoc=\"<script>alert('PWN')</script>\"></iframe>"},
    "object and embed": {"text/html": "<object data=\"javascript:alert('PWN')\"></object>"
                                      '<embed src="https://example.com/PWN.swf">'},
    "style with url()": {"text/html": "<style>body{background:url(http://example.com/PWN)}</style>"
                         '<p style="background:url(http://example.com/PWN);color:red">t</p>'},
    "html in a markdown output": {"text/markdown": "# Title\n<img src=x onerror=alert('PWN')>\n\n"
                                  "[x](javascript:alert('PWN')) ![y](javascript:alert('PWN'))"},
    "svg with script and onload": {"image/svg+xml": SVG, "text/plain": "<SVG object>"},
    "data:text/html link": {"text/html": '<a href="data:text/html;base64,'
                            'PHNjcmlwdD5hbGVydCgnUFdOJyk8L3NjcmlwdD4=">d</a>'},
    "base href": {"text/html": '<base href="https://example.com/PWN/">'},
    "meta refresh": {"text/html": "<meta http-equiv=\"refresh\" content=\"0;url=javascript:"
                                  "alert('PWN')\">"},
    "form action": {"text/html": '<form action="https://example.com/PWN"><input name="x">'
                    "<button formaction=\"javascript:alert('PWN')\">go</button></form>"},
    "mutation XSS": {"text/html": "<noscript><p title=\"</noscript><img src=x onerror=alert('PWN')>"
                     "\"></noscript><svg><style><img src=x onerror=alert('PWN')></style></svg>"
                     "<math><mtext><table><mglyph><style><img src=x onerror=alert('PWN')>"},
    "relative urls reach the instructor's server": {"text/html": '<img src="/logout?PWN">'},
}  # fmt: skip
MARKDOWN = ("# Report\n\n<img src=x onerror=alert('PWN')><script>alert('PWN')</script>\n\n"
            "[x](javascript:alert('PWN')) ![y](javascript:alert('PWN'))\n\n"
            "<iframe src=\"javascript:alert('PWN')\"></iframe>\n\n"
            "<a href=\"data:text/html,PWN\">d</a>\n\n"
            "<details open ontoggle=\"alert('PWN')\"><summary>s</summary></details>")  # fmt: skip

ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
               "input", "button", "textarea", "select", "base", "link", "style", "svg", "math",
               "template", "noscript", "portal"}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "data", "background", "poster", "cite",
             "xlink:href", "srcset", "ping", "codebase"}  # fmt: skip


class _Findings(HTMLParser):
    """Everything active in a page, as a browser would parse it (well-formed nbconvert output)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: Counter = Counter()
        self.raw: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found[f"<{tag}>"] += 1
        self.raw = tag if tag in ("script", "style") else None
        for name, value in attrs:
            compact = "".join(ch for ch in value or "" if ch > " ").lower()
            if name.startswith("on") or name == "srcdoc":
                self.found[f"{name}="] += 1
            if name in URL_ATTRS and compact.startswith(("javascript:", "vbscript:", "data:")):
                if not (tag == "img" and name == "src" and compact.startswith("data:image/")):
                    self.found[f"{name}={compact.split(':')[0]}:"] += 1
            if name == "style" and "url(" in compact:
                self.found["style=url("] += 1
            if tag == "meta" and name == "http-equiv":
                self.found["<meta http-equiv>"] += 1

    def handle_endtag(self, tag):
        self.raw = None

    def handle_data(self, data):
        if self.raw and MARK in data:
            self.found[f"<{self.raw}> with the payload"] += 1


def findings(page: str) -> Counter:
    parser = _Findings()
    parser.feed(page)
    parser.close()
    return parser.found


def display(bundle, **metadata):
    return nbformat.v4.new_output("display_data", data=bundle, metadata=metadata)


def shown(out) -> list[str]:
    """The HTML a renderer makes of an output's HTML and markdown."""
    data = out.get("data", {})
    return [data[m] if m == "text/html" else markdown2html_mistune(data[m])
            for m in ("text/html", "text/markdown") if m in data]  # fmt: skip


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self.inside = True
            self.texts.append("")

    def handle_endtag(self, tag):
        self.inside = self.inside and tag not in ("th", "td")

    def handle_data(self, data):
        if self.inside:
            self.texts[-1] += data.strip()


def cells_text(fragment: str) -> list[str]:
    """The text of every table cell in ``fragment``, in order."""
    parser = _Cells()
    parser.feed(fragment)
    return parser.texts


@pytest.fixture(scope="module")
def plot_png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


# --- outputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAYLOADS)
def test_each_payload_comes_out_with_nothing_active(name):
    [out] = inert.outputs([display(PAYLOADS[name])])
    assert set(out["data"]) <= inert.KEPT
    for page in shown(out):
        assert not findings(page), (name, page)
        assert "/logout" not in page and "example.com" not in page


def test_the_checker_sees_every_html_payload_before_it_is_made_inert():
    """Otherwise the test above would pass on anything."""
    for name, bundle in PAYLOADS.items():
        raw = (
            bundle.get("text/html")
            or bundle.get("text/vnd.mermaid")
            or bundle.get("image/svg+xml")
            or markdown2html_mistune(bundle.get("text/markdown", ""))
        )
        if raw and name != "relative urls reach the instructor's server":
            assert findings(raw), name


def test_javascript_and_widget_outputs_keep_only_their_text():
    [js, widget, only_js] = inert.outputs([display(PAYLOADS["Javascript display"]),
                                           display(PAYLOADS["widget view"]),
                                           display(PAYLOADS["text/javascript"])])  # fmt: skip
    assert js["data"] == {"text/plain": "<IPython.core.display.Javascript object>"}
    assert widget["data"] == {"text/plain": "IntSlider(value=0)"}
    assert only_js["data"] == {"text/plain": "(output not shown: text/javascript)"}


def test_an_svg_becomes_an_img_where_its_script_cannot_run():
    [out] = inert.outputs([display(PAYLOADS["svg with script and onload"])])
    assert "image/svg+xml" not in out["data"]
    prefix = '<img src="data:image/svg+xml;base64,'
    page = out["data"]["text/html"]
    assert page.startswith(prefix) and page.endswith('">')
    assert base64.b64decode(page[len(prefix) : -2]).decode() == SVG  # the picture, in an <img>


def test_image_metadata_keeps_only_a_numeric_size(plot_png):
    """nbconvert writes width and height unquoted into the <img> tag, and filenames into src."""
    meta = {"image/png": {"width": "1 onload=alert('PWN')", "height": 80},
            "filenames": {"image/png": "javascript:alert('PWN')"},
            "text/html": {"isolated": True}}  # fmt: skip
    [out] = inert.outputs([display({"image/png": plot_png}, **meta)])
    assert out["metadata"] == {"image/png": {"height": 80}}
    [bad] = inert.outputs([display({"image/png": "x\" onerror=\"alert('PWN')", "text/plain": "f"})])
    assert bad["data"] == {"text/plain": "f"}


def test_extra_keys_and_unknown_output_types_are_dropped():
    out = display({"text/plain": "x"})
    out["svg_filename"] = "javascript:alert('PWN')"  # steers nbconvert's SVG <img src>
    weird = {"output_type": "update_display_data", "data": {"text/html": "<script>PWN</script>"}}
    kept = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    assert inert.outputs([out, weird]) == [kept]


def test_text_streams_and_errors_are_kept_as_text_for_the_templates_to_escape():
    text = "\x1b[31m<script>alert('PWN')</script>\x1b[0m <img src=x onerror=alert('PWN')>\n"
    outs = [nbformat.v4.new_output("stream", name="stdout", text=text),
            nbformat.v4.new_output("error", ename="E<b>", evalue=text, traceback=[text]),
            nbformat.v4.new_output("execute_result", data={"text/plain": text},
                                   execution_count=3)]  # fmt: skip
    kept = inert.outputs(outs)
    assert kept[0] == {"output_type": "stream", "name": "stdout", "text": text}
    assert kept[1] == {"output_type": "error", "ename": "E<b>", "evalue": text,
                       "traceback": [text]}  # fmt: skip
    assert kept[2]["data"] == {"text/plain": text} and kept[2]["execution_count"] == 3
    cell = nbformat.v4.new_code_cell("x", outputs=[nbformat.from_dict(o) for o in kept])
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))  # what nbformat writes


def test_benign_outputs_survive(plot_png):
    import pandas as pd

    frame = pd.DataFrame({"loss": [0.5, 0.25], "name": ["a<b", "c"]})
    outs = [display({"image/png": plot_png, "text/plain": "<Figure>"},
                    **{"image/png": {"width": 300}}),
            nbformat.v4.new_output("execute_result", execution_count=1,
                                   data={"text/html": frame._repr_html_(),
                                         "text/plain": repr(frame)}),
            nbformat.v4.new_output("stream", name="stdout", text="epoch 1: loss 0.5\n"),
            display({"text/markdown": "| a | b |\n|---|---|\n| 1 | **2** |"})]  # fmt: skip
    png, table, stream, markdown = inert.outputs(outs)
    assert png["data"] == {"image/png": plot_png, "text/plain": "<Figure>"}
    assert png["metadata"] == {"image/png": {"width": 300}}
    html = table["data"]["text/html"]
    assert cells_text(html) == cells_text(frame._repr_html_())
    assert cells_text(html)[:3] == ["", "loss", "name"] and "a<b" in cells_text(html)
    assert '<tr style="text-align:right">' in html and table["data"]["text/plain"] == repr(frame)
    assert stream["text"] == "epoch 1: loss 0.5\n"
    shown_table = markdown2html_mistune(markdown["data"]["text/markdown"])
    assert cells_text(shown_table) == ["a", "b", "1", "2"]


# --- markdown cells ------------------------------------------------------------------------


def test_markdown_cells_lose_their_html_and_javascript_links():
    assert findings(markdown2html_mistune(MARKDOWN))  # live as written
    assert not findings(markdown2html_mistune(inert.markdown(MARKDOWN)))


def test_inert_markdown_is_one_html_block_that_a_second_render_leaves_alone():
    """No blank line, so a markdown renderer passes it through and builds nothing from the text."""
    text = "a [b](javascript:x) \\*c\\*\n\n```\n1\n\n2\n```\n\n> quote"
    once = inert.markdown(text)
    assert "\n" not in once and once.startswith("<div>")
    assert markdown2html_mistune(once).strip() == once


def test_markdown_looks_as_written():
    text = ("# Results\n\nThe loss is *small* and `x < y`; $\\alpha < 1$.\n\n"
            "```python\nx = 1\n\ny = 2\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "- one\n- [docs](https://pytorch.org)")  # fmt: skip
    page = markdown2html_mistune(inert.markdown(text))
    for part in ("<h1>Results", "<em>small</em>", "<code>x &lt; y</code>", "$\\alpha &lt; 1$",
                 "x</span>", "<li>one</li>", 'href="https://pytorch.org"'):  # fmt: skip
        assert part in page
    assert "&#10;&#10;" in page  # the blank line inside the code block
    assert cells_text(page) == ["a", "b", "1", "2"]


# --- rendered pages ------------------------------------------------------------------------


def notebook_of(outs, markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("x = 1")]
    nb.cells[1].outputs = [nbformat.from_dict(o) for o in outs]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    return nb


def student_outputs(plot_png):
    text = "<script>alert('PWN')</script>\x1b[1;31m<img src=x onerror=alert('PWN')>\x1b[0m\n"
    return [display(b) for b in PAYLOADS.values()] + [
        display({"text/html": "<table><tr><th>loss</th></tr><tr><td>0.5</td></tr></table>"}),
        display({"image/png": plot_png}, **{"image/png": {"width": "1 onload=alert('PWN')"}}),
        nbformat.v4.new_output("stream", name="stdout", text=text),
        nbformat.v4.new_output("error", ename="ValueError", evalue=text, traceback=[text]),
        nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1),
    ]


FORMGRADE = {"assignment_id": "00_toy", "notebook_id": "toy", "submission_id": "x", "index": 0,
             "total": 1, "base_url": "", "student": "s", "last_name": None, "first_name": None,
             "notebook_path": "toy.ipynb"}  # fmt: skip


def render(nb, template: str) -> str:
    """The page as the feedback writer (lab) or formgrader's SubmissionHandler renders it."""
    if template == "formgrade":
        exporter = HTMLExporter(template_name="formgrade",
                                extra_template_basedirs=[handlers.template_path])  # fmt: skip
        return exporter.from_notebook_node(nb, resources=dict(FORMGRADE))[0]
    return HTMLExporter(template_name=template).from_notebook_node(nb)[0]


@pytest.mark.parametrize("template", ["lab", "formgrade"])
def test_a_rendered_page_has_nothing_active_from_the_student(template, plot_png):
    """Template scripts (MathJax, require.js) are in an honest page too; nothing may be added."""
    honest = findings(render(notebook_of([], "# Report"), template))
    raw = render(notebook_of(student_outputs(plot_png), MARKDOWN), template)
    assert findings(raw) - honest  # the payloads are live in a page nobody cleaned
    page = render(notebook_of(inert.outputs(student_outputs(plot_png)), inert.markdown(MARKDOWN)),
                  template)  # fmt: skip
    assert findings(page) - honest == Counter(), template
    assert plot_png in page and "&lt;script&gt;alert('PWN')&lt;/script&gt;" in page  # as text


FORMGRADER_LINE = 'c.HTMLExporter.preprocessors = ["practicals.inert.Inert"]'


def test_formgrader_configured_with_the_preprocessor_cleans_a_notebook_nobody_cleaned(
    tmp_path, monkeypatch, plot_png
):
    """The second line: formgrader loads the course's nbgrader_config.py into its exporter."""
    from conftest import make_course
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
    from traitlets.config import Config

    monkeypatch.chdir(make_course(tmp_path / "course", [], FORMGRADER_LINE))
    monkeypatch.setattr(sys, "path", list(sys.path))  # initialize() prepends the cwd
    extension = FormgradeExtension()
    extension.initialize([])
    exporter = HTMLExporter(config=extension.config)  # as formgrader builds its exporter
    assert exporter.template_name == "formgrade"
    assert any(isinstance(p, inert.Inert) for p in exporter._preprocessors)

    config = Config()
    config.HTMLExporter.preprocessors = ["practicals.inert.Inert"]
    exporter = HTMLExporter(config=config, template_name="formgrade",
                            extra_template_basedirs=[handlers.template_path])  # fmt: skip
    honest = findings(exporter.from_notebook_node(notebook_of([], "# R"), dict(FORMGRADE))[0])
    raw = notebook_of(student_outputs(plot_png), MARKDOWN)
    raw.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"PWN": 1}}
    page = exporter.from_notebook_node(raw, dict(FORMGRADE))[0]
    assert findings(page) - honest == Counter()
    assert plot_png in page and "<h1>Report" in page


def test_the_policy_forbids_every_script_and_goes_first_in_the_head():
    policy = dict(d.strip().split(" ", 1) for d in inert.CSP.split(";"))
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert "'unsafe-eval'" not in inert.CSP and "'unsafe-inline'" not in policy.get("img-src", "")
    page = inert.with_csp(render(notebook_of([], "# Report"), "lab"))
    head = page.index("<head>") + len("<head>")
    assert page[head:].startswith(f'<meta http-equiv="Content-Security-Policy" '
                                  f'content="{inert.CSP}">')  # fmt: skip
    with pytest.raises(ValueError, match="no <head>"):
        inert.with_csp("<p>fragment</p>")


def _browser():
    sync = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium: install it with `make browser-tools`")
    return sync, chromium


def test_in_a_browser_no_payload_runs_and_the_page_still_shows(tmp_path, plot_png):
    """Real Chromium, offline: a payload that runs raises an alert; plots and CSS still show."""
    sync, chromium = _browser()
    raw = notebook_of(student_outputs(plot_png), MARKDOWN)
    clean = notebook_of(inert.outputs(student_outputs(plot_png)), inert.markdown(MARKDOWN))
    pages = {"raw": render(raw, "lab"), "inert": render(clean, "lab"),
             "raw with csp": inert.with_csp(render(raw, "lab")),
             "inert with csp": inert.with_csp(render(clean, "lab"))}  # fmt: skip
    ran, looks = {}, {}
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        for name, html in pages.items():
            path = tmp_path / f"{name.replace(' ', '_')}.html"
            path.write_text(html, encoding="utf-8")
            tab = browser.new_page()
            ran[name] = []
            tab.on("dialog", lambda d, seen=ran[name]: (seen.append(d.message), d.dismiss()))
            tab.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
            tab.goto(path.as_uri())
            tab.wait_for_timeout(500)
            looks[name] = tab.evaluate(
                """() => [
                  [...document.images].filter(i => i.src.startsWith('data:image/png')
                                               && i.naturalWidth > 0).length,
                  getComputedStyle(document.querySelector('.jp-RenderedHTML table'))
                    .borderCollapse,
                  document.body.innerText.includes("<script>alert('PWN')</script>")]"""
            )
            tab.close()
        browser.close()
    assert ran["raw"] and ran["raw with csp"] == [] and ran["inert"] == []
    assert ran["inert with csp"] == []
    assert looks["inert with csp"][0] >= 1 and looks["inert with csp"][2]  # plot and text
    assert looks["inert with csp"][1] == "collapse"  # lab's inline CSS still applies


# --- end to end: finished by the integrator once inert.outputs/markdown feed the writers -----

PAYLOAD_CELL = """\
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML("<img src=x onerror=alert('PWN')><script>alert('PWN')</script>"
             "<svg onload=\\"fetch('/api/contents?PWN')\\"></svg>"
             "<a href=\\"javascript:alert('PWN')\\">x</a><iframe src='https://example.com'></iframe>"))
display(Javascript("alert('PWN')"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>PWN</script></svg>'))
display(Markdown("[x](javascript:alert('PWN')) <img src=x onerror=alert('PWN')>"))
display({"image/png": "iVBORw0KGgo=", "text/plain": "p"}, raw=True,
        metadata={"image/png": {"width": "1 onload=alert('PWN')"}})
print("<script>alert('PWN')</script>")
"""


@pytest.mark.slow
def test_a_graded_submission_shows_nothing_active_in_formgrader_or_feedback(tmp_path):
    """A complete submission plus a cell that displays every payload, graded for real."""
    from conftest import answered, build_toy_course, submit
    from test_pipeline import ON_TIME

    from practicals import config
    from practicals.grade import grade_assignment

    course = build_toy_course(tmp_path / "course")
    submit(course, "honest", "00_toy", "toy.ipynb", answered(course), ON_TIME)
    attack = answered(course)
    attack.cells += [nbformat.v4.new_markdown_cell(MARKDOWN),
                     nbformat.v4.new_code_cell(PAYLOAD_CELL)]  # fmt: skip
    submit(course, "attacker", "00_toy", "toy.ipynb", attack, ON_TIME)
    grades = grade_assignment(config.load(course), "00_toy", workers=1, progress=lambda _: None)
    assert {g.student: g.score for g in grades} == {"honest": 4.0, "attacker": 4.0}

    def autograded(student):
        path = course / "autograded" / student / "00_toy" / "toy.ipynb"
        return nbformat.read(path, as_version=4)

    graded = autograded("attacker")
    [payload] = [c for c in graded.cells if "display(Javascript" in c.source]
    assert len(payload.outputs) >= 5  # it ran: the test checks real outputs
    for cell in graded.cells:
        if cell.cell_type == "markdown":
            assert not findings(markdown2html_mistune(cell.source)), cell.source
        for out in cell.get("outputs", []):
            assert set(out.get("data", {})) <= inert.KEPT
            assert out.get("metadata", {}).keys() <= inert.IMAGES
            for page in shown(out):
                assert not findings(page), page

    def formgrader(student):  # nbgrader's own template, as formgrader serves it
        return render(autograded(student), "formgrade")

    def feedback(student):
        return (course / "feedback" / student / "00_toy" / "toy.html").read_text()

    for page in (formgrader, feedback):
        assert findings(page("attacker")) - findings(page("honest")) == Counter(), page.__name__
    assert f'content="{inert.CSP}"' in feedback("attacker")
