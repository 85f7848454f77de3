"""The feedback page's HTML: nbgrader's feedback template, made to read offline and stay inert.

``FeedbackExporter`` is the HTMLExporter that GenerateFeedback writes pages with
(``c.GenerateFeedback.exporter_class`` in nbgrader_config.py). Its Jinja2 template
(templates/course_feedback/index.html.j2) extends nbgrader's feedback template and changes
its page around the cells:

- the course's summary of problems (``resources["course_feedback"]``, which
  course.nbgrader_plugins.feedback_filters.FeedbackSummary fills) replaces nbgrader's list
  of "Test cell" links, so the page lists its problems once;
- messages and tracebacks wrap instead of scrolling sideways;
- MathJax 3 (SVG output, which needs no font files) is inlined from the django-static-mathjax
  package, so a page fetched by a student reads offline and behind any proxy; nbconvert's
  jQuery, require.js and mermaid, which would come from a CDN, are left out;
- a Content-Security-Policy in the page lets only those two inlined scripts run (by hash),
  and loads nothing from anywhere: whatever student HTML the sanitizing missed does nothing.
"""

import base64
import hashlib
from functools import lru_cache
from importlib import resources as package_files
from importlib.util import find_spec
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from traitlets import default

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
# nbgrader's feedback template, which the course's extends (GenerateFeedback points
# HTMLExporter here; the course's template folder must come first, so both are listed).
NBGRADER_TEMPLATES = str(Path(find_spec("nbgrader").origin).parent / "server_extensions" / "formgrader" / "templates")
TEMPLATE_NAME = "course_feedback"

# MathJax 3's TeX input, as JupyterLab reads math in markdown. No `require` and no
# `autoload`: the page loads no file, and the math the notebooks use is all in base and ams.
MATHJAX_CONFIG = """window.MathJax = {
  tex: {
    inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
    displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
    processEscapes: true,
    processEnvironments: true,
    packages: {'[-]': ['require', 'autoload']}
  },
  svg: {fontCache: 'global'},
  options: {enableMenu: false}
};"""


@lru_cache(maxsize=1)
def mathjax_source():
    """The text of MathJax 3's tex-svg.js, as the django-static-mathjax package ships it."""
    if find_spec("mathjax") is None:
        raise ModuleNotFoundError("feedback pages inline MathJax from the django-static-mathjax package, "
                                  "which is not installed: pip install -r requirements.txt")
    path = package_files.files("mathjax") / "static" / "mathjax" / "es5" / "tex-svg.js"
    text = path.read_text(encoding="utf-8")
    if "</script" in text.lower():  # it would end the inline <script> element early
        raise ValueError(f"{path} contains '</script': it cannot be inlined in a page")
    return text


def script_hash(text):
    """The CSP source expression that allows an inline <script> holding exactly `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts):
    """A policy under which only `scripts` (inline) run and nothing is fetched: images only
    as data: URIs (nbconvert inlines a notebook's images), styles inline."""
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(script_hash(s) for s in scripts),
        "style-src 'unsafe-inline'",
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTMLExporter, with the course's page scripts and policy in its resources.

    Its template is set in nbgrader_config.py (``FeedbackExporter.template_name`` and
    ``extra_template_basedirs``): GenerateFeedback configures HTMLExporter's, which a
    subclass's own settings override."""

    @default("template_paths")
    def _template_paths(self, prune=True, root_dirs=None):
        # nbgrader's template folder itself, for `extends 'feedback/index.html.j2'`.
        return super()._template_paths(prune, root_dirs) + [NBGRADER_TEMPLATES]

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        scripts = [MATHJAX_CONFIG, mathjax_source()]
        resources["course_page"] = {"scripts": scripts, "csp": content_security_policy(scripts)}
        return resources
