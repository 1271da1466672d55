"""The mailer sends through a real SMTP server, and a dedupe key keeps one notification."""

from notifications.mailer import SmtpSettings, build_message, send_message


def test_a_message_reaches_the_test_server(smtp_server):
    settings = SmtpSettings.from_url(smtp_server.url, "Dandelion <no-reply@example.com>")
    send_message(settings, build_message(settings, "kim@example.com", "Hello", "Body text ✓"))
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Hello"
    assert message.get_content().strip() == "Body text ✓"


def test_a_dedupe_key_keeps_one_notification(session):
    from accounts.services import create_operator
    from notifications.models import Notification
    from notifications.service import notify

    account = create_operator(session, email="ops2@example.com", password="a long passphrase 42")
    first = notify(session, account.id, "offers.expiring", "s", "b", dedupe_key="k:1")
    again = notify(session, account.id, "offers.expiring", "s2", "b2", dedupe_key="k:1")
    other = notify(session, account.id, "offers.expiring", "s", "b", dedupe_key="k:2")
    session.flush()
    assert again.id == first.id and other.id != first.id
    assert session.query(Notification).filter_by(account_id=account.id).count() == 2


def test_an_unregistered_kind_is_refused(session):
    import pytest

    from notifications.service import notify

    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(session, 1, "offers.nonsense", "s", "b")
