"""Partner records pages for partner operations: the partners, a form to add one, one to edit one.

The same service as the API and the CLI (``parley.clients.partners``): checked against the
rulebook in force, refused naming the field, audited as the signed-in user.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.clients.partners import EXIT_OWNED, PartnerRecords
from parley.errors import ValidationFailed
from store.models import PartnerStatus
from web.ops_access import partner_ops_required

bp = Blueprint("partners", __name__, url_prefix="/partners")
LISTS = ("territories", "verticals", "certifications")


def _records() -> PartnerRecords:
    return PartnerRecords(g.user.username)


def _form() -> dict[str, Any]:
    """The form's fields as the service takes them: lists are comma-separated codes."""
    data: dict[str, Any] = {}
    for name in ("name", "tier", "status"):
        if request.form.get(name, "").strip():
            data[name] = request.form[name].strip()
    for name in LISTS:
        data[name] = [code.strip() for code in request.form.get(name, "").split(",") if code.strip()]
    return data


def _choices() -> dict[str, Any]:
    program = _records().rulebook.program
    return {
        "tiers": [t.name for t in program.tiers],
        # Exiting and exited are set by an exit, never chosen here (the service refuses them).
        "statuses": [s.value for s in PartnerStatus if s.value not in EXIT_OWNED],
        "territories": program.territories,
        "verticals": program.verticals,
        "certifications": sorted({c for line in program.product_lines for c in line.required_certifications}),
    }


@bp.get("/")
@partner_ops_required
def index() -> ResponseReturnValue:
    page = _records().list_partners(text=request.args.get("text") or None, per_page=200)
    return render_template("partners/index.html", partners=page.items, total=page.total, **_choices())


@bp.post("/")
@partner_ops_required
def create() -> ResponseReturnValue:
    try:
        partner = _records().create_partner(_form())
    except ValidationFailed as exc:
        for problem in exc.problems:
            flash(str(problem), "error")
        return redirect(url_for("partners.index"))
    flash(f"Partner {partner.name} created.", "success")
    return redirect(url_for("partners.show", partner_id=partner.id))


@bp.get("/<int:partner_id>")
@partner_ops_required
def show(partner_id: int) -> ResponseReturnValue:
    records = _records()
    partner = records.get_partner(partner_id)
    contacts = records.list_contacts(partner_id)
    return render_template("partners/show.html", partner=partner, contacts=contacts, **_choices())


@bp.post("/<int:partner_id>")
@partner_ops_required
def update(partner_id: int) -> ResponseReturnValue:
    try:
        _records().update_partner(partner_id, _form())
    except ValidationFailed as exc:
        for problem in exc.problems:
            flash(str(problem), "error")
    else:
        flash("Partner updated.", "success")
    return redirect(url_for("partners.show", partner_id=partner_id))
