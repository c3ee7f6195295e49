"""Check the internal links and anchors of a built HTML site.

Every ``href`` and ``src`` that is not an absolute URL must name a file of
the site, and its ``#fragment`` an element ``id`` (or ``<a name>``) in that
file.  External links are not followed (CI sends nothing outside 127.0.0.1).
"""

from __future__ import annotations

import os
import posixpath
import sys
from html.parser import HTMLParser
from typing import Dict, List, Set, Tuple
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Set[str] = set()
        self.links: List[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id",) + (("name",) if tag == "a" else ()):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "preconnect"):
                self.links.append(attrs[key])


def _pages(root: str) -> Dict[str, _Page]:
    pages = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                page = _Page()
                with open(path, encoding="utf-8") as fh:
                    page.feed(fh.read())
                pages[os.path.relpath(path, root).replace(os.sep, "/")] = page
    return pages


def check(root: str) -> List[str]:
    """The broken internal links of the site under ``root``, as
    "page: link (why)" lines; empty when every one resolves."""
    pages = _pages(root)
    problems: List[str] = []
    seen: Set[Tuple[str, str]] = set()
    for name, page in sorted(pages.items()):
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or (name, link) in seen:
                continue
            seen.add((name, link))
            target = name
            if parts.path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                           unquote(parts.path)))
                if target.endswith("/") or os.path.isdir(os.path.join(root, target)):
                    target = posixpath.join(target, "index.html")
                if not os.path.isfile(os.path.join(root, target)):
                    problems.append("%s: %s (no file %s)" % (name, link, target))
                    continue
            fragment = unquote(parts.fragment)
            if fragment and target in pages and fragment not in pages[target].ids:
                problems.append("%s: %s (no anchor #%s in %s)" % (name, link, fragment, target))
    return problems


if __name__ == "__main__":
    found = check(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html")
    print("\n".join(found) or "every internal link and anchor resolves")
    sys.exit(1 if found else 0)
