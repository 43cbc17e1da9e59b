"""The sandbox form: what a partner-ops user chose, validated in full before anything starts.

Every document (baseline, proposed, scenario) is validated by the same code the CLI and the
workers use (``simulation.runner.from_texts``); each problem is reported with the form field it
came from and its path inside the document, and nothing is started while any problem remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from parley.errors import FieldProblem, ValidationFailed
from rules import RulebookInvalid, parse_rulebook
from simulation.runner import WhatIf, from_texts
from simulation.scenario import ScenarioInvalid, scenario_from_text
from web import rulebook_sources as sources

UPLOAD = "upload"
SHIPPED_PREFIX = "shipped:"
MAX_REPLICATIONS = 100
DEFAULT_REPLICATIONS = 30
DEFAULT_SEED = 7


@dataclass(frozen=True)
class Problem:
    """A refused input: which form field, where inside the document, what is wrong."""

    field: str
    path: str
    message: str


@dataclass(frozen=True)
class Prepared:
    """A validated what-if and the words the runs list shows for it."""

    what_if: WhatIf
    baseline_version: str
    proposed_label: str
    scenario_summary: dict[str, Any]
    proposed_version: str | None = None  # the stored version (a draft, say) simulated, if one


def shipped_scenarios() -> list[str]:
    """File names of the scenarios shipped with the sandbox (``simulation/scenarios``)."""
    folder = resources.files("simulation").joinpath("scenarios")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))


def _shipped_text(name: str) -> str:
    return resources.files("simulation").joinpath("scenarios", name).read_text("utf-8")


def _upload_text(upload: FileStorage | None, field_name: str, problems: list[Problem]) -> str | None:
    if upload is None or not upload.filename:
        return None
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(field_name, "<file>", "not UTF-8 text; upload the YAML file itself"))
        return ""


def _whole(raw: str, name: str, low: int, high: int, problems: list[Problem]) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(Problem(name, name, f"must be a whole number from {low} to {high:,}"))
    return value


def _proposed(form: ImmutableMultiDict[str, str], files: ImmutableMultiDict[str, FileStorage],
              problems: list[Problem]) -> tuple[str, str, str] | None:  # fmt: skip
    """(text, source, label) of the proposed rulebook, or None when it could not be read."""
    choice = form.get("proposed", "")
    if choice == UPLOAD:
        text = _upload_text(files.get("proposed_file"), "proposed", problems)
        if text is None:
            text = form.get("proposed_yaml", "")
            source = "pasted YAML"
        else:
            source = f"upload {files['proposed_file'].filename}"
        if not text.strip():
            problems.append(Problem("proposed", "<document>", "upload a rulebook file or paste its YAML"))
            return None
        return text, source, source
    try:
        picked = sources.resolve(choice, "proposed")
    except RulebookInvalid:
        problems.append(Problem("proposed", "proposed", "choose a proposed rulebook"))
        return None
    return picked.text, picked.source, picked.label


def _scenario(form: ImmutableMultiDict[str, str], files: ImmutableMultiDict[str, FileStorage],
              problems: list[Problem]) -> tuple[str, str] | None:  # fmt: skip
    choice = form.get("scenario", "")
    if choice == UPLOAD:
        text = _upload_text(files.get("scenario_file"), "scenario", problems)
        if not text:
            if text is None:
                problems.append(Problem("scenario", "<document>", "choose a scenario file to upload"))
            return None
        return text, f"upload {files['scenario_file'].filename}"
    name = choice.removeprefix(SHIPPED_PREFIX)
    if not choice.startswith(SHIPPED_PREFIX) or name not in shipped_scenarios():
        problems.append(Problem("scenario", "scenario", "choose a scenario"))
        return None
    return _shipped_text(name), f"{name} (shipped)"


def _stored_version(choice: str) -> str | None:
    """The version a ``version:`` choice names (a what-if of it can be attached to its roll-out)."""
    return choice.removeprefix(sources.VERSION_PREFIX) if choice.startswith(sources.VERSION_PREFIX) else None


def prepare(form: ImmutableMultiDict[str, str],
            files: ImmutableMultiDict[str, FileStorage]) -> Prepared | list[Problem]:  # fmt: skip
    """Read and validate the whole form; every problem at once, or a ready what-if."""
    problems: list[Problem] = []
    replications = _whole(form.get("replications", ""), "replications", 1, MAX_REPLICATIONS, problems)
    seed = _whole(form.get("seed", ""), "seed", 0, 2**63 - 1, problems)
    baseline = None
    try:
        if not form.get("baseline", "").startswith(sources.VERSION_PREFIX):
            raise RulebookInvalid("baseline", [FieldProblem("baseline", "choose a version in force")])
        baseline = sources.resolve(form.get("baseline", ""), "baseline")
    except RulebookInvalid as exc:
        problems += [Problem("baseline", p.path, p.message) for p in exc.problems]
    proposed = _proposed(form, files, problems)
    scenario = _scenario(form, files, problems)
    # Each document on its own first, so every problem in every document is listed at once.
    if proposed is not None:
        try:
            parse_rulebook(proposed[0], source=proposed[1])
        except RulebookInvalid as exc:
            problems += [Problem("proposed", p.path, p.message) for p in exc.problems]
    if scenario is not None:
        try:
            scenario_from_text(scenario[0])
        except ScenarioInvalid as exc:
            problems += [Problem("scenario", p.path, p.message) for p in exc.problems]
    if problems or baseline is None or proposed is None or scenario is None:
        return problems
    proposed_text, proposed_source, proposed_label = proposed
    try:
        what_if = from_texts(
            baseline.text, proposed_text, scenario[0], replications=replications, seed=seed,
            sources=(baseline.source, proposed_source, scenario[1]),
        )  # fmt: skip
    except ValidationFailed as exc:
        # Only the scenario-against-rulebook check is left; its message names the rulebook.
        return [Problem("scenario", p.path, p.message) for p in exc.problems]
    return Prepared(
        what_if=what_if,
        baseline_version=what_if.baseline.version,
        proposed_label=proposed_label[:120],
        proposed_version=_stored_version(form.get("proposed", "")),
        scenario_summary={
            "name": what_if.scenario.name,
            "source": scenario[1],
            "partners": what_if.scenario.channel.partners,
            "horizon_days": what_if.scenario.horizon / 86_400,
        },
    )
