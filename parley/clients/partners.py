"""Partner records: partners, their contacts and direct-sales engagements, kept by partner ops.

Not a Temporal client: plain synchronous calls over one database transaction each, shared by the
API and the pages (the CLI reaches them through the API). Every write is checked against the
rulebook in force (tiers, territories, verticals, certifications, product lines), refused with
every problem named by its field and nothing written, and audited with the acting user (the
signed-in principal, never a name from a request) and what changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.rulebook import rulebook_library
from parley.errors import FieldProblem, ValidationFailed
from rules.schema import Rulebook
from store import crud
from store.crud._common import Page
from store.engine import session_scope
from store.models import DirectEngagement, Partner, PartnerContact, PartnerStatus, as_utc, utcnow

PROCESS_TYPE = "partner"
PARTNER_FIELDS = (
    "name",
    "tier",
    "status",
    "territories",
    "verticals",
    "certifications",
    "certification_expiry",
)


def _codes(value: Any, path: str, allowed: Sequence[str], problems: list[FieldProblem]) -> None:
    if not isinstance(value, list | tuple):
        problems.append(FieldProblem(path, "must be a list of codes"))
        return
    for index, code in enumerate(value):
        if not isinstance(code, str) or code.strip() not in allowed:
            problems.append(
                FieldProblem(f"{path}[{index}]", f"{code!r} is not in the rulebook ({', '.join(allowed)})")
            )


# An exit gives notice and ends a partnership (and cancelling it restores the status): a status
# set by hand would freeze or end a partner with no notice, plan or audit of its dispositions.
EXIT_OWNED = frozenset({PartnerStatus.EXITING.value, PartnerStatus.EXITED.value})
EXIT_ONLY = "only a partner exit sets or lifts this status (parley exit start, or cancel the exit)"


class PartnerRecords:
    """Partner records as ``actor`` (the authenticated user) reads and changes them."""

    def __init__(self, actor: str, *, engine: Engine | None = None, rulebook: Rulebook | None = None) -> None:
        self.actor = actor
        self.engine = engine
        self._rulebook = rulebook

    @property
    def rulebook(self) -> Rulebook:
        """The rulebook in force now (or the one given), which every write is checked against."""
        if self._rulebook is None:
            self._rulebook = rulebook_library(engine=self.engine).governing(utcnow())
        return self._rulebook

    # -- validation ---------------------------------------------------------------------------

    def _check_partner(self, data: Mapping[str, Any]) -> None:
        program = self.rulebook.program
        problems: list[FieldProblem] = []
        unknown = sorted(set(data) - set(PARTNER_FIELDS))
        problems += [FieldProblem(name, "is not a partner field") for name in unknown]
        if "name" in data and (not isinstance(data["name"], str) or not data["name"].strip()):
            problems.append(FieldProblem("name", "must not be empty"))
        tiers = [t.name for t in program.tiers]
        if "tier" in data and data["tier"] not in tiers:
            problems.append(FieldProblem("tier", f"{data['tier']!r} is not a tier ({', '.join(tiers)})"))
        statuses = [s.value for s in PartnerStatus]
        if "status" in data and data["status"] not in statuses:
            problems.append(
                FieldProblem("status", f"{data['status']!r} is not a status ({', '.join(statuses)})")
            )
        if "territories" in data:
            _codes(data["territories"], "territories", program.territories, problems)
        if "verticals" in data:
            _codes(data["verticals"], "verticals", program.verticals, problems)
        certifications = sorted({c for line in program.product_lines for c in line.required_certifications})
        if "certifications" in data:
            _codes(data["certifications"], "certifications", certifications, problems)
        problems += self._check_expiry(data.get("certification_expiry"))
        if problems:
            raise ValidationFailed(problems)

    @staticmethod
    def _check_expiry(expiry: Any) -> list[FieldProblem]:
        if expiry is None:
            return []
        if not isinstance(expiry, Mapping):
            return [FieldProblem("certification_expiry", "must map certification codes to dates")]
        problems = []
        for code, value in expiry.items():
            try:
                date.fromisoformat(str(value))
            except ValueError:
                problems.append(
                    FieldProblem(f"certification_expiry.{code}", f"{value!r} is not a date (YYYY-MM-DD)")
                )
        return problems

    @staticmethod
    def _expiry_of(data: Mapping[str, Any], certifications: Sequence[str]) -> dict[str, str] | None:
        """The expiry dates as stored (ISO dates), for certifications the partner holds."""
        expiry = data.get("certification_expiry")
        if expiry is None:
            return None
        stray = [code for code in expiry if code not in certifications]
        if stray:
            raise ValidationFailed(
                [
                    FieldProblem(f"certification_expiry.{code}", "is not one of the partner's certifications")
                    for code in stray
                ]
            )
        return {code: date.fromisoformat(str(value)).isoformat() for code, value in expiry.items()}

    def _writing(self) -> AbstractContextManager[Session]:
        """A write's session, opened after the rulebook is resolved: resolving it may import the
        shipped versions into a new database, which must not wait on this session's own lock."""
        _ = self.rulebook
        return session_scope(self.engine)

    def _audit(self, session: Session, process_id: str, action: str, detail: dict[str, Any]) -> None:
        crud.append_audit_event(
            session=session,
            data={
                "process_id": process_id,
                "process_type": PROCESS_TYPE,
                "actor": self.actor,
                "action": action,
                "rulebook_version": self.rulebook.version,
                "detail": detail,
                "idempotency_key": f"{process_id}:{action}:{uuid.uuid4().hex}",
            },
        )

    # -- partners -----------------------------------------------------------------------------

    def list_partners(
        self,
        *,
        status: str | None = None,
        territory: str | None = None,
        text: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[Partner]:
        with session_scope(self.engine) as session:
            return crud.list_partners(
                session=session, status=status, territory=territory, text=text, page=page, per_page=per_page
            )

    def get_partner(self, partner_id: int) -> Partner:
        with session_scope(self.engine) as session:
            return crud.get_partner(session=session, partner_id=partner_id)

    def create_partner(self, data: Mapping[str, Any]) -> Partner:
        """Create a partner; ``certification_expiry`` maps held certification codes to dates."""
        for required in ("name", "tier"):
            if required not in data:
                raise ValidationFailed([FieldProblem(required, "is required")])
        self._check_partner(data)
        if data.get("status") in EXIT_OWNED:
            raise ValidationFailed([FieldProblem("status", EXIT_ONLY)])
        certifications = [str(c).strip() for c in data.get("certifications", [])]
        with self._writing() as session:
            values = {**data, "certification_expiry": self._expiry_of(data, certifications)}
            partner = crud.create_partner(session=session, data=values)
            self._audit(
                session,
                f"partner-{partner.id}",
                "partner.created",
                {name: _plain(getattr(partner, name)) for name in PARTNER_FIELDS},
            )
            return partner

    def update_partner(self, partner_id: int, changes: Mapping[str, Any]) -> Partner:
        """Change the fields given; the audit event records each changed field before -> after."""
        self._check_partner(changes)
        with self._writing() as session:
            partner = crud.get_partner(session=session, partner_id=partner_id)
            wanted = changes.get("status", partner.status)
            if wanted != partner.status and {wanted, partner.status} & EXIT_OWNED:
                held = partner.status in EXIT_OWNED
                why = f"the partner is {partner.status}: {EXIT_ONLY}" if held else EXIT_ONLY
                raise ValidationFailed([FieldProblem("status", why)])
            before = {name: _plain(getattr(partner, name)) for name in PARTNER_FIELDS}
            certifications = changes.get("certifications", partner.certifications)
            expiry = self._expiry_of(changes, [str(c).strip() for c in certifications])
            if expiry is None and "certifications" in changes and partner.certification_expiry:
                # Dates of certifications no longer held go with them.
                expiry = {c: d for c, d in partner.certification_expiry.items() if c in certifications}
            if "name" in changes:
                partner.name = str(changes["name"]).strip()
            crud.update_partner(
                session=session,
                partner_id=partner_id,
                status=changes.get("status"),
                tier=changes.get("tier"),
                territories=changes.get("territories"),
                verticals=changes.get("verticals"),
                certifications=changes.get("certifications"),
                certification_expiry=expiry,
            )
            after = {name: _plain(getattr(partner, name)) for name in PARTNER_FIELDS}
            changed = {
                name: {"before": before[name], "after": after[name]}
                for name in PARTNER_FIELDS
                if before[name] != after[name]
            }
            if changed:
                self._audit(session, f"partner-{partner_id}", "partner.updated", changed)
            return partner

    # -- contacts -----------------------------------------------------------------------------

    def list_contacts(self, partner_id: int) -> list[PartnerContact]:
        with session_scope(self.engine) as session:
            crud.get_partner(session=session, partner_id=partner_id)
            return crud.list_partner_contacts(session=session, partner_id=partner_id)

    def add_contact(self, partner_id: int, data: Mapping[str, Any]) -> PartnerContact:
        email = data.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            raise ValidationFailed([FieldProblem("email", f"{email!r} is not an email address")])
        with self._writing() as session:
            crud.get_partner(session=session, partner_id=partner_id)
            contact = crud.add_partner_contact(session=session, data={**data, "partner_id": partner_id})
            self._audit(
                session,
                f"partner-{partner_id}",
                "partner.contact_added",
                {"contact_id": contact.id, "name": contact.name, "email": contact.email},
            )
            return contact

    # -- direct-sales engagements -------------------------------------------------------------

    def list_engagements(self, *, account_id: int | None = None) -> list[DirectEngagement]:
        with session_scope(self.engine) as session:
            return crud.list_direct_engagements(session=session, account_id=account_id)

    def add_engagement(self, data: Mapping[str, Any]) -> DirectEngagement:
        """Record that direct sales is engaged on an account since ``since`` (owner, product line).

        The account is ``account_id``, or a new one from ``account_name``, ``account_domain``,
        ``territory`` and ``vertical``.
        """
        program = self.rulebook.program
        problems: list[FieldProblem] = []
        lines = [line.id for line in program.product_lines]
        if data.get("product_line") is not None and data["product_line"] not in lines:
            problems.append(
                FieldProblem(
                    "product_line", f"{data['product_line']!r} is not a product line ({', '.join(lines)})"
                )
            )
        if data.get("account_id") is None:
            for name in ("account_name", "territory", "vertical"):
                if not data.get(name):
                    problems.append(FieldProblem(name, "is required without account_id"))
            if data.get("territory") and data["territory"] not in program.territories:
                problems.append(FieldProblem("territory", f"{data['territory']!r} is not a territory"))
            if data.get("vertical") and data["vertical"] not in program.verticals:
                problems.append(FieldProblem("vertical", f"{data['vertical']!r} is not a vertical"))
        if problems:
            raise ValidationFailed(problems)
        with self._writing() as session:
            account_id = data.get("account_id")
            if account_id is None:
                account = crud.create_account(
                    session=session,
                    data={
                        "name": data["account_name"],
                        "web_domain": data.get("account_domain"),
                        "territory": data["territory"],
                        "vertical": data["vertical"],
                    },
                )
                account_id = account.id
            fields = ("product_line", "owner", "since", "until")
            engagement = crud.add_direct_engagement(
                session=session, data={"account_id": account_id, **{k: data[k] for k in fields if k in data}}
            )
            self._audit(
                session,
                f"engagement-{engagement.id}",
                "engagement.added",
                {
                    "account_id": account_id,
                    "product_line": engagement.product_line,
                    "owner": engagement.owner,
                    "since": _plain(engagement.since),
                    "until": _plain(engagement.until),
                },
            )
            return engagement

    def end_engagement(self, engagement_id: int, until: datetime | None = None) -> DirectEngagement:
        """End an engagement at ``until`` (default now); it must be after it began and not ended."""
        until = as_utc(until) if until is not None else utcnow()
        with self._writing() as session:
            engagement = crud.get_direct_engagement(session=session, engagement_id=engagement_id)
            if engagement.until is not None:
                raise ValidationFailed(
                    [FieldProblem("until", f"the engagement ended already ({engagement.until:%Y-%m-%d})")]
                )
            if until <= as_utc(engagement.since):
                raise ValidationFailed([FieldProblem("until", "must be after since")])
            engagement.until = until
            session.add(engagement)
            session.flush()
            self._audit(
                session,
                f"engagement-{engagement_id}",
                "engagement.ended",
                {"until": {"before": None, "after": _plain(until)}},
            )
            return engagement


def _plain(value: Any) -> Any:
    """``value`` as JSON keeps it (datetimes as ISO text)."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value
