"""Sphinx configuration for csp_rules (built in CI with warnings as errors: ``sphinx-build -W``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import csp_rules  # noqa: E402

project = "csp_rules"
author = "csp_rules developers"
copyright = "2026, csp_rules developers"
release = csp_rules.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinx.ext.doctest",
    "csp_docs",
]
# ``-b doctest`` runs the ``.. doctest::`` blocks of the pages; the examples in docstrings are
# run by pytest (--doctest-modules) in their module's namespace, so they are not run twice here.
doctest_test_doctest_blocks = ""
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
intersphinx_mapping: dict[str, tuple[str, None]] = {}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
# wide enough for the 720-pixel timeline and the decisions' one-line explanations
html_theme_options = {"page_width": "1200px", "sidebar_width": "250px", "body_max_width": "none"}
suppress_warnings = ["config.cache"]
