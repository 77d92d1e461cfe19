"""Issue 15, the recall probe's misses: the same words in another form (abbreviations, a rank
before a name, a wire dateline, an interjection, a compound) are not new facts; another rank,
another dateline or a longer name are. Pure functions and two- or three-paragraph runs."""

from __future__ import annotations

import numpy as np

from pipeline.neardup.detect import NearDupConfig, find_duplicates
from pipeline.neardup.forms import dateline, expands, short_forms, titles


def removed(cover: str, para: str) -> bool:
    """Is `para` (a later document) removed against `cover`?"""
    r = find_duplicates([cover, para], np.array([0, 1]), NearDupConfig())
    return bool(r.dup_of[1] == 0)


def test_abbreviations_and_their_long_forms() -> None:
    assert expands("prop", "proposition") and expands("brig", "brigadier")
    assert expands("lt", "lieutenant") and expands("dept", "department")
    # A longer name is not the expansion of a shorter one without a dot or a figure after it,
    # and a contraction keeps the last letter.
    assert not expands("gen", "governor") and not expands("lt", "lieutenants")
    assert short_forms("Like the Prop 8 case, said Brig. Gen. Amir Ali.") == {"prop", "brig",
                                                                             "gen"}
    assert short_forms("Mann said so. Manning agreed.") == {"mann"} - {"mann"}


PROP = ("Like the Proposition 8 case from California, the lawsuit could falter on a legal "
        "technicality without a definitive ruling from the high court.")
RANK = ("\"At no time were any sources or methods discussed, and no operations were disclosed "
        "that were not already known,\" Mr. McMaster said.")
STORY = ("The special counsel said on Wednesday his inquiry was never going to end with "
         "criminal charges against the president but that it did not clear him either.")


def test_abbreviated_or_written_out_is_the_same_word() -> None:
    short = PROP.replace("Proposition 8", "Prop 8")
    assert removed(PROP, short) and removed(short, PROP)
    gen = RANK.replace("Mr. McMaster said", "said Brig. Gen. Amir Hajizadeh")
    assert removed(gen, gen.replace("Brig. Gen.", "Brigadier General"))
    assert removed(gen.replace("Brig. Gen.", "Brigadier General"), gen)
    # Another figure, or a name that merely starts like the cover's, is another fact.
    assert not removed(short, PROP.replace("Proposition 8", "Proposition 22"))
    mann = RANK.replace("Mr. McMaster", "Mann")
    assert not removed(mann, mann.replace("Mann", "Manning"))


def test_a_rank_before_a_name_the_cover_holds_is_a_description() -> None:
    ranked = RANK.replace(" Mr. McMaster said.", " said Army Lt. Gen. H.R. McMaster.")
    assert titles(ranked) == ({"army", "lt", "gen", "hr"}, {"lt", "gen"})
    assert removed(RANK, ranked)
    # Another rank than the cover's, or a rank before another name, stays.
    lt = RANK.replace("Mr. McMaster", "Lt. Gen. McMaster")
    assert not removed(lt, lt.replace("Lt. Gen.", "Maj. Gen."))
    assert not removed(RANK, RANK.replace("Mr. McMaster said", "said Army Lt. Gen. Smith"))


def test_a_dateline_is_the_wire_frame() -> None:
    assert dateline("WASHINGTON (Reuters) - " + STORY) == "WASHINGTON (Reuters) - "
    assert dateline("NEW YORK, May 3 (AP) \u2014 " + STORY) == "NEW YORK, May 3 (AP) \u2014 "
    assert dateline("FILE PHOTO: " + STORY) is None
    assert removed(STORY, "WASHINGTON (Reuters) - " + STORY)
    # The dateline frees its own words only: a name added to the story still stays.
    assert not removed(STORY, "WASHINGTON (Reuters) - " + STORY.replace("the president",
                                                                          "President Biden"))


def test_an_interjection_and_a_joined_compound_add_nothing() -> None:
    quote = ("\"I'd make a distinction between the organization, which I don't agree with. They "
             "have a broader agenda,\" Barr responded.")
    assert removed(quote, "\"Well, i" + quote[2:])
    one = ("\"This was a one-time occurrence, and I accept full responsibility for my conduct,\" "
           "he said in a statement.")
    herring = one.replace("one-time", "onetime").replace("he said", "Herring said")
    assert removed(one, herring) and removed(herring, one)
    # The speaker named where the cover names another one stays.
    assert not removed(one.replace("he said", "Adams said"), herring)


def test_a_description_stands_for_the_speaker_the_cover_names() -> None:
    holder = ("Holder said Tuesday he is \"not satisfied\" with some of the guidelines on how "
              "prosecutors conduct leak investigations involving reporters.")
    assert removed(holder, holder.replace("Holder said", "The attorney general said"))
    # Not the other way round: a description elsewhere in a montage of quotes ("the mayor
    # says") is not the speaker the reprint names.
    montage = ("\"I'd like to talk about who we're running against: a billionaire who calls "
               "women names.\" \"The mayor says that he has a great record.\"")
    assert not removed(montage, "\"I'd like to talk about who we're running against: a "
                       "billionaire who calls women names,\" Warren said.")
    # "one of" is a pronoun, not the figure 1, unless the cover counts ("two of").
    tweet = ("\"Such poor leadership ability by the Mayor of San Juan, and others who are not "
             "able to get their workers to help,\" Trump said in a series of tweets.")
    assert removed(tweet, tweet.replace("said in a series of", "responded in one of the"))
    two = tweet.replace("and others", "and two of the others")
    assert not removed(two, two.replace("two of the", "one of the"))


def test_a_description_or_transcript_label_for_a_pronoun_or_a_name() -> None:
    quote = ("\"The real scandal here is that classified information is illegally given out by "
             "'intelligence' like candy. Very un-American!\"")
    assert removed("He added: " + quote, quote[:-1] + ",\" the president tweeted.")
    said = ("\"What I just find interesting is the degree to which this issue keeps on coming up, "
            "as if this was my decision,\" Obama said.")
    assert removed(said, "THE PRESIDENT: What I just find interesting is the degree to which "
                   "this issue keeps on coming up, as if this was my decision.")
    # The description is free only where the cover attributes the words: against an
    # unattributed quote, "the president tweeted" adds who said it.
    assert not removed(quote, quote[:-1] + ",\" the president tweeted.")
