"""``parley rulebook``: validate, diff and explain Rules of Engagement files; import a folder into
the library and export versions from it (local operator commands on the database, like ``parley
db``). The roll-out commands, through the API as the token's user, are in
``parley.cli.rulebook_rollout``."""

from __future__ import annotations

from pathlib import Path

import click

from parley.cli.console import fail, friendly_errors


@click.group("rulebook")
def rulebook() -> None:
    """Rulebooks: check, compare and explain files; import and export the library; roll a version
    out (list, show, submit, what-if, withdraw, acknowledge: through the API as the token's user)."""


@rulebook.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Validate FILES; list every problem with its path and exit 1 if any file is invalid."""
    from rules import RulebookInvalid, load_rulebook

    failed = False
    for path in files:
        try:
            loaded = load_rulebook(path)
        except RulebookInvalid as exc:
            failed = True
            click.secho(f"{path}: invalid, {len(exc.problems)} problem(s)", fg="red", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem.path}: {problem.message}", err=True)
            continue
        click.secho(
            f"{path}: valid (version {loaded.version}, effective {loaded.effective_from:%Y-%m-%d %H:%M} UTC)",
            fg="green",
        )
    if failed:
        raise SystemExit(1)


@rulebook.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@friendly_errors
def diff(old: Path, new: Path) -> None:
    """Show which rules changed from OLD to NEW, in words (old → new)."""
    from rules import diff_rulebooks, load_rulebook

    changes = diff_rulebooks(load_rulebook(old), load_rulebook(new))
    if not changes:
        click.echo("no rule changes")
        return
    for change in changes:
        click.echo(change.text)
    click.echo(f"{len(changes)} change(s)")


@rulebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Output format of the playbook.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@friendly_errors
def explain(file: Path, fmt: str, output: Path | None) -> None:
    """Render FILE as a plain-language partner playbook with if/then scenarios."""
    from rules import explain_rulebook, load_rulebook

    text = explain_rulebook(load_rulebook(file), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@rulebook.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--by", default="operator", show_default=True, help="Who imports (the library records it).")
@friendly_errors
def import_command(folder: Path, by: str) -> None:
    """Put every *.yaml of FOLDER straight into the library (an operator's act: a new installation,
    a move between installations; a routine change is a roll-out). Every file is validated first:
    if any is invalid, or names a version already recorded with other content, nothing is stored."""
    from activities.rulebook import import_folder
    from store.engine import session_scope

    with session_scope() as session:
        imported = import_folder(session, folder, by=by)
    if not imported:
        click.echo(f"{folder}: nothing new (every version is already in the library)")
        return
    click.echo(f"{folder}: imported {', '.join(imported)}")


@rulebook.command("export")
@click.argument("version", required=False)
@click.option("--all", "every", is_flag=True, help="Every version of the library (not drafts or withdrawn).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write VERSION.yaml files into (made if missing).",
)
@friendly_errors
def export_command(version: str | None, every: bool, out: Path) -> None:
    """Write VERSION (or --all) to OUT as written, one VERSION.yaml each: a folder `import` reads."""
    import yaml

    from store.crud import rulebooks as versions_crud
    from store.engine import session_scope

    if every == (version is not None):
        fail("version: give one VERSION, or --all")
    with session_scope() as session:
        if every:
            rows = versions_crud.list_rulebook_versions(session=session, library_only=True)
        else:
            assert version is not None
            row = versions_crud.get_rulebook_version(session=session, version=version)
            if row is None:
                fail(f"version: no rulebook version {version!r} in the database")
            rows = [row] if row is not None else []
    out.mkdir(parents=True, exist_ok=True)
    for row in rows:
        # A version recorded before texts were kept is written from its document (no comments).
        text = row.text or yaml.safe_dump(row.document, sort_keys=False, allow_unicode=True)
        path = out / f"{row.version}.yaml"
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path} ({row.state})")
    if not rows:
        click.echo("no versions to export")


def register(group: click.Group) -> None:
    from parley.cli import rulebook_rollout

    rulebook_rollout.add_commands(rulebook)
    group.add_command(rulebook)
