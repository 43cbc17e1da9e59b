"""Rulebook pages: the versions, each version's playbook, YAML and roll-out, diffs, validation.

Every approver may read every version, drafts included (the rules they apply should be open to
them); validating a draft changes nothing, so approvers may do that too. Partner users read the
published versions (never a draft or a withdrawn one), their playbooks and what changed, and
acknowledge a version for their own partner. Submitting a draft, attaching its what-if and
withdrawing it are for partner operations; the approval is a task in the inbox.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from parley.errors import DecisionRefused, FieldProblem, NotFound, ServiceUnavailable, ValidationFailed
from rules import Rulebook, RulebookInvalid, diff_rulebooks, explain_rulebook
from store.models import RulebookState
from web import rulebook_rollout as rollout
from web import rulebook_sources as sources
from web.auth import approver_required, login_required
from web.kinds import UNAVAILABLE
from web.ops_access import is_partner_ops, partner_ops_required

bp = Blueprint("rulebooks", __name__, url_prefix="/rulebooks")

# What a partner never reads: drafts under review and versions withdrawn before taking effect.
PARTNER_HIDDEN = (RulebookState.DRAFT, RulebookState.WITHDRAWN)

# The page has its own title, so the playbook's <h1> is left out of the embedded body.
_BODY = re.compile(r"<body>\s*(?:<h1>.*?</h1>)?(.*)</body>", re.DOTALL)
_TICKS = re.compile(r"`([^`<>]+)`")  # the playbook's Markdown code spans, e.g. reason codes


def _playbook_body(rulebook: Rulebook) -> Markup:
    """The playbook's HTML body for embedding. rules.document escapes every piece of rulebook
    text before adding its own tags, so the result is safe to mark as such."""
    found = _BODY.search(explain_rulebook(rulebook, "html"))
    return Markup(_TICKS.sub(r"<code>\1</code>", found.group(1) if found else ""))


@bp.app_context_processor
def _partner_ops_flag() -> dict[str, object]:
    return {"is_partner_ops": is_partner_ops}


@bp.errorhandler(RulebookInvalid)
def _library_broken(exc: RulebookInvalid) -> ResponseReturnValue:
    return render_template("sandbox/library_broken.html", problems=exc.problems), 503


def _sandbox_link(proposed_ref: str) -> str:
    governing = sources.governing_version()
    baseline = f"{sources.VERSION_PREFIX}{governing}" if governing else ""
    return url_for("sandbox.new", baseline=baseline, proposed=proposed_ref)


def _staff() -> bool:
    return bool(g.user.is_approver)


def _readable_rows() -> list[sources.VersionRow]:
    rows = sources.version_rows()
    return rows if _staff() else [r for r in rows if r.standing not in PARTNER_HIDDEN]


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    rows = _readable_rows()
    if not _staff():
        return render_template("rulebooks/index.html", rows=rows, refs=[], a_ref="", b_ref="")
    refs = sources.version_choices() + sources.proposal_choices()
    # Offer the most useful comparison first: what governs now against the newest other version.
    governing = next((r.rulebook.version for r in rows if r.standing == RulebookState.IN_FORCE), None)
    a_ref = f"{sources.VERSION_PREFIX}{governing}" if governing else ""
    b_ref = next((c.ref for c in refs if c.ref != a_ref), a_ref)
    return render_template("rulebooks/index.html", rows=rows, refs=refs, a_ref=a_ref, b_ref=b_ref)


def _row(version: str) -> sources.VersionRow:
    """The version if the signed-in user may read it (a partner: published ones only), else 404."""
    try:
        row = sources.version_row(version)
    except NotFound:
        abort(404, f"No rulebook version {version!r}.")
    if not _staff() and row.standing in PARTNER_HIDDEN:
        abort(404, f"No rulebook version {version!r}.")
    return row


def _version(version: str) -> Rulebook:
    return _row(version).rulebook


@bp.get("/versions/<version>")
@login_required
def version(version: str) -> ResponseReturnValue:
    row = _row(version)
    rulebook = row.rulebook
    governing = sources.governing_version()
    asked, own = (False, None)
    if g.user.is_partner and g.user.partner_id is not None:
        asked, own = rollout.own_acknowledgement(version, g.user.partner_id)
    staff = _staff()
    return render_template(
        "rulebooks/version.html",
        row=row,
        rulebook=rulebook,
        governing=governing,
        comparison=rollout.changes_of(row),
        playbook=_playbook_body(rulebook),
        yaml_text=row.text,
        staff=staff,
        events=rollout.timeline(version) if staff else [],
        what_ifs=rollout.what_ifs(version) if staff and row.standing == RulebookState.DRAFT else [],
        acknowledgements=rollout.acknowledgement_rows(version) if is_partner_ops() else [],
        asked=asked,
        own=own,
        simulate_url=_sandbox_link(f"{sources.VERSION_PREFIX}{version}"),
    )


@bp.get("/versions/<version>/playbook.html")
@login_required
def playbook(version: str) -> ResponseReturnValue:
    """The playbook as a standalone page, to publish to partners as it is."""
    return Response(explain_rulebook(_version(version), "html"), mimetype="text/html")


@bp.get("/diff")
@approver_required
def diff() -> ResponseReturnValue:
    refs = sources.version_choices() + sources.proposal_choices()
    a_ref, b_ref = request.args.get("a", ""), request.args.get("b", "")
    if not a_ref:
        governing = sources.governing_version()
        a_ref = f"{sources.VERSION_PREFIX}{governing}" if governing else ""
    changes, a, b = None, None, None
    if a_ref and b_ref:
        try:
            a, b = sources.resolve(a_ref, "a"), sources.resolve(b_ref, "b")
        except RulebookInvalid:
            abort(404, "Choose two rulebooks from the lists.")
        changes = diff_rulebooks(a.rulebook, b.rulebook)
    return render_template(
        "rulebooks/diff.html", refs=refs, a_ref=a_ref, b_ref=b_ref, a=a, b=b, changes=changes
    )


def _submitted_text() -> str:
    upload = request.files.get("rulebook_file")
    if upload is not None and upload.filename:
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return "\x00"  # refused below as not YAML
    return request.form.get("rulebook_yaml", "")


def _validate_page(text: str, problems: list[FieldProblem], rulebook: Rulebook | None,
                   comment: str = "", status: int = 200) -> ResponseReturnValue:  # fmt: skip
    changes, governing = None, sources.governing_version()
    if rulebook is not None and governing:
        changes = diff_rulebooks(sources.library().get(governing), rulebook)
    return render_template(
        "rulebooks/validate.html",
        text=text,
        problems=problems,
        rulebook=rulebook,
        governing=governing,
        changes=changes,
        comment=comment,
    ), status


@bp.get("/validate")
@approver_required
def validate_form() -> ResponseReturnValue:
    return _validate_page("", [], None)


@bp.post("/validate")
@approver_required
def validate() -> ResponseReturnValue:
    text = _submitted_text()
    try:
        rulebook = sources.parse_text(text, "submitted rulebook")
    except RulebookInvalid as exc:
        return _validate_page(text, exc.problems, None, status=422)
    return _validate_page(text, [], rulebook)


def _refused(exc: Exception, version: str | None = None) -> None:
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            flash(f"{problem.path.replace('_', ' ').capitalize()}: {problem.message}.", "error")
    elif isinstance(exc, DecisionRefused):
        flash(f"Refused: {exc.reason}", "error")
    else:
        flash(UNAVAILABLE, "error")


@bp.post("/submit")
@partner_ops_required
def submit() -> ResponseReturnValue:
    """Store the validated draft and start its roll-out (the what-if gate, then approval)."""
    text = request.form.get("rulebook_yaml", "")
    comment = request.form.get("comment", "")
    try:
        view = rollout.submit(text, comment, g.user.username)
    except ValidationFailed as exc:
        try:
            rulebook: Rulebook | None = sources.parse_text(text, "submitted rulebook")
        except RulebookInvalid:
            rulebook = None
        return _validate_page(text, exc.problems, rulebook, comment=comment, status=422)
    except (DecisionRefused, ServiceUnavailable) as exc:
        _refused(exc)
        return _validate_page(text, [], None, comment=comment, status=409)
    waits = "a what-if of it" if view.simulation_required and view.what_if is None else "its approval"
    flash(f"Draft {view.start.version} is stored; its roll-out waits for {waits}.", "success")
    return redirect(url_for("rulebooks.version", version=view.start.version), code=303)


@bp.post("/versions/<version>/what-if")
@partner_ops_required
def attach_what_if(version: str) -> ResponseReturnValue:
    run_id = request.form.get("run_id", "")
    try:
        if not run_id.isdigit():
            raise ValidationFailed([FieldProblem("run_id", "choose a completed what-if of this draft")])
        rollout.run(lambda client: client.attach_what_if(version, g.user.username, int(run_id)))
        flash(f"What-if {run_id} is attached; the draft now waits for its approval.", "success")
    except (ValidationFailed, DecisionRefused, ServiceUnavailable, NotFound) as exc:
        _refused(exc)
    return redirect(url_for("rulebooks.version", version=version), code=303)


@bp.post("/versions/<version>/withdrawal")
@partner_ops_required
def withdraw(version: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "")
    try:
        rollout.run(lambda client: client.withdraw(version, g.user.username, reason))
        flash(f"Rulebook {version} is withdrawn.", "success")
    except (ValidationFailed, DecisionRefused, ServiceUnavailable, NotFound) as exc:
        _refused(exc)
    return redirect(url_for("rulebooks.version", version=version), code=303)


@bp.post("/versions/<version>/acknowledgement")
@login_required
def acknowledge(version: str) -> ResponseReturnValue:
    """A partner's user acknowledges the published version for its own partner."""
    _row(version)
    try:
        rollout.run(lambda client: client.acknowledge(version, g.user.username))
        flash(f"Thank you: rulebook {version} is acknowledged for your partner.", "success")
    except (DecisionRefused, ServiceUnavailable, NotFound) as exc:
        _refused(exc)
    return redirect(url_for("rulebooks.version", version=version), code=303)
