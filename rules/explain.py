"""The rulebook as a plain-language partner playbook with if/then scenarios (Markdown or HTML).

Publishing the rules is half of having them: partners and sellers act on "if X, then Y", so the
playbook is generated from the very rulebook the engines run, never written by hand beside it.
"""

from __future__ import annotations

from rules.document import Document
from rules.durations import format_duration
from rules.enums import AccessRevocation, DirectEngagementPolicy, ExitType
from rules.reasons import MEANINGS, ReasonCode
from rules.schema import Rulebook


def explain_rulebook(rulebook: Rulebook, fmt: str = "markdown") -> str:
    """Render the playbook; ``fmt`` is ``markdown`` or ``html``."""
    document = playbook(rulebook)
    if fmt == "markdown":
        return document.markdown()
    if fmt == "html":
        return document.html()
    raise ValueError(f"unknown format {fmt!r}; use markdown or html")


def playbook(rulebook: Rulebook) -> Document:
    title = rulebook.title or "Partner Rules of Engagement"
    doc = Document(f"{title} — partner playbook")
    doc.paragraph(
        f"Rulebook version **{rulebook.version}**, in force from "
        f"{rulebook.effective_from:%Y-%m-%d %H:%M} UTC. Registrations, discount requests and "
        "exits started under this version keep it until they finish."
    )
    _program(doc, rulebook)
    _registration(doc, rulebook)
    _discounts(doc, rulebook)
    _disputes(doc, rulebook)
    _exit(doc, rulebook)
    doc.heading("Reason codes you may see")
    doc.paragraph("Every decision names the rule behind it with one of these stable codes.")
    doc.table(["Code", "Meaning"], [[f"`{code.value}`", MEANINGS[code]] for code in ReasonCode])
    return doc


def _who(rb: Rulebook, role: str) -> str:
    found = rb.program.role(role)
    return found.title if found else role


def _pct(value: float) -> str:
    return f"{value:.1%}".replace(".0%", "%")


def _program(doc: Document, rb: Rulebook) -> None:
    p = rb.program
    doc.heading("The program")
    doc.bullets(
        [
            f"**Territories:** {', '.join(p.territories)}",
            f"**Verticals:** {', '.join(p.verticals)}",
        ]
    )
    doc.table(
        ["Product line", "Certifications required"],
        [[f"{x.name} (`{x.id}`)", ", ".join(x.required_certifications) or "none"] for x in p.product_lines],
    )
    doc.table(["Tier", "Standard discount"], [[t.name, _pct(t.standard_discount)] for t in p.tiers])
    if p.volume_discounts:
        doc.table(
            ["Deal value from", "Extra volume discount"],
            [[f"{b.min_deal_value:,.0f} {p.currency}", _pct(b.discount)] for b in p.volume_discounts],
        )


def _registration(doc: Document, rb: Rulebook) -> None:
    reg, c = rb.registration, rb.registration.conflict
    route = " → ".join(f"{_who(rb, lvl.role)} ({format_duration(lvl.sla)})" for lvl in reg.approval_route)
    ext = reg.extensions
    window = f" in the last {format_duration(ext.request_window)} before expiry" if ext.request_window else ""
    direct = (
        "your registration is **refused**: direct sales keeps the account"
        if c.direct_engagement is DirectEngagementPolicy.PRECLUDE
        else "your registration goes to **a person** who decides with direct sales"
    )
    doc.heading("Deal registration")
    doc.paragraph(
        "Register every opportunity before you work it: only approved registrations earn "
        f"commission. An approved registration is protected for "
        f"**{format_duration(reg.protection_period)}**."
    )
    doc.heading("If … then …", 3)
    doc.bullets(
        [
            "**If** you register an account first and direct sales is not engaged, **then** "
            f"it is approved at once when the deal is at most "
            f"{reg.auto_approve.max_deal_value:,.0f} {rb.program.currency} and your tier is "
            f"{reg.auto_approve.min_tier} or above; otherwise it goes to {route}.",
            f"**If** direct sales was engaged with the account before you registered, **then** {direct}.",
            "**If** another partner registered the same account and product line before you, "
            "**then** yours is refused: the first to register wins. Two submissions in the same "
            "second are ordered by their request reference, the same way every time.",
            "**If** you registered first but a later registration by someone else is already on "
            "file, **then** a person resolves the overlap in your favour unless the facts differ.",
            f"**If** the account name is similar ({_pct(c.name_review_threshold)} to "
            f"{_pct(c.name_match_threshold)} alike) to one already registered, **then** a person "
            "decides whether it is the same customer. Same web domain or names at least "
            f"{_pct(c.name_match_threshold)} alike count as the same account.",
            "**If** another partner holds the account for a different product line, **then** you "
            "may still register your product line: registrations are per account and product line.",
            "**If** a customer of another partner (or of direct sales) calls you, **then** the "
            "account stays with them while their registration or engagement runs: refer the customer.",
            "**If** a registration closes lost, is withdrawn or expires, **then** the account is "
            "open again and the next partner to register it may win it.",
            f"**If** your protection is about to lapse, **then** you are reminded "
            f"{format_duration(reg.reminder_lead_time)} before expiry and may ask for "
            f"{ext.max_count} extension(s) of {format_duration(ext.length)}{window}.",
            "**If** your protection expires without an extension, **then** disengage: the account "
            "is open to others.",
            f"**If** you are not active, not authorised for the territory or vertical, or not "
            f"certified for the product line, **then** the registration is "
            f"{'refused' if reg.auto_reject.ineligible else 'sent to a person'}.",
            f"**If** a registration is refused, **then** you may resubmit up to "
            f"{reg.resubmission_limit} time(s) for the same account and product line.",
            f"**If** nobody on the approval route decides in time, **then** the registration is "
            f"{reg.default_action.past}.",
        ]
    )
    if reg.auto_reject.below_deal_value:
        doc.paragraph(
            f"Deals below {reg.auto_reject.below_deal_value:,.0f} {rb.program.currency} cannot be registered."
        )


