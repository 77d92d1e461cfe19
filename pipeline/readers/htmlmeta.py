"""The metadata of a parsed page that the pipeline keeps: title, author, url, hostname, sitename
and the page's own publication date, each as trafilatura 2.3's `extract_metadata` finds it.

`extract_metadata` also looks for categories, tags and a licence, which no part of the pipeline
keeps: on the article-extraction-benchmark pages those cost 3.5 ms a page, about half of its
metadata time and a tenth of a page's extraction. This module calls the same trafilatura
functions, in the same order, for the fields kept, and leaves the others out; the author search,
trafilatura's most expensive field, is skipped where no element of the page could match it (see
`_author`). tests/test_htmlextract.py checks field by field that the answers equal
`extract_metadata`'s on every benchmark page, so a trafilatura upgrade that changes its order or
its rules fails there, not silently here.

Pure: the tree is read, never changed.
"""

from __future__ import annotations

from typing import Any

from lxml.etree import XPath

# Matches every element that one of trafilatura's AUTHOR_XPATHS could match, and more: each
# clause there (an attribute equal to a value, containing a word, or matching a regular
# expression whose every alternative contains one of the substrings below) implies one clause
# here. libxml2 evaluates it in C; trafilatura's own expressions call back into Python's `re` for
# every element with a class or id. Where it matches nothing, no author can be found (removing
# elements, as trafilatura does before its search, only removes matches).
_AUTHOR_CANDIDATES = XPath(
    """//author | //*[
    contains(@class, 'uthor') or contains(@class, 'yline') or contains(@class, 'username')
    or contains(@class, 'screenname') or contains(@class, 'writer')
    or contains(@class, 'channel-name')
    or contains(@class, 'zuozhe') or contains(@class, 'bianji') or contains(@class, 'xiaobian')
    or contains(@class, 'submitted-by') or contains(@class, 'posted-by')
    or contains(@class, 'journalist-name') or @class = 'byl' or @class = 'BBL'
    or contains(@id, 'uthor') or contains(@id, 'zuozhe') or contains(@id, 'bianji')
    or contains(@id, 'xiaobian') or contains(@itemprop, 'author') or @rel = 'author'
    or @data-testid = 'AuthorCard' or @data-testid = 'AuthorURL'
    or contains(@data-component, 'Byline') or rel = 'me']"""
)


def _author(tree: Any) -> str | None:
    from trafilatura.metadata import extract_author

    if not _AUTHOR_CANDIDATES(tree):
        return None
    return extract_author(tree)


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
