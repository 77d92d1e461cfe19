"""What an annotator is: a name, the columns it computes (declared once, with their Arrow
types), and a function from a batch of documents to those columns.

Like dolma's taggers, an annotator only computes; deciding (`filters.py`) is apart. The
declared columns flow into the documents table's schema (`stages/write.py`), the `datasets`
features (derived from that schema) and the dataset card (`report/card.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .lines import Pieces
from .text import words_and_newlines


@dataclass(frozen=True)
class Column:
    signal: str          # the name a filter rule uses after the annotator's: "gopher.word_count"
    name: str            # the documents table's column: "gopher_word_count"
    type: pa.DataType
    doc: str             # one line for the dataset card

    @property
    def numeric(self) -> bool:
        return pa.types.is_integer(self.type) or pa.types.is_floating(self.type)


@dataclass
class Batch:
    """One job's documents as the annotators see them: the final text of each (kept
    paragraphs joined by a blank line), its title, and words computed once for all."""

    texts: list[str]
    titles: list[str | None]
    # Settings and side results: the language annotator's cache folder and its answers.
    options: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    _vocab: Vocab | None = None
    _shared: dict[str, Any] = field(default_factory=dict)

    @property
    def vocab(self) -> Vocab:
        """Every word of the batch as an integer, with its document and line (computed once)."""
        if self._vocab is None:
            self._vocab = Vocab.of_texts(self.arrow)
        return self._vocab

    @property
    def arrow(self) -> pa.Array:
        """The texts as one Arrow array (made once)."""
        if "arrow" not in self._shared:
            self._shared["arrow"] = pa.array(self.texts, type=pa.string())
        return self._shared["arrow"]

    def utf8_if_made(self) -> list[memoryview | None]:
        """Each text's UTF-8 bytes, sliced from `arrow` if an annotator made it (no second
        encoding), else None for each."""
        arr = self._shared.get("arrow")
        if arr is None:
            return [None] * len(self.texts)
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
        data = memoryview(arr.buffers()[2] or b"")
        return [data[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

    @property
    def lines(self) -> Pieces:
        """Each text's lines, as `text.split("\\n")` gives them (made once)."""
        if "lines" not in self._shared:
            self._shared["lines"] = Pieces.split(self.arrow, "\n")
        return self._shared["lines"]

    @property
    def words(self) -> list[list[str]]:
        """Each document's words (for reading; the annotators use `vocab`)."""
        v = self.vocab
        flat = [v.uniques[i] for i in v.ids.tolist()]
        return [flat[s:s + n] for s, n in zip(v.starts.tolist(), v.counts.tolist())]