def _discounts(doc: Document, rb: Rulebook) -> None:
    d = rb.discount
    doc.heading("Discount exceptions")
    doc.paragraph(
        "Your standard pricing (tier plus volume discount) is always available. Any extra "
        "discount is an exception that must be approved **before** you quote it."
    )
    rows, lower = [], 0.0
    for band in d.matrix:
        who = " then ".join(
            " + ".join(_who(rb, r) for r in step.roles) + f" ({format_duration(step.sla)})"
            for step in band.steps
        )
        rows.append([f"{_pct(lower)} to {_pct(band.max_discount)}", who or "automatic"])
        lower = band.max_discount
    doc.table(["Extra discount", "Approved by (in order; + means in parallel)"], rows)
    items = [
        f"**If** the deal is {b.min_deal_value:,.0f} {rb.program.currency} or more, **then** an "
        f"exception needs the approvers of the band {b.levels} step(s) higher."
        for b in d.deal_size_bumps
    ]
    items += [
        f"**If** you ask for more than {_pct(d.justification_required_above)}, **then** give a "
        "justification (for example, meeting a competitor's price).",
        f"**If** an approver does not answer within the SLA, **then** the step escalates to "
        f"{_who(rb, d.escalation.escalate_to)}; if that also lapses the request is "
        f"{d.escalation.default_action.past}.",
        f"**If** pricing is approved, **then** you may quote it for {format_duration(d.quote_validity)}"
        + (
            f"; you are reminded {format_duration(d.reminder_lead_time)} before it lapses"
            if d.reminder_lead_time
            else ""
        )
        + ", and may ask for a renewal (a new approval under the rules then in force). A revision asks "
        "again only those whose approval it goes beyond: a lower discount stays approved.",
        f"**If** you ask for more than {_pct(d.matrix[-1].max_discount)}, **then** it is refused.",
    ]
    doc.bullets(items)


def _disputes(doc: Document, rb: Rulebook) -> None:
    doc.heading("Disputes and escalation")
    esc = rb.escalation
    doc.paragraph(
        "A partner may contest a conflict decision on its registration (another partner was "
        f"first, or direct sales was engaged) within {format_duration(esc.appeal_window)} of it; "
        "direct sales may contest a partner's registration. Both sides then have "
        f"{format_duration(esc.party_response)} to give their statement, and the case walks this "
        "path; each level has its response time, then the dispute moves up."
    )
    doc.table(
        ["Level", "Who", "Responds within", "How"],
        [
            [str(i + 1), _who(rb, lvl.role), format_duration(lvl.response_sla), lvl.channel.value]
            for i, lvl in enumerate(rb.escalation.levels)
        ],
    )
    default = esc.default_resolution.value.replace("_", " ")
    doc.paragraph(
        f"If nobody decides in time, the rulebook's default applies: {default}. A co-sold account "
        f"is split {esc.co_sell_split:.0%} to the contesting partner."
    )


def _exit(doc: Document, rb: Rulebook) -> None:
    doc.heading("Leaving the program")
    doc.paragraph("New registrations stop when notice is given; notice can be withdrawn while it runs.")
    rows = []
    for exit_type in ExitType:
        p = rb.exit.policy(exit_type)
        approved = p.approved.value.replace("_", " ")
        if p.honour_limit is not None:
            approved += (
                f" (if expiring within {format_duration(p.honour_limit)} of notice end; "
                f"otherwise {p.beyond_honour_limit.value.replace('_', ' ')})"
            )
        revoked = "immediately" if p.access_revoked is AccessRevocation.IMMEDIATELY else "at notice end"
        rows.append(
            [
                exit_type.value.replace("_", " "),
                format_duration(p.notice),
                p.pending.value.replace("_", " "),
                approved,
                f"{format_duration(p.commission_wind_down)} / {format_duration(p.mdf_wind_down)}",
                revoked,
            ]
        )
    doc.table(
        [
            "Exit",
            "Notice",
            "Pending registrations",
            "Approved registrations",
            "Commission / MDF after notice",
            "Access revoked",
        ],
        rows,
    )
