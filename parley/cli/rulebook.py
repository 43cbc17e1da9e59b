"""``parley rulebook``: validate, diff and explain Rules of Engagement files."""

from __future__ import annotations

from pathlib import Path

import click

from parley.cli.console import friendly_errors


@click.group("rulebook")
def rulebook() -> None:
    """Check, compare and publish rulebooks (YAML under rulebooks/)."""


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


def register(group: click.Group) -> None:
    group.add_command(rulebook)
