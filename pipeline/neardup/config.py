"""The near-duplicate detector's settings (`dedup.near` in the run configuration).

Apart from the detector so that its pieces (fingerprints, verification, decisions) and the dedup
stage import the settings without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NearDupConfig:
    # Bytes per fingerprint window (8/16/24/32). 24 bytes is ~4 words: long enough that a shared
    # window means a shared passage, not a shared name, so few spurious pairs; short enough that
    # an edit every ~10 words leaves most windows intact. Measured in docs/dedup.md.
    fingerprint_chars: int = 24
    # Sample 1 window in 2^bits as a fingerprint (3 -> ~12 per 100 bytes). Memory is ~20 bytes
    # per fingerprint at the peak; 2 (twice the fingerprints) found 2 more of 1,429 reprints of
    # the eval set for 1.7x the memory.
    sample_bits: int = 3
    # A fingerprint held by more paragraphs than this is common phrasing and makes no pairs.
    max_df: int = 1000
    # Each holder of a fingerprint is compared with this many earliest holders before it.
    fanin: int = 8
    # A pair is verified when the later paragraph shares >= this many fingerprints with the
    # earlier one and >= this share of its own fingerprints (a split half of a joined paragraph
    # shares about half).
    candidate_min_shared: int = 2
    candidate_min_share: float = 0.3
    # ... and the paragraph is verified only when its two best candidates together share
    # >= this share of its fingerprints (an estimate of the containment the exact pass needs).
    candidate_min_estimate: float = 0.4
    # At most this many candidates (most shared fingerprints first) are verified exactly.
    max_candidates: int = 4
    # Covers tried in turn (most contained first) when a cover's facts or sentences disagree:
    # a quote printed inside a longer sentence by one outlet and alone by another is covered
    # by the second.
    cover_attempts: int = 3
    # Paragraphs shorter than this (folded characters) are never removed: a heading such as
    # "Ceasefire talks" repeated by two outlets is not reprinted content, and a line that short
    # cannot tell a reprint from a coincidence; boilerplate lines are the clean stage's job.
    min_chars: int = 40
    # Byte n-gram size of the exact containment, on the folded text (5 = the char 5-grams the
    # anchors measure: a typo or a changed word costs only a few shingles).
    verify_chars: int = 5
    # Share of the paragraph's shingles that kept text before it must contain. Light edits
    # (spelling, attribution, a typo) keep >= 0.85; a paraphrase scores ~0.5-0.7.
    containment: float = 0.8
    # A removed paragraph may be covered by up to this many kept paragraphs (2 = joined), each
    # adding at least `min_part` of its shingles.
    max_sources: int = 2
    min_part: float = 0.15
    # A covering sentence whose shingles are in the paragraph for a share in [lo, hi) was used
    # in part: a clause dropped or rewritten mid-sentence, so the paragraph stays.
    sentence_partial: tuple[float, float] = (0.4, 0.8)
    # ... unless the paragraph holds one end of the sentence and is itself covered for at
    # least this share: a sentence split in two paragraphs, each half a piece of it.
    split_containment: float = 0.95
    # Names are facts: a capitalised name (not sentence-initial) absent from the covering text,
    # or a weekday or month contradicting the cover's, keeps the paragraph.
    check_names: bool = True
    # ... except the speaker a reprint names where its cover says "he said" / "she said" (the
    # same quote, the speaker named elsewhere in the cover's article): "Trump stated".
    pronoun_speaker: bool = True
    # A run of this many consecutive shingles of the paragraph that the cover lacks (wire
    # edits aside) is an added clause, and the paragraph stays: a changed word costs at most
    # its length plus verify_chars - 1.
    max_new_run: int = 24
    # Figures (after folding 1,000/1000 and five/5) must all appear in the covering text.
    check_figures: bool = True
    # Content words (not function words) of the paragraph absent from the covering text: at
    # most this many, plus one per `new_words_per` content words (typos, "Trump stated").
    max_new_words: int = 1
    new_words_per: int = 20

    def __post_init__(self) -> None:
        if self.fingerprint_chars not in (8, 16, 24, 32):
            raise ValueError("fingerprint_chars: must be 8, 16, 24 or 32")
        if not 1 <= self.sample_bits <= 8:
            raise ValueError("sample_bits: must be between 1 and 8")
        if self.max_df < 2:
            raise ValueError("max_df: must be at least 2")
        if self.fanin < 1:
            raise ValueError("fanin: must be at least 1")
        if self.candidate_min_shared < 1:
            raise ValueError("candidate_min_shared: must be at least 1")
        if not 0.0 <= self.candidate_min_share <= 1.0:
            raise ValueError("candidate_min_share: must be in [0, 1]")
        if not 0.0 <= self.candidate_min_estimate <= 1.0:
            raise ValueError("candidate_min_estimate: must be in [0, 1]")
        if self.max_candidates < 1:
            raise ValueError("max_candidates: must be at least 1")
        if self.cover_attempts < 1:
            raise ValueError("cover_attempts: must be at least 1")
        if self.min_chars < self.fingerprint_chars:
            raise ValueError("min_chars: must be at least fingerprint_chars")
        if not 2 <= self.verify_chars <= 5:
            # (a verification shingle is packed below its paragraph's tag: `shingles`)
            raise ValueError("verify_chars: must be between 2 and 5")
        if not 0.5 <= self.containment <= 1.0:
            raise ValueError("containment: must be in [0.5, 1]")
        if not 1 <= self.max_sources <= 4:
            raise ValueError("max_sources: must be between 1 and 4")
        if not 0.0 < self.min_part <= 0.5:
            raise ValueError("min_part: must be in (0, 0.5]")
        lo_hi = self.sentence_partial
        if len(lo_hi) != 2 or not 0.0 <= lo_hi[0] <= lo_hi[1] <= 1.0:
            raise ValueError("sentence_partial: must be two shares lo <= hi in [0, 1]")
        if not 0.5 <= self.split_containment <= 1.0:
            raise ValueError("split_containment: must be in [0.5, 1]")
        if self.max_new_run < 1:
            raise ValueError("max_new_run: must be at least 1")
        if self.max_new_words < 0:
            raise ValueError("max_new_words: must be at least 0")
        if self.new_words_per < 1:
            raise ValueError("new_words_per: must be at least 1")
