"""Prompts a site prints around its articles (sign-up, disclosure, call-to-action, reading time,
taxonomy, breadcrumbs): removed as whole lines, while sentences that only mention the words stay."""

from __future__ import annotations

import pytest

from pipeline.boilerplate import classify as bp
from pipeline.stages.clean import CleanConfig

RULES = CleanConfig().rules


@pytest.mark.parametrize("line, rule", [
    # sign-up prompts (allsides part-00 kept these before; the issue lists the Fox one)
    ("Chris Stirewalt is digital politics editor for Fox News. Want FOX News First in your "
     "inbox every day? Sign up here.", "newsletter"),
    ("Get Breaking News Delivered to Your Inbox", "newsletter"),
    ("Enjoyed the article? Get new content delivered to your inbox.", "newsletter"),
    ("Join our mailing list! Get a newsletter when an episode is published.", "newsletter"),
    ("By signing up you agree to receive email newsletters or alerts. You can unsubscribe at "
     "any time.", "newsletter"),
    ("Jetzt zum Newsletter anmelden und nichts verpassen", "newsletter"),
    # the site's own disclosure
    ("Purchases you make through our links may earn us a commission.", "disclosure"),
    ("As an Amazon Associate we earn from qualifying purchases.", "disclosure"),
    ("Advertiser Disclosure", "disclosure"),
    # buttons, alone or after the question that leads to them
    ("Get started today", "call_to_action"),
    ("Book a demo", "call_to_action"),
    ("Ready to simplify your meal planning? Get started today.", "call_to_action"),
    ("Request a free quote for roof repairs", "call_to_action"),
    ("Jetzt kostenlos testen", "call_to_action"),
    # footers, markers, reading time, taxonomy, navigation
    ("2025 Example Media, Inc. - All Rights Reserved.", "copyright"),
    ("Alle Rechte vorbehalten.", "copyright"),
    ("- 11 min read", "reading_time"),
    ("Lesezeit: 3 Min.", "reading_time"),
    ("Category: Weekend Reads", "taxonomy"),
    ("Tags: budget travel, europe, trains", "taxonomy"),
    ("Advertisement - Continue Reading Below", "advertisement"),
    ("What the new analytics dashboard shows (Sponsored)", "advertisement"),
    ("Home > Articles > Careers > How to negotiate a raise", "navigation"),
    ("Table of Contents", "navigation"),
    ("Follow us on Instagram, Facebook and Twitter for daily inspiration.", "follow_us"),
    ("Follow @politico", "follow_us"),
])
def test_prompt_lines_are_removed(line, rule):
    found = bp.rule_match(line, RULES)
    assert found is not None and found.name == rule, (line, found and found.name)


@pytest.mark.parametrize("line", [
    # speech: a prompt inside a quotation is what someone said (allsides part-00)
    "“I’m about to be banned,\" wrote Mr Yiannopoulos to his followers on Instagram. \"Please "
    "sign up for my mailing list before this account disappears.\"",
    # sentences that report on commissions, sign-ups, rights and menus
    "The broker earns a commission on every sale, according to the filing.",
    "More than 2 million people signed up for coverage before the deadline, officials said.",
    "The court ruled that the tenants' rights were violated.",
    "To turn it off, go to Settings > Privacy > Location Services.",
    "Register voters early, the secretary of state urged on Tuesday.",
    "The category of the award was created in 2004.",
    "He told reporters the ad was sponsored by a group of donors.",
])
def test_sentences_that_mention_the_words_stay(line):
    assert bp.rule_match(line, RULES) is None, bp.rule_match(line, RULES).name


def test_dates_with_ordinals_are_date_lines():
    assert bp.line_shape("Last updated on September 16th, 2023 at 09:27 am") == "date_only"
    assert bp.line_shape("January 22nd, 2019") == "date_only"
    assert bp.line_shape("On January 22nd, 2019 the bill passed.") is None
