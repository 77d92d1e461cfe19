"""Bytes to text, and compressed files to bytes, without ever losing data silently.

Pure functions apart from `read_bytes`; every failure is an exception whose message is the
quarantine reason.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import zlib
from pathlib import Path
from typing import BinaryIO

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")


class InputError(Exception):
    """An input that cannot be used; str(e) is the reason recorded in quarantine."""


class TruncatedInput(InputError):
    """A compressed stream that breaks off; `data` holds what was recovered before the break."""

    def __init__(self, reason: str, data: bytes) -> None:
        super().__init__(reason)
        self.data = data


class DecompressionBomb(InputError):
    """A compressed input that expands past the size limit at more than the allowed ratio."""


# A compressed input may expand to at most this many times its size once it is past the size
# limit (`ingest.max_file_bytes`); text compresses 3-10x, a decompression bomb 1000x and more.
MAX_EXPANSION = 100.0


def bomb_check(produced: int, consumed: int, limit: int, ratio: float = MAX_EXPANSION) -> None:
    """Raise DecompressionBomb when `produced` decompressed bytes from `consumed` compressed
    ones are past `limit` at more than `ratio` times."""
    if produced > limit and produced > ratio * max(consumed, 1):
        raise DecompressionBomb(
            f"decompression bomb: {consumed} compressed bytes expand past {produced} "
            f"(over {ratio:g}x and over ingest.max_file_bytes {limit}); reading stopped")


def strip_compression(name: str) -> tuple[str, str | None]:
    """('a.jsonl.gz') -> ('a.jsonl', '.gz')."""
    lower = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, None


def decompress(data: bytes, suffix: str | None, limit: int | None = None) -> bytes:
    """Decompress `data`; a stream that breaks off raises TruncatedInput with the part before.
    With `limit`, more than `limit` bytes of output raise InputError (DecompressionBomb when
    the expansion is also past MAX_EXPANSION) before they are all in memory."""
    if suffix is None:
        return data
    if suffix == ".gz":
        return _gunzip(data, limit)
    d = bz2.BZ2Decompressor() if suffix == ".bz2" else lzma.LZMADecompressor()
    try:
        out = d.decompress(data, -1 if limit is None else limit + 1)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as e:
        raise InputError(f"corrupt {suffix} stream: {e}") from None
    # Input the decompressor has not consumed yet is in its buffer; its size is unknown here,
    # so the whole input counts as consumed (the ratio is underestimated, never over).
    _check_limit(len(out), len(data), limit)
    if not d.eof:
        raise TruncatedInput(f"truncated {suffix} stream (ends before its end marker)", out)
    return out


def _check_limit(produced: int, consumed: int, limit: int | None) -> None:
    if limit is not None and produced > limit:
        bomb_check(produced, consumed, limit)
        raise InputError(f"file larger than ingest.max_file_bytes once decompressed (> {limit})")


def _gunzip(data: bytes, limit: int | None = None) -> bytes:
    # A streaming decoder keeps everything decoded before a break, unlike gzip.decompress.
    out: list[bytes] = []
    produced = 0
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, 0 if limit is None else limit + 1 - produced)
            produced += len(chunk)
            out.append(chunk)
            if limit is not None and (produced > limit or d.unconsumed_tail):
                consumed = len(data) - len(d.unconsumed_tail)
                _check_limit(max(produced, limit + 1), consumed, limit)
            out.append(d.flush())
        except zlib.error as e:
            raise TruncatedInput(f"corrupt gzip stream: {e}", b"".join(out)) from None
        if not d.eof:
            raise TruncatedInput("truncated gzip stream (ends before its end marker)", b"".join(out))
        rest = d.unused_data.lstrip(b"\x00")  # concatenated members, padding
    return b"".join(out)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KiB mean this is not text.

    UTF-16/32 text has NULs too, so it is recognised (by BOM or by pattern) before this is asked.
    """
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(head) * 0.05


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(head: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a NUL in every other byte.
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes; raises InputError for binary data.

    Order: a BOM; strict UTF-8; UTF-16 recognised by its NUL pattern; binary check; Windows-1252
    (a superset of Latin-1's printable range, what mislabelled Western pages mostly are), and
    Latin-1 last, which decodes anything.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise InputError(f"invalid {encoding} after its byte-order mark: {e.reason}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data[:8192])
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if looks_binary(data):
        raise InputError("binary data, not text in any encoding")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The (decompressed) bytes of a file, refusing inputs larger than max_bytes (before and
    after decompression)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"file larger than ingest.max_file_bytes ({size} > {max_bytes})")
    data = path.read_bytes()
    _, suffix = strip_compression(path.name)
    return decompress(data, suffix, max_bytes)


class _Guarded(io.RawIOBase):
    """The decompressed side of a stream, counting: past `limit` bytes at more than
    MAX_EXPANSION times the compressed bytes read, it raises DecompressionBomb."""

    def __init__(self, raw: BinaryIO, inner: BinaryIO, limit: int) -> None:
        self._raw, self._inner, self._limit, self.produced = raw, inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        # read1: one read of the decompressor, so that data before a break is handed on
        # before the break raises (a readinto of many reads would drop it).
        data = self._inner.read1(len(b))
        n = len(data)
        b[:n] = data
        self.produced += n
        bomb_check(self.produced, self._raw.tell(), self._limit)
        return n

    def close(self) -> None:
        self._inner.close()
        self._raw.close()
        super().close()


def open_stream(path: Path, limit: int) -> BinaryIO:
    """The (decompressed) bytes of a file as a buffered stream; a compressed one raises
    DecompressionBomb when it expands past `limit` at more than MAX_EXPANSION times."""
    _, suffix = strip_compression(path.name)
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if suffix is None:
        return raw
    inner = {".gz": gzip.GzipFile, ".bz2": bz2.BZ2File, ".xz": lzma.LZMAFile}[suffix](fileobj=raw)
    return io.BufferedReader(_Guarded(raw, inner, limit), 1 << 20)


def open_lines(path: Path, limit: int = 1 << 62):
    """A binary line iterator over a possibly compressed file (for JSONL, streamed)."""
    return open_stream(path, limit)


# Characters that UTF-8 text decoded as Windows-1252/Latin-1 is full of ("Ã©", "â€™", "Ã ",
# "Ð¿"): a `str in` scan for them is C-speed, while ftfy's own detector costs ~0.6 us/char, so
# only text that shows one is handed to ftfy.
_MOJIBAKE_MARKS = ("Ã", "Â", "â€", "Ð", "Ñ", "Ø", "Ù", "ï»¿")


def has_mojibake_marks(text: str) -> bool:
    """Whether text holds one of _MOJIBAKE_MARKS (a loop, not any(genexpr): it runs per paragraph)."""
    for mark in _MOJIBAKE_MARKS:
        if mark in text:
            return True
    return False


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252/Latin-1 ("cafÃ©" -> "café"), via ftfy.fix_encoding, which
    changes text only when the repaired form is clearly better (real "Ã" in Portuguese stays)."""
    if not has_mojibake_marks(text):
        return text
    from ftfy import fix_encoding

    return fix_encoding(text)
