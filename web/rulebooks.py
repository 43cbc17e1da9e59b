"""Rulebook pages: versions in force, each version's playbook and YAML, diffs, validation, roll-out.

Every approver may read (the rules they apply should be open to them); validating a draft changes
nothing, so approvers may do that too. Scheduling a version for roll-out is for partner ops.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from parley.errors import FieldProblem, NotFound, ValidationFailed
from rules import Rulebook, RulebookInvalid, diff_rulebooks, explain_rulebook
from web import rulebook_rollout as rollout
from web import rulebook_sources as sources
from web.auth import approver_required
from web.ops_access import is_partner_ops, partner_ops_required

bp = Blueprint("rulebooks", __name__, url_prefix="/rulebooks")

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


@bp.get("/")
@approver_required
def index() -> ResponseReturnValue:
    rows = sources.version_rows()
    refs = sources.version_choices() + sources.proposal_choices()
    # Offer the most useful comparison first: what governs now against the newest other version.
    governing = next((r.rulebook.version for r in rows if r.standing == "governing"), None)
    a_ref = f"{sources.VERSION_PREFIX}{governing}" if governing else ""
    b_ref = next((c.ref for c in refs if c.ref != a_ref), a_ref)
    return render_template("rulebooks/index.html", rows=rows, refs=refs, a_ref=a_ref, b_ref=b_ref)


def _version(version: str) -> Rulebook:
    try:
        return sources.library().get(version)
    except NotFound:
        abort(404, f"No rulebook version {version!r} in the library.")


@bp.get("/versions/<version>")
@approver_required
def version(version: str) -> ResponseReturnValue:
    rulebook = _version(version)
    row = next(r for r in sources.version_rows() if r.rulebook.version == version)
    governing = sources.governing_version()
    return render_template(
        "rulebooks/version.html",
        row=row,
        rulebook=rulebook,
        governing=governing,
        playbook=_playbook_body(rulebook),
        yaml_text=row.path.read_text(encoding="utf-8"),
        events=rollout.roll_out_events(version),
        simulate_url=_sandbox_link(f"{sources.VERSION_PREFIX}{version}"),
    )


@bp.get("/versions/<version>/playbook.html")
@approver_required
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


@bp.post("/schedule")
@partner_ops_required
def schedule() -> ResponseReturnValue:
    text = request.form.get("rulebook_yaml", "")
    comment = request.form.get("comment", "")
    try:
        done = rollout.schedule(text, comment, g.user.username)
    except ValidationFailed as exc:
        try:
            rulebook: Rulebook | None = sources.parse_text(text, "submitted rulebook")
        except RulebookInvalid:
            rulebook = None
        return _validate_page(text, exc.problems, rulebook, comment=comment, status=422)
    flash(
        f"Rulebook {done.version} is scheduled to take effect {done.effective_from:%Y-%m-%d %H:%M} UTC "
        f"(written to {done.path.name}).",
        "success",
    )
    return redirect(url_for("rulebooks.version", version=done.version, scheduled=1), code=303)
