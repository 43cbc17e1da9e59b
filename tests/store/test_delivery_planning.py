"""Who a notification reaches: mail to the users it names (a vendor role never reaches partner
users), webhooks by owner (a partner hears its own and program-wide news, an integrator every
event once), and the subscriptions' owner rule and audit."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store import crud
from store.crud import deliveries, webhooks
from store.models import AuditEvent, Delivery, Notification
from tests.store.factories import make_partner, make_user


def _notice(session: Session, key: str, event_key: str, **fields: object) -> Notification:
    return crud.append_notification(
        session=session,
        data={
            "event_type": "registration.decided",
            "subject": "s",
            "event_key": event_key,
            "idempotency_key": key,
            **fields,
        },
    )


def _subscribe(session: Session, url: str, partner_id: int | None, events: list[str]) -> int:
    sub = webhooks.create_subscription(
        session=session,
        data={"url": url, "event_types": events},
        partner_id=partner_id,
        created_by="ops",
    )
    assert sub.id is not None
    return sub.id


def test_mail_and_webhooks_reach_exactly_whom_they_concern(session: Session) -> None:
    ours, theirs = make_partner(session, name="Ours"), make_partner(session, name="Theirs")
    make_user(session, "seller", ["partner"], partner_id=ours.id, email="seller@ours.test")
    make_user(session, "rival", ["partner"], partner_id=theirs.id, email="rival@theirs.test")
    make_user(session, "cam1", ["channel_account_manager"], email="cam1@vendor.test")
    make_user(session, "cam2", ["channel_account_manager"], email="cam2@vendor.test")
    make_user(session, "cam3", ["channel_account_manager"])  # no address: no mail
    make_user(session, "gone", ["channel_account_manager"], email="gone@vendor.test", active=False)
    our_hook = _subscribe(session, "https://ours.test/hook", ours.id, ["registration.decided"])
    their_hook = _subscribe(session, "https://theirs.test/hook", theirs.id, ["registration.decided"])
    crm = _subscribe(session, "https://crm.vendor.test/hook", None, ["registration.decided", "task.assigned"])
    _subscribe(session, "https://ours.test/other", ours.id, ["dispute.opened"])  # another event

    to_partner = _notice(session, "n1", "e1", recipient_user="seller")
    to_role = _notice(session, "n2", "e1", recipient_role="channel_account_manager")
    assert to_partner.partner_id == ours.id and to_role.partner_id is None
    deliveries.plan_deliveries(session=session, notification=to_partner, email=True)
    deliveries.plan_deliveries(session=session, notification=to_role, email=True)
    rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
    assert sorted((d.channel, d.target) for d in rows) == [
        ("email", "cam1@vendor.test"),
        ("email", "cam2@vendor.test"),
        ("email", "seller@ours.test"),
        ("webhook", "https://crm.vendor.test/hook"),  # once for the event, not once per notice
        ("webhook", "https://ours.test/hook"),
    ]
    assert their_hook not in {d.subscription_id for d in rows} and crm in {d.subscription_id for d in rows}
    assert our_hook in {d.subscription_id for d in rows}

    # Planned again (an activity retried): nothing new.
    assert deliveries.plan_deliveries(session=session, notification=to_role, email=True) == []
    # Program-wide news reaches every partner's subscription; no mail when mail is off.
    news = _notice(session, "n3", "e2", recipient_role="partner")
    planned = deliveries.plan_deliveries(session=session, notification=news, email=False)
    reached = {d.subscription_id for d in session.exec(select(Delivery).where(col(Delivery.id).in_(planned)))}
    assert reached == {our_hook, their_hook, crm}


def test_the_owner_rule_and_the_audit_of_subscriptions(session: Session) -> None:
    partner = make_partner(session)
    seller = make_user(session, "seller", ["partner"], partner_id=partner.id)
    ops = make_user(session, "ops", ["partner_ops"])
    cam = make_user(session, "cam", ["channel_account_manager"])
    assert webhooks.subscription_owner(seller) == webhooks.Owner(partner.id)
    assert webhooks.subscription_owner(ops) == webhooks.Owner(None)
    assert webhooks.subscription_owner(cam) is None

    sub_id = _subscribe(session, "https://ours.test/hook", partner.id, ["registration.decided"])
    webhooks.revoke_subscription(
        session=session, subscription_id=sub_id, partner_id=partner.id, revoked_by="seller"
    )
    webhooks.revoke_subscription(
        session=session, subscription_id=sub_id, partner_id=partner.id, revoked_by="seller"
    )
    trail = session.exec(select(AuditEvent).where(AuditEvent.process_id == f"webhook-{sub_id}")).all()
    assert [(e.action, e.actor) for e in trail] == [
        ("webhook.subscribed", "ops"),
        ("webhook.revoked", "seller"),
    ]


def test_one_person_reads_one_notice_of_an_event(session: Session) -> None:
    from activities.projection import NotificationRecord, Projection, TaskOpening, apply_projection

    make_user(session, "ops1", ["partner_ops"])
    make_user(session, "starter", ["admin"])
    projection = Projection(
        process_type="exit",
        process_id="exit-1",
        key="exit-1#1",
        open_tasks=[TaskOpening("exit.approval", 0, "Approve", "vp_channel", None, "why")],
        notifications=[
            NotificationRecord("exit.milestone", "notice", recipient_role="partner_ops"),
            NotificationRecord("exit.milestone", "notice", recipient_user="ops1"),  # told by role
            NotificationRecord("exit.milestone", "notice", recipient_user="starter"),
        ],
    )
    apply_projection(session, projection)
    rows = session.exec(select(Notification).order_by(col(Notification.id))).all()
    assert [(n.event_type, n.recipient_role, n.recipient_user) for n in rows] == [
        ("exit.milestone", "partner_ops", None),
        ("exit.milestone", None, "starter"),
        ("task.assigned", "vp_channel", None),
    ]
    assert rows[2].data["task_kind"] == "exit.approval" and rows[0].event_key == "exit-1#1/exit.milestone"