@dataclass
class Vocab:
    """The batch's words, flat: `ids[i]` indexes `uniques`, `doc_of[i]` is the document,
    `line_of[i]` the line (numbered across the batch: document d's line k is
    `line_base[d] + k`); `counts[d]` words of document d start at `starts[d]`. Built with
    Arrow (C++), so that the annotators' per-word work is per distinct word, then numpy."""

    ids: np.ndarray
    uniques: list[str]
    doc_of: np.ndarray
    line_of: np.ndarray
    counts: np.ndarray
    starts: np.ndarray
    dictionary: pa.Array | None = None  # `uniques` as Arrow strings

    @classmethod
    def of(cls, tokens: list[list[str]]) -> Vocab:
        """From each document's `words_and_newlines`."""
        n_docs = len(tokens)
        sizes = np.fromiter(map(len, tokens), dtype=np.int64, count=n_docs)
        enc = pc.dictionary_encode(pa.array(list(chain.from_iterable(tokens)), type=pa.string()))
        ids = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        uniques = enc.dictionary.to_pylist()
        doc_of = np.repeat(np.arange(n_docs), sizes)
        newline = ids == (uniques.index("\n") if "\n" in uniques else -1)
        line_of = np.cumsum(newline) + doc_of  # each document starts a line too
        keep = ~newline
        ids, doc_of, line_of = ids[keep], doc_of[keep], line_of[keep]
        counts = np.bincount(doc_of, minlength=n_docs).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(ids, uniques, doc_of, line_of, counts, starts, enc.dictionary)

    @classmethod
    def of_texts(cls, texts: pa.Array | list[str]) -> Vocab:
        """The same as `of([words_and_newlines(t) for t in texts])`, splitting each distinct
        whitespace-delimited chunk once. A word never spans whitespace and the tokenizer's
        look-arounds see whitespace as a text's edge, so a text's words are its chunks' words
        in order. Arrow (C++) cuts the texts into lines and chunks and numbers the distinct
        chunks; those are joined by newlines and split by one regular-expression pass
        (`words_and_newlines`), the "\\n" words marking where each chunk ends; numpy then
        lays each chunk's words where the chunk occurs."""
        n_docs = len(texts)
        lines = pc.split_pattern(pa.array(texts, type=pa.string()) if isinstance(texts, list)
                                 else texts, "\n")
        per_doc = _lengths(lines)
        chunks = pc.ascii_split_whitespace(pc.list_flatten(lines))
        per_line = _lengths(chunks)
        enc = pc.dictionary_encode(pc.list_flatten(chunks))
        chunk = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        distinct = enc.dictionary.to_pylist()
        # Each distinct chunk's words, then a "\n" (none of the chunks holds whitespace).
        tok = pc.dictionary_encode(pa.array(words_and_newlines("\n".join(distinct) + "\n"),
                                            type=pa.string()))
        tids = tok.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        uniques = tok.dictionary.to_pylist()
        ends = np.flatnonzero(tids == uniques.index("\n")) if distinct else np.zeros(0, np.int64)
        first = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)  # each chunk's first word
        size = (ends - first)[chunk]                                    # words per occurrence
        total = int(size.sum())
        before = np.cumsum(size) - size
        ids = tids[np.repeat(first[chunk] - before, size) + np.arange(total)]
        line_of = np.repeat(np.repeat(np.arange(len(per_line)), per_line), size)
        doc_of = np.repeat(np.arange(n_docs), per_doc)[line_of]
        counts = np.bincount(doc_of, minlength=n_docs).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(ids, uniques, doc_of, line_of, counts, starts, tok.dictionary)

    def per_word(self, values: list | np.ndarray, dtype=np.int64) -> np.ndarray:
        """A property of each distinct word, spread to every word."""
        return np.asarray(values, dtype=dtype)[self.ids]

    def lengths(self) -> np.ndarray:
        """Each distinct word's length in characters."""
        return pc.utf8_length(self._arrow()).to_numpy(zero_copy_only=False).astype(np.int64)

    def isin(self, values) -> np.ndarray:
        """Whether each distinct word is one of `values`."""
        return pc.is_in(self._arrow(), value_set=pa.array(sorted(values), type=pa.string())).to_numpy(
            zero_copy_only=False)

    def where(self, ascii_regex: str, test: Callable[[str], bool]) -> np.ndarray:
        """`test` of each distinct word: RE2's `ascii_regex` answers for the ASCII words (it
        must agree with `test` on them), `test` itself for the others."""
        arr = self._arrow()
        out = pc.match_substring_regex(arr, ascii_regex).to_numpy(zero_copy_only=False).copy()
        other = np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False))
        if len(other):
            out[other] = [bool(test(self.uniques[i])) for i in other.tolist()]
        return out

    def _arrow(self) -> pa.Array:
        if self.dictionary is None:
            self.dictionary = pa.array(self.uniques, type=pa.string())
        return self.dictionary

    def per_doc_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.doc_of, weights=values, minlength=len(self.counts))


def _lengths(lists: pa.Array) -> np.ndarray:
    return pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass(frozen=True)
class Annotator:
    name: str
    columns: tuple[Column, ...]
    compute: Callable[[Batch], dict[str, list]]  # column name -> one value per document

    def __call__(self, batch: Batch) -> dict[str, list]:
        out = self.compute(batch)
        assert set(out) == {c.name for c in self.columns}, self.name
        return out


def columns(annotator: str, *specs: tuple[str, pa.DataType, str]) -> tuple[Column, ...]:
    """Columns named `<annotator>_<signal>`."""
    return tuple(Column(s, f"{annotator}_{s}", t, d) for s, t, d in specs)


def share(n: float, d: float) -> float:
    return n / d if d else 0.0
