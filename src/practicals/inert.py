"""Make student outputs and markdown inert: nothing a student wrote may run in a reader's browser.

Formgrader serves the autograded notebook from the instructor's Jupyter origin, and the feedback
page is opened in a browser too: a script there could read or change anything the instructor can.
So student outputs keep only MIME types that browsers show as data, their HTML is cleaned by nh3
(Python bindings to the Rust sanitizer ammonia: a maintained library, not filters of our own), and
the feedback page carries a Content-Security-Policy that forbids scripts as a second line.
"""

from __future__ import annotations

import base64
import binascii
import re

import nbformat
import nh3
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor

IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
# Shown as data, never run: text is escaped by nbconvert's templates, HTML and markdown are
# cleaned here, images must be base64. Everything else (JavaScript, widgets, mermaid, LaTeX, JSON,
# our own observation MIME type...) is dropped; SVG becomes an <img>, where it cannot run.
KEPT = frozenset({"text/plain", "text/html", "text/markdown", *IMAGES})

# No script or connection of any kind; inline CSS and data: images and fonts (nbconvert's lab
# template inlines its CSS and plots) still render. base-uri and form-action do not fall back
# to default-src, so they are named.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)

# Inline styles (pandas aligns its headers with one) keep only these properties: no url(), and
# no position or size that could lay a fake control over formgrader's own.
_STYLES = {"color", "background-color", "text-align", "vertical-align", "font-weight",
           "font-style", "white-space"}  # fmt: skip
_CLEANER = nh3.Cleaner(
    # ammonia's default tags and attributes: no script, style, iframe, object, embed, form, meta,
    # base, svg, on* handler...
    attributes={**nh3.ALLOWED_ATTRIBUTES, "*": {"style"}},
    filter_style_properties=_STYLES,
    url_schemes={"http", "https", "mailto"},  # no javascript:, data:, vbscript:...
    url_relative="deny",  # a relative URL would reach the instructor's own server with cookies
    allowed_classes={"a": {"anchor-link"}},  # keeps a heading's pilcrow hidden until hovered
)


def html(fragment: str) -> str:
    """``fragment`` with everything active removed; text and harmless markup stay."""
    return _CLEANER.clean(fragment)


def markdown(source: str) -> str:
    """Markdown a student wrote, as inert markdown that renders the same.

    Raw HTML in markdown is live, and nbconvert's renderer even keeps ``javascript:`` links, so the
    source is rendered by that same renderer, cleaned, and returned as one line of HTML in a
    ``<div>``: a markdown renderer passes such a block through untouched, so no second pass can
    build a link or tag from the cleaned text (newlines become ``&#10;``, which renders alike).
    """
    cleaned = html(markdown2html_mistune(source)).strip()
    return "<div>" + cleaned.replace("\r", "").replace("\n", "&#10;") + "</div>"


def outputs(outs: list[dict]) -> list[dict]:
    """The same outputs made inert, as plain nbformat v4 dicts (unknown output types dropped)."""
    return [o for o in map(_output, outs) if o is not None]


def with_csp(page: str) -> str:
    """``page`` with the policy as the first thing in its head, before any script could run."""
    head = re.search(r"<head\b[^>]*>", page, re.IGNORECASE)
    if head is None:
        raise ValueError("the page has no <head> to put the Content-Security-Policy in")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    return page[: head.end()] + meta + page[head.end() :]


class Inert(Preprocessor):
    """The same cleaning when formgrader renders a notebook (``c.HTMLExporter.preprocessors``).

    A second line for autograded notebooks on disk from before this module, from stock
    ``nbgrader autograde``, or edited by hand. nbconvert's own ``sanitize_html`` and SanitizeHTML
    leave markdown ``javascript:`` links and image-size attributes live, and formgrader's template
    renders markdown cells unsanitised whatever the setting.
    """

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)  # rendered into a <script> by the templates
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = markdown(cell.source)
        elif cell.cell_type == "raw":
            cell.source = html(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in outputs(cell.outputs)]
        return cell, resources


def _text(value) -> str:
    """nbformat stores text as a string or a list of lines; anything else is not text."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _output(out: dict) -> dict | None:
    # Rebuilt from the known fields only: an extra key (svg_filename...) steers some templates.
    kind = out.get("output_type")
    if kind == "stream":  # nbconvert's templates escape stream text
        name = "stderr" if out.get("name") == "stderr" else "stdout"
        return {"output_type": kind, "name": name, "text": _text(out.get("text"))}
    if kind == "error":  # the templates show only the traceback, escaped
        traceback = out.get("traceback")
        lines = [_text(t) for t in traceback] if isinstance(traceback, list) else []
        return {"output_type": kind, "ename": _text(out.get("ename")),
                "evalue": _text(out.get("evalue")), "traceback": lines}  # fmt: skip
    if kind not in ("display_data", "execute_result"):
        return None
    data, metadata = _bundle(out.get("data") or {}, out.get("metadata") or {})
    result = {"output_type": kind, "data": data, "metadata": metadata}
    if kind == "execute_result":
        count = out.get("execution_count")
        result["execution_count"] = count if type(count) is int else None
    return result


def _bundle(data: dict, metadata: dict) -> tuple[dict, dict]:
    kept, meta, svg = {}, {}, None
    for mime, value in data.items():
        if mime == "image/svg+xml":
            svg = _text(value)
        if mime not in KEPT or not isinstance(value, str | list):
            continue
        value = _text(value)
        if mime == "text/html":
            kept[mime] = html(value)
        elif mime == "text/markdown":
            kept[mime] = markdown(value)
        elif mime in IMAGES:
            if (image := _base64(value)) is not None:
                kept[mime] = image
                if size := _size(metadata.get(mime)):
                    meta[mime] = size
        else:
            kept[mime] = value
    if svg and "text/html" not in kept:  # an SVG in an <img> runs no script and loads nothing
        encoded = base64.b64encode(svg.encode()).decode()
        kept["text/html"] = f'<img src="data:image/svg+xml;base64,{encoded}">'
    if not kept:
        kept["text/plain"] = "(output not shown: " + ", ".join(sorted(map(str, data))) + ")"
    return kept, meta


def _base64(value: str) -> str | None:
    """The image data when it is base64 (the templates put it in an attribute), else None."""
    compact = "".join(value.split())
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact


def _size(meta) -> dict:
    """Only numeric width and height: nbconvert writes them unquoted into the <img> tag."""
    if not isinstance(meta, dict):
        return {}
    return {k: meta[k] for k in ("width", "height")
            if type(meta.get(k)) in (int, float) and 0 < meta[k] < 100_000}  # fmt: skip
