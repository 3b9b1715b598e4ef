"""Abuse protection without a CAPTCHA, and the finding of personal details (feedback.abuse)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from trustbridge.core.context import client_ip
from trustbridge.feedback import abuse
from trustbridge.feedback.abuse import Finding, FindingKind, personal_details, redact

# Personal details ----------------------------------------------------------------------------


def test_personal_details_finds_addresses_phones_and_introduced_names_in_order():
    text = "Hi, my name is Sam Lee. Call 416-555-0199 or write to sam.lee@example.org."

    assert personal_details(text) == [
        Finding(FindingKind.NAME, 15, 22, "Sam Lee"),
        Finding(FindingKind.PHONE, 29, 41, "416-555-0199"),
        Finding(FindingKind.EMAIL, 54, 73, "sam.lee@example.org"),
    ]


@pytest.mark.parametrize(
    "text,redacted",
    [
        ("my name is sam and I live on Elm St", "my name is [removed] and I live on Elm St"),
        ("Je m'appelle Zoé Martin, merci.", "Je m'appelle [removed], merci."),
        ("je m\u2019appelle Luc.", "je m\u2019appelle [removed]."),  # a curly apostrophe
        ("Me llamo José García y vivo aquí.", "Me llamo [removed] y vivo aquí."),
        ("Officer Smith was rude.", "Officer [removed] was rude."),
        ("Sgt. O'Brien helped me.", "Sgt. [removed] helped me."),
        ("Mme Tremblay et M. Dupont", "Mme [removed] et M. [removed]"),
        ("la agente Ruiz fue amable", "la agente [removed] fue amable"),
        ("Phone me on +33 6 12 34 56 78 tonight", "Phone me on [removed] tonight"),
        ("(416) 555 0199 or 416.555.0199", "[removed] or [removed]"),
        ("mail: a.b+c@mail.example.co.uk!", "mail: [removed]!"),
    ],
)
def test_redact_removes_names_phones_and_addresses_and_keeps_the_rest(text, redacted):
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "The officer said nothing and the guard left.",  # titles, but no name after them
        "It happened on 2024-05-01 at 10:30, and again on 03/05/2024.",
        "Bus 52 was 15 minutes late; 3 cars, 2 bikes.",
        "My name is the least of it.",
        "I'm Going home.",
    ],
)
def test_dates_times_small_numbers_and_ordinary_words_are_not_personal_details(text):
    assert personal_details(text) == []
    assert redact(text) == text


def test_a_phone_number_inside_an_email_address_is_found_once_as_the_address():
    assert [f.kind for f in personal_details("write to 4165550199@sms.example.net")] == [
        FindingKind.EMAIL
    ]


# Fingerprints --------------------------------------------------------------------------------


def test_the_fingerprint_ignores_case_accents_punctuation_and_spacing():
    same = [
        "Le lampadaire est cassé !!",
        "le  lampadaire est casse",
        "LE LAMPADAIRE, EST CASSÉ.",
    ]
    assert len({abuse.fingerprint(text) for text in same}) == 1
    assert len(abuse.fingerprint(same[0])) == 32
    assert abuse.fingerprint("Le lampadaire est réparé") != abuse.fingerprint(same[0])


def test_a_text_without_words_has_no_fingerprint():
    assert abuse.fingerprint("!!! ... ???") == ""


# Senders ---------------------------------------------------------------------------------------


def test_the_web_sender_names_the_client_address_and_the_device_cookie():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5")
    request.COOKIES[abuse.DEVICE_COOKIE] = "abcdefghijklmnopqrstuvwx"

    assert abuse.web_sender(request) == "addr:203.0.113.5 device:abcdefghijklmnopqrstuvwx"
    reset = client_ip.set("198.51.100.1")  # what the middleware found behind trusted proxies
    try:
        assert abuse.web_sender(request).startswith("addr:198.51.100.1 ")
    finally:
        client_ip.reset(reset)


def test_a_malformed_device_cookie_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5")
    request.COOKIES[abuse.DEVICE_COOKIE] = "short<script>"

    assert abuse.web_sender(request) == "addr:203.0.113.5"


def test_the_sender_digest_is_keyed_and_does_not_depend_on_the_order_of_identities():
    digest = abuse.sender_digest("addr:203.0.113.5 device:abcdefghijklmnop")

    assert digest == abuse.sender_digest("device:abcdefghijklmnop addr:203.0.113.5")
    assert len(digest) == 64
    assert "203.0.113.5" not in digest
    assert digest != abuse.sender_digest("addr:203.0.113.5")
    assert abuse.sender_digest("") == ""


# Rate limits -----------------------------------------------------------------------------------


def test_a_sender_may_send_five_items_in_ten_minutes_and_no_more(db):
    limits = abuse.submission_limits("web")
    for _ in range(5):
        abuse.reserve("addr:203.0.113.5", limits)

    with pytest.raises(abuse.TooManySubmissions) as refused:
        abuse.reserve("addr:203.0.113.5", limits)

    assert limits == [(5, 600), (20, 86400)]
    assert 1 <= refused.value.retry_after <= 600
    assert "Please wait" in refused.value.message


def test_each_identity_of_a_sender_is_limited_on_its_own(db):
    limits = [(2, 600)]
    abuse.reserve("addr:203.0.113.5 device:phone-one-aaaaaaaa", limits)
    abuse.reserve("addr:203.0.113.5 device:phone-one-aaaaaaaa", limits)

    # Another phone behind the same address: the address is spent.
    with pytest.raises(abuse.TooManySubmissions):
        abuse.reserve("addr:203.0.113.5 device:phone-two-bbbbbbbb", limits)
    # The same phone on another network: the device is spent.
    with pytest.raises(abuse.TooManySubmissions):
        abuse.reserve("addr:192.0.2.44 device:phone-one-aaaaaaaa", limits)
    abuse.reserve("addr:192.0.2.44 device:phone-two-bbbbbbbb", limits)


def test_a_refused_reservation_takes_no_place_and_a_released_one_gives_its_place_back(db):
    limits = [(1, 600)]
    taken = abuse.reserve("addr:203.0.113.5", limits)
    with pytest.raises(abuse.TooManySubmissions):
        abuse.reserve("addr:203.0.113.5", limits)

    taken.release()

    abuse.reserve("addr:203.0.113.5", limits)


def test_the_limits_follow_the_settings_at_each_call(settings):
    settings.TRUSTBRIDGE_FEEDBACK_RATE_LIMITS = {"web": [(1, 60)], "api": [(300, 1)]}

    assert abuse.submission_limits("web") == [(1, 60)]
    assert abuse.submission_limits("api") == [(300, 1)]
    assert abuse.submission_limits("open311") == []
    settings.TRUSTBRIDGE_FEEDBACK_MESSAGE_LIMITS = [(3, 60)]
    assert abuse.message_limits() == [(3, 60)]


def test_a_sender_without_identity_is_not_counted(db):
    for _ in range(10):
        abuse.reserve("", [(1, 600)])
