"""Words, lines and sentences of a document's text, shared by the quality annotators.

The published filters count *words* as a tokenizer gives them: datatrove (whose
implementations of the Gopher, C4 and FineWeb rules are the common reference) splits English
with spaCy's rule-based tokenizer, where punctuation marks are words of their own ("said ."),
clitics are split ("do n't", "Trump 's") and abbreviations keep their period ("U.S.", "Mr.").
Ratios such as "words with an alphabetic character" depend on that, so `words` follows the same
rules with one regular expression (no model, a few microseconds per kilobyte).
"""

from __future__ import annotations

import re

# Abbreviations spaCy's English exceptions keep whole (titles, months, company suffixes).
_ABBREV = ("[A-Z]|v|Mr|Mrs|Ms|Dr|Sen|Gov|Rep|Rev|Gen|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Jr|Sr|St|Mt|Ft|"
           "Inc|Corp|Co|Ltd|Bros|vs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
           "Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|"
           "Mo|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Va|Vt|Wash|Wis|Wyo")
_CORE = (
    # Abbreviations and acronyms, looked at only where a short word ends in a period.
    rf"(?=[A-Za-z][a-z]{{0,4}}\.)(?:(?<![\w.])(?:{_ABBREV})\.(?!\w)|(?:[A-Za-z]\.){{2,}}(?![A-Za-z]))"
    r"|n['’]t\b"                                       # do n't, ca n't (split before, see words)
    r"|['’](?:[sSmMdD]|ll|LL|re|RE|ve|VE)\b"           # 's 'm 'd 'll 're 've
    r"|\w+(?:[.,:/]\d\w*)*(?:(?<=[^\W\d_])-\d\w*)*"  # words, 3,000  5.2  10:30  COVID-19
    r"|\.{2,}|-{2,}"                                    # ... --
    r"|[^\w\s]"                                         # any other mark, one each
)
_WORDS = re.compile(_CORE)
# Rarer shapes, looked for only in texts where they may occur (they slow every word down):
# URLs, e-mail addresses, @handles, domain names, O'Reilly, S&P.
_WORDS_WEB = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]'’”]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w+|[A-Z]['’][A-Z]\w+|[A-Z]&[A-Z]\b"
    r"|\w+(?:\.\w+)*\.(?:com|org|net|gov|edu)\b|" + _CORE)
# Where a rare shape may be: the whitespace-delimited chunk around each of these is read with
# _WORDS_WEB, the rest of the text with _WORDS.
_ANCHOR = re.compile(r"@|://|www\.|&|\.(?:com|org|net|gov|edu)\b|[A-Z]['’][A-Z]")
_SPACE = re.compile(r"\s")
_CANNOT = re.compile(r"\b([Cc]an)(?=not\b)")


def words(text: str) -> list[str]:
    """The text's words, punctuation marks included, as spaCy's English tokenizer splits them
    (to within about 3 words in 1,000 on news text; URLs and e-mail addresses are one word)."""
    return _tokenize(text, _WORDS, _WORDS_WEB)


def words_and_newlines(text: str) -> list[str]:
    """`words`, with a "\\n" word at each line break (lines are where they were)."""
    return _tokenize(text, _WORDS_NL, _WORDS_WEB_NL)


_WORDS_NL = re.compile(_CORE + r"|\n")
_WORDS_WEB_NL = re.compile(_WORDS_WEB.pattern + r"|\n")


def _tokenize(text: str, core: re.Pattern, web: re.Pattern) -> list[str]:
    if "n't" in text or "n’t" in text:
        text = text.replace("n't", " n't").replace("n’t", " n’t")
    if "annot" in text:
        text = _CANNOT.sub(r"\1 ", text)
    out: list[str] = []
    at = 0
    for m in _ANCHOR.finditer(text):
        start, end = m.span()
        if start < at:
            continue
        while start > at and not text[start - 1].isspace():
            start -= 1
        space = _SPACE.search(text, end)
        end = space.start() if space else len(text)
        out += core.findall(text, at, start)
        out += web.findall(text, start, end)
        at = end
    out += core.findall(text, at)
    return out


# datatrove's PUNCTUATION_SET (its ASCII and CJK marks, control characters, and the Unicode
# sentence terminators below): a word made only of these is a "symbol word", which Gopher's
# word count and mean word length leave out.
SYMBOLS = ("!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
           + "".join(map(chr, (*range(0, 9), *range(11, 32), *range(127, 160)))))


def is_symbol(word: str) -> bool:
    return not word.strip(SYMBOLS_ALL)


# spaCy's sentencizer: a sentence ends after one of these marks when a word follows that is
# not itself punctuation.
SENTENCE_END = frozenset(".!?։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？｡。")
SYMBOLS_ALL = SYMBOLS + "".join(SENTENCE_END)
_PUNCT_WORD = re.compile(r"[^\w\s]+")


def count_sentences(line_words: list[str]) -> int:
    """Sentences in one line's words, by spaCy's sentencizer rule (0 for no words)."""
    if not line_words:
        return 0
    n, seen_end = 1, False
    for w in line_words:
        if seen_end and w not in SENTENCE_END and not _PUNCT_WORD.fullmatch(w):
            n += 1
            seen_end = False
        elif w in SENTENCE_END:
            seen_end = True
    return n
