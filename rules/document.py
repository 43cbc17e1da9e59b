"""A tiny document model (headings, paragraphs, lists, tables) rendered to Markdown and HTML.

The partner playbook is built once as blocks and rendered both ways, so the two never disagree.
Inline ``**bold**`` is the only markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Bullets | Table


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Heading(level, text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(Bullets(tuple(items)))

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(Table(tuple(headers), tuple(tuple(r) for r in rows)))

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            if isinstance(block, Heading):
                out += ["#" * block.level + " " + block.text, ""]
            elif isinstance(block, Paragraph):
                out += [block.text, ""]
            elif isinstance(block, Bullets):
                out += [f"- {item}" for item in block.items] + [""]
            else:
                out.append("| " + " | ".join(block.headers) + " |")
                out.append("|" + "---|" * len(block.headers))
                out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in block.rows]
                out.append("")
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        out = [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title>",
            "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
            "line-height:1.5;padding:0 1rem}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style>",
            "</head><body>",
            f"<h1>{_inline(self.title)}</h1>",
        ]
        for block in self.blocks:
            if isinstance(block, Heading):
                out.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
            elif isinstance(block, Paragraph):
                out.append(f"<p>{_inline(block.text)}</p>")
            elif isinstance(block, Bullets):
                items = "".join(f"<li>{_inline(i)}</li>" for i in block.items)
                out.append(f"<ul>{items}</ul>")
            else:
                head = "".join(f"<th>{_inline(h)}</th>" for h in block.headers)
                body = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows
                )
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text))
