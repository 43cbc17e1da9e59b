"""Reading rulebooks: YAML text or a mapping -> ``Rulebook``, with every problem named by path.

The only module in ``rules`` that touches files (``load_rulebook``, ``load_library``).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from parley.errors import FieldProblem, ValidationFailed
from rules.checks import check_sections
from rules.library import RulebookLibrary
from rules.schema import OPTIONAL_SECTIONS, SECTIONS, Rulebook


class RulebookInvalid(ValidationFailed):
    """A rulebook document was refused; ``problems`` lists every (path, message) found."""

    def __init__(self, source: str, problems: list[FieldProblem]) -> None:
        self.source = source
        super().__init__(problems)

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


_HEADER_FIELDS = ("version", "effective_from", "title")


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key written twice in one mapping (a silent override)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_rulebook(document: str | Mapping[str, Any], source: str = "<rulebook>") -> Rulebook:
    """Validate YAML text (or an already-parsed mapping) into a ``Rulebook``.

    Raises ``RulebookInvalid`` listing every problem: schema errors per section, unknown keys,
    and the cross-field checks of ``rules.checks`` on every section that is itself valid.
    """
    data = _as_mapping(document, source)
    problems: list[FieldProblem] = []
    for key in data:
        if key not in _HEADER_FIELDS and key not in SECTIONS and key not in OPTIONAL_SECTIONS:
            problems.append(_unknown(str(key), (), Rulebook))
    header = {k: data[k] for k in _HEADER_FIELDS if k in data}
    try:
        # Sections are validated one by one below; None here only lets the header be checked.
        Rulebook.model_validate({**header, **dict.fromkeys(SECTIONS)})
    except ValidationError as exc:
        problems += [_problem(e, (), Rulebook) for e in exc.errors() if e["loc"][0] in _HEADER_FIELDS]
    sections: dict[str, Any] = {}
    for name, model in SECTIONS.items():
        if name not in data:
            problems.append(FieldProblem(name, "required section is missing"))
            sections[name] = None
            continue
        try:
            sections[name] = model.model_validate(data[name])
        except ValidationError as exc:
            problems += [_problem(e, (name,), model) for e in exc.errors()]
            sections[name] = None
    for name, model in OPTIONAL_SECTIONS.items():
        try:
            sections[name] = model.model_validate(data.get(name) or {})
        except ValidationError as exc:
            problems += [_problem(e, (name,), model) for e in exc.errors()]
            sections[name] = None
    problems += check_sections(
        sections["program"],
        sections["registration"],
        sections["discount"],
        sections["escalation"],
        sections["exit"],
        sections.get("rollout"),
    )
    if problems:
        raise RulebookInvalid(source, problems)
    return Rulebook.model_validate(data)


def load_rulebook(path: str | Path) -> Rulebook:
    """Read and validate one rulebook YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulebookInvalid(str(path), [FieldProblem("<file>", exc.strerror or str(exc))]) from exc
    return parse_rulebook(text, source=str(path))


def load_library(directory: str | Path) -> RulebookLibrary:
    """Load every ``*.yaml`` directly in ``directory`` (not subfolders) into a library.

    Every file is validated before anything is returned; problems from all files are reported
    together, and two files declaring the same version are refused.
    """
    directory = Path(directory)
    rulebooks: list[Rulebook] = []
    problems: list[FieldProblem] = []
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            rulebook = load_rulebook(path)
        except RulebookInvalid as exc:
            problems += [FieldProblem(f"{path.name}:{p.path}", p.message) for p in exc.problems]
            continue
        if rulebook.version in origin:
            problems.append(
                FieldProblem(
                    f"{path.name}:version",
                    f"version {rulebook.version!r} is already declared by {origin[rulebook.version].name}",
                )
            )
            continue
        origin[rulebook.version] = path
        rulebooks.append(rulebook)
    if problems:
        raise RulebookInvalid(str(directory), problems)
    if not rulebooks:
        raise RulebookInvalid(str(directory), [FieldProblem("<directory>", "no *.yaml rulebooks")])
    return RulebookLibrary(rulebooks)


def _as_mapping(document: str | Mapping[str, Any], source: str) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        return document
    try:
        data = yaml.load(document, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        detail = getattr(exc, "problem", None) or str(exc)
        raise RulebookInvalid(
            source, [FieldProblem("<document>", f"not valid YAML: {where}{detail}")]
        ) from exc
    if not isinstance(data, Mapping):
        raise RulebookInvalid(
            source, [FieldProblem("<document>", "must be a mapping with version, program, ...")]
        )
    return data


def format_path(loc: tuple[int | str, ...]) -> str:
    """``("discount", "matrix", 2, "max_discount")`` -> ``discount.matrix[2].max_discount``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<document>"


def _problem(error: ErrorDetails, prefix: tuple[str, ...], model: type[BaseModel]) -> FieldProblem:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return _unknown(format_path(prefix + loc), loc[:-1], model)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "required"
    elif error["type"].startswith("datetime"):
        message = f"{message} (write e.g. 2026-01-01T00:00:00Z)"
    return FieldProblem(format_path(prefix + loc), message)


def _unknown(path: str, parent: tuple[int | str, ...], model: type[BaseModel]) -> FieldProblem:
    """An unknown key, with the closest known key when it looks like a typo."""
    known = _fields_at(model, parent)
    key = path.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FieldProblem(path, f"unknown key{hint}")


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` through nested models and lists."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        current = _model_in(current.model_fields[part].annotation) if part in current.model_fields else None
        if current is None:
            return []
    return list(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
