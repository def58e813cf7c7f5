"""The words of every mail the hub sends, in each language, as they reach a real SMTP server.

Invitations (to a network, to the hub) and password resets, rendered by the real worker and read
back from the .eml text: sentences stay grammatical whatever a name is, dates in a sentence have
the month in the genitive ("do 5. decembra 2026. u 18:18"), and the From header has a name.
"""

from __future__ import annotations

import datetime as dt
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from hub.actions.context import act
from hub.actions.invitations import do_invite, do_request_password_reset
from hub.config import MAIL_NAMES, Settings, load_settings
from hub.db import utcnow
from hub.i18n import format_date_in_text, format_datetime_in_text, gettext
from hub.models import Invitation
from hub.plumbing.runtime import Runtime
from tests.conftest import make_user
from tests.mailserver import MailServer, body_of, run_worker, smtp_server  # noqa: F401

LANGUAGES = ["sr-Latn", "sr-Cyrl", "en"]
HOST = "mreze.skgo.test"
GENITIVE = {
    "sr-Latn": [
        "januara",
        "februara",
        "marta",
        "aprila",
        "maja",
        "juna",
        "jula",
        "avgusta",
        "septembra",
        "oktobra",
        "novembra",
        "decembra",
    ],
    "sr-Cyrl": [
        "јануара",
        "фебруара",
        "марта",
        "априла",
        "маја",
        "јуна",
        "јула",
        "августа",
        "септембра",
        "октобра",
        "новембра",
        "децембра",
    ],
}
NOMINATIVE = {
    "sr-Latn": [
        "januar",
        "februar",
        "mart",
        "april",
        "maj",
        "jun",
        "jul",
        "avgust",
        "septembar",
        "oktobar",
        "novembar",
        "decembar",
    ],
    "sr-Cyrl": [
        "јануар",
        "фебруар",
        "март",
        "април",
        "мај",
        "јун",
        "јул",
        "август",
        "септембар",
        "октобар",
        "новембар",
        "децембар",
    ],
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# What each language says, with the network "Mreža za elektronsku upravu" and the admin
# "Jelena Petrović" inviting "Đorđe Čolić".
INVITED = {
    "sr-Latn": (
        "Poziv u mrežu „Mreža za elektronsku upravu”",
        "Dobar dan, Đorđe Čolić,",
        "Jelena Petrović vas poziva u mrežu „Mreža za elektronsku upravu”.",
        "Link važi do {date}.",
    ),
    "sr-Cyrl": (
        "Позив у мрежу „Мрежа за електронску управу”",
        "Добар дан, Ђорђе Чолић,",
        "Јелена Петровић вас позива у мрежу „Мрежа за електронску управу”.",
        "Линк важи до {date}.",
    ),
    "en": (
        "Invitation to the network “E-Government Network”",
        "Hello Đorđe Čolić,",
        "Jelena Petrović invites you to the network “E-Government Network”.",
        "The link is valid until {date}.",
    ),
}
TO_THE_HUB = {
    "sr-Latn": ("Poziv u Stručne mreže SKGO", "Jelena Petrović vas poziva u Stručne mreže SKGO."),
    "sr-Cyrl": ("Позив у Стручне мреже СКГО", "Јелена Петровић вас позива у Стручне мреже СКГО."),
    "en": (
        "Invitation to the SKGO expert networks",
        "Jelena Petrović invites you to the SKGO expert networks.",
    ),
}


def in_text(moment: dt.datetime, language: str) -> str:
    """The test's own rendering of a moment inside a sentence, in Belgrade time."""
    local = moment.astimezone(ZoneInfo("Europe/Belgrade"))
    time = f"{local.hour:02d}:{local.minute:02d}"
    if language == "en":
        return f"{MONTHS_EN[local.month - 1]} {local.day}, {local.year} at {time}"
    at = "u" if language == "sr-Latn" else "у"
    return f"{local.day}. {GENITIVE[language][local.month - 1]} {local.year}. {at} {time}"


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(name="settings")
def mail_settings(
    tmp_path: object, database_url: str, redis_url: str, smtp: MailServer, language: str
) -> Settings:
    env = {
        "HUB_DATA_DIR": f"{tmp_path}/data",
        "HUB_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "HUB_BASE_URL": f"https://{HOST}",
        "HUB_DEFAULT_LANGUAGE": language,
        "HUB_LOG_FORMAT": "text",
    }
    return load_settings(env).with_(
        database_url=database_url, redis_url=redis_url, run_worker=False, smtp_url=smtp.url
    )


def text_of(mail: Message) -> str:
    return body_of(mail).replace("\r\n", "\n")  # SMTP's line ends


def check_from(mail: Message, language: str) -> None:
    [sender] = mail["From"].addresses
    assert sender.addr_spec == f"hub@{HOST}"
    assert sender.display_name == MAIL_NAMES[language]
    assert MAIL_NAMES[language] == gettext(language, "SKGO expert networks")  # the site's title


async def invite(rt: Runtime, smtp: MailServer, network: str | None) -> tuple[Message, Invitation]:
    admin = await make_user(rt, "jelena@skgo.test", name="Jelena Petrović", admin=True)
    async with act(rt, actor_id=admin) as ctx:
        await do_invite(ctx, email="djordje@example.org", name="Đorđe Čolić", network=network)
    await run_worker(rt)
    async with rt.sessionmaker() as db:
        invitation = (await db.exec(select(Invitation))).one()
    [mail] = smtp.to("djordje@example.org")
    return mail, invitation


async def test_an_invitation_to_a_network(seeded: Runtime, smtp: MailServer, language: str) -> None:
    mail, invitation = await invite(seeded, smtp, "elektronska-uprava")
    subject, greeting, sentence, validity = INVITED[language]
    body = text_of(mail)
    check_from(mail, language)
    assert mail["Subject"] == subject
    assert body.startswith(greeting + "\n\n" + sentence + "\n\n")
    assert validity.format(date=in_text(invitation.expires_at, language)) in body
    assert "/invite/" in body
    if language != "en":  # never the nominative after "do"
        local = invitation.expires_at.astimezone(ZoneInfo("Europe/Belgrade"))
        assert f"{local.day}. {NOMINATIVE[language][local.month - 1]} " not in body


async def test_an_invitation_to_the_hub(seeded: Runtime, smtp: MailServer, language: str) -> None:
    mail, _ = await invite(seeded, smtp, None)
    subject, sentence = TO_THE_HUB[language]
    check_from(mail, language)
    assert mail["Subject"] == subject
    assert f"\n\n{sentence}\n\n" in text_of(mail)


async def test_a_password_reset_in_the_users_language(
    runtime: Runtime, smtp: MailServer, language: str
) -> None:
    uid = await make_user(runtime, "ana@example.org", name="Ana Petrović")
    async with act(runtime, actor_id=uid) as ctx:
        assert ctx.actor is not None
        ctx.actor.language = language
        ctx.db.add(ctx.actor)
    before = utcnow()
    async with act(runtime, ip="198.51.100.9") as ctx:
        await do_request_password_reset(ctx, email="ana@example.org")
    after = utcnow()
    await run_worker(runtime)
    [mail] = smtp.to("ana@example.org")
    check_from(mail, language)
    body = text_of(mail)
    hours = dt.timedelta(hours=runtime.settings.reset_hours)
    # The link's end is a moment between the request's start and end: one of those minutes.
    dates = {in_text(moment + hours, language) for moment in (before, after)}
    greeting, validity = {
        "sr-Latn": ("Dobar dan, Ana Petrović,", "Link važi do {date}."),
        "sr-Cyrl": ("Добар дан, Ана Петровић,", "Линк важи до {date}."),
        "en": ("Hello Ana Petrović,", "It is valid until {date}."),
    }[language]
    assert mail["Subject"] == gettext(language, "Set a new password")
    assert body.startswith(greeting + "\n\n")
    assert any(validity.format(date=date) in body for date in dates), body
    assert "/reset/" in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_inside_a_sentence(language: str) -> None:
    for month in range(1, 13):
        moment = dt.datetime(2026, month, 5, 17, 18, tzinfo=dt.UTC)
        assert format_datetime_in_text(moment, language) == in_text(moment, language)
        local = moment.astimezone(ZoneInfo("Europe/Belgrade"))
        expected = in_text(moment, language).rsplit(" ", 2)[0]  # without " u 18:18"
        assert format_date_in_text(local.date(), language) == expected
