"""The metadata of a parsed page that the pipeline keeps: title, author, url, hostname, sitename
and the page's own publication date, each as trafilatura 2.3's `extract_metadata` finds it.

`extract_metadata` also looks for categories, tags and a licence, which no part of the pipeline
keeps: on the article-extraction-benchmark pages those cost 3.5 ms a page, about half of its
metadata time and a tenth of a page's extraction. This module calls the same trafilatura
functions, in the same order, for the fields kept, and leaves the others out; the author search,
trafilatura's most expensive field, is skipped where no element of the page could match it
(`_author_possible`). tests/test_htmlextract.py checks field by field that the answers equal
`extract_metadata`'s on every benchmark page, so a trafilatura upgrade that changes its order or
its rules fails there, not silently here.

Pure: the tree is read, never changed.
"""

from __future__ import annotations

from typing import Any

from lxml.etree import XPath

# Where trafilatura's author search can find nothing, it is skipped: it costs 7.6 ms a page on
# the benchmark pages (a copy of the tree, then XPaths over every element), the costliest field.
# Each clause of its AUTHOR_XPATHS (an attribute equal to a value, containing a word, or matching
# a regular expression whose every alternative contains one of these substrings) needs one of
# the attributes below to hold one of these substrings or values, or an element `author` or
# `rel`. Where none does, no element matches (and removing elements, as trafilatura does before
# its search, only removes matches). Reading the attribute values costs 0.65 ms a page; an XPath
# testing the same clauses costs 5 ms (libxml2 converts every attribute it tests to a string).
_AUTHOR_ATTRIBUTES = XPath("//@class|//@id|//@itemprop|//@rel|//@data-testid|//@data-component",
                           smart_strings=False)
_AUTHOR_ELEMENTS = XPath("//author|//rel")
_AUTHOR_SUBSTRINGS = ("uthor", "yline", "username", "screenname", "writer", "channel-name",
                      "zuozhe", "bianji", "xiaobian", "submitted-by", "posted-by", "journalist-name")
_AUTHOR_VALUES = ("\x00byl\x00", "\x00BBL\x00")


def _author_possible(tree: Any) -> bool:
    if _AUTHOR_ELEMENTS(tree):
        return True
    values = "\x00" + "\x00".join(_AUTHOR_ATTRIBUTES(tree)) + "\x00"
    return any(s in values for s in _AUTHOR_SUBSTRINGS) or any(v in values for v in _AUTHOR_VALUES)


def _author(tree: Any) -> str | None:
    from trafilatura.metadata import extract_author

    return extract_author(tree) if _author_possible(tree) else None


def page_metadata(tree: Any, default_url: str | None, date_params: dict[str, Any]) -> Any:
    """A trafilatura `Document` with title, author, url, hostname, sitename and date set as
    `trafilatura.metadata.extract_metadata(tree, default_url, date_params)` sets them (no author
    blacklist); its other fields are left unset. `date_params` are htmldate's (trafilatura's
    `Extractor.date_params`)."""
    from trafilatura.metadata import (META_URL, examine_meta, extract_domain, extract_meta_json,
                                      extract_sitename, extract_title, extract_url, find_date)

    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # noqa: BLE001 -- as trafilatura: a bug in its JSON-LD reader
        pass  # costs the fields it would have given, not the page
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = _author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        name = metadata.sitename.lstrip("@")
        metadata.sitename = name.title() if name and "." not in name and not name[0].isupper() else name
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata
