"""Sphinx configuration.  Build with ``python3 dev.py -s docs`` (see
docs/_tools/build.py): the sources here are copied into docs/_build/src/
beside the pages generated from the references and the command line's own
help, then built into docs/_build/html/ with every warning an error."""

import os
import sys

# the package from this checkout (the docs session installs it too)
sys.path.insert(0, os.path.abspath(os.environ.get("TC_DOCS_ROOT", "..")))

project = "taskcluster-refclient"
author = "taskcluster-refclient contributors"
copyright = "the taskcluster-refclient contributors"

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_tools", "Thumbs.db", ".DS_Store"]

# Markdown links to "page.md#heading" are checked: every heading up to h3
# gets an anchor, and a link to a missing page or anchor is a warning
# (an error under -W).
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
nitpicky = False
suppress_warnings = []

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options: dict = {}

html_theme = "furo"
html_title = "taskcluster-refclient"
html_show_sourcelink = False
html_copy_source = False
# the site must render without a network: no web fonts, nothing fetched
html_theme_options = {"navigation_with_keys": True}
# an icon of the site's own, so that no browser asks for /favicon.ico
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
