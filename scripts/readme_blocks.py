#!/usr/bin/env python3
"""The README's "Add it to your project" section as steps and code blocks: what
scripts/try_plugin follows word for word, and tests/test_readme_plugin.py checks.

Each fenced block says on its first line what it is, the way a reader would:

    # shelf/models.py             (or {# shelf/templates/x.html #}) the whole file,
                                  this line included
    # append to mysite/urls.py    these lines, added at the end of the file
    ```diff whose first line is   the file as makemigrations wrote it: each "+" line
    # path...: ...                goes in after the " " context lines above it
    ```sh                         commands, run as they are; one ending in
                                  "# keep it running ..." is started in the background

    readme_blocks.py list [README.md]   the section, block by block (a dry run)
    readme_blocks.py bash [README.md]   the section as bash, for try_plugin to source
    readme_blocks.py edit PATH < HUNK   apply a diff block's lines to PATH

Standard library only: any python3 runs it."""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

SECTION = "Add it to your project"
README = Path(__file__).resolve().parent.parent / "README.md"
SHELL = {"sh", "bash", "shell", "console"}
BACKGROUND = re.compile(r"^(?P<cmd>.*\S)\s+#\s*keep it running\b.*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,})(?P<lang>[\w+-]*)\s*$")
STEP = re.compile(r"^(?P<n>\d+)\.\s+(?P<text>.*)$")
EOF = "README_BLOCK_EOF"


@dataclass
class Block:
    step: int  # the numbered step it sits in
    title: str  # the step's bold words
    lang: str
    kind: str  # create, append, edit, run
    path: str  # the file, for create / append / edit
    body: str  # the text written / appended, the hunk, or the commands
    line: int  # where the block opens in README.md (1-based)


def section(text: str) -> tuple[str, int]:
    """The section's text (its heading to the next "## ") and its first line."""
    lines = text.splitlines()
    try:
        start = lines.index(f"## {SECTION}")
    except ValueError:
        raise ValueError(f'README.md has no "## {SECTION}" section') from None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    return "\n".join(lines[start:end]) + "\n", start + 1


def steps(text: str) -> list[tuple[int, str]]:
    """The section's numbered steps: (number, bold title)."""
    found = []
    for line in section(text)[0].splitlines():
        if m := STEP.match(line):
            bold = re.match(r"\*\*(.+?)\*\*", m["text"])
            found.append((int(m["n"]), bold[1] if bold else m["text"]))
    return found


def _classify(lang: str, lines: list[str], where: str) -> tuple[str, str, str]:
    """(kind, path, body) of one block, from its language and first line."""
    first = lines[0].strip() if lines else ""
    rest = "\n".join(lines[1:]).strip("\n") + "\n"
    if lang in SHELL:
        return "run", "", "\n".join(lines) + "\n"
    if m := re.fullmatch(r"#\s+append to\s+(\S+)", first):
        return "append", m[1], rest
    if lang == "diff":
        if m := re.fullmatch(r"#\s+([\w./-]+)(?:[:,].*)?", first):
            return "edit", m[1], rest
        raise ValueError(f"{where}: a diff block's first line names no file")
    if m := re.fullmatch(r"#\s+([\w./-]+\.\w+)", first) or re.fullmatch(
        r"\{#\s*([\w./-]+\.\w+)\s*#\}", first
    ):
        return "create", m[1], "\n".join(lines) + "\n"
    raise ValueError(
        f"{where}: a {lang or 'plain'} block whose first line names no file "
        f"({first!r}); start it with '# path/to/file' or '# append to path'"
    )


def blocks(text: str) -> list[Block]:
    """Every fenced block of the section, in order; one that is not understood
    raises ValueError naming its README line."""
    body, offset = section(text)
    out: list[Block] = []
    number, title = 0, ""
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := STEP.match(line):
            number = int(m["n"])
            bold = re.match(r"\*\*(.+?)\*\*", m["text"])
            title = bold[1] if bold else m["text"]
        fence = FENCE.match(line)
        if not fence:
            i += 1
            continue
        opened = offset + i
        where = f"README.md line {opened}"
        indent, ticks = fence["indent"], fence["ticks"]
        content = []
        i += 1
        while i < len(lines) and not re.fullmatch(rf"\s*{ticks}`*\s*", lines[i]):
            text_line = lines[i]
            if text_line[: len(indent)].strip() == "":
                text_line = text_line[len(indent) :]
            content.append(text_line)
            i += 1
        if i == len(lines):
            raise ValueError(f"{where}: the block is never closed")
        if number == 0:
            raise ValueError(f"{where}: a block before the first numbered step")
        kind, path, block_body = _classify(fence["lang"], content, where)
        out.append(Block(number, title, fence["lang"], kind, path, block_body, opened))
        i += 1
    return out


def apply_edit(text: str, hunk: str, path: str = "the file") -> str:
    """`text` with the hunk's "+" lines put in after the " " lines above them (found
    in order); "..." lines and blank ones only separate."""
    lines = text.splitlines(keepends=True)
    pos = 0
    for raw in hunk.splitlines():
        if raw.strip() in ("", "..."):
            continue
        if raw.startswith("+"):
            lines.insert(pos, raw[1:] + "\n")
            pos += 1
        elif raw.startswith(" "):
            want = raw[1:].rstrip()
            for j in range(pos, len(lines)):
                if lines[j].rstrip() == want:
                    pos = j + 1
                    break
            else:
                raise ValueError(f"{path}: no line {want!r} below line {pos}")
        else:
            raise ValueError(f"{path}: a hunk line neither ' ' nor '+': {raw!r}")
    return "".join(lines)


def _commands(body: str) -> list[str]:
    """Shell lines joined across backslash continuations."""
    out, current = [], ""
    for line in body.splitlines():
        current += line
        if current.endswith("\\"):
            current += "\n"
            continue
        out.append(current)
        current = ""
    if current:
        out.append(current)
    return out


def to_bash(items: list[Block]) -> str:
    """The blocks as bash for try_plugin to source: it defines readme_step,
    readme_create, readme_append, readme_edit and readme_background."""
    out = ["# Generated from README.md by scripts/readme_blocks.py; do not edit."]
    step = None
    for b in items:
        if b.step != step:
            step = b.step
            out.append(f"readme_step {b.step} {shlex.quote(b.title)}")
        for word in (b.body, b.path):
            if EOF in word:
                raise ValueError(f"README.md line {b.line}: the block holds {EOF}")
        if b.kind in ("create", "append", "edit"):
            out += [f"readme_{b.kind} {shlex.quote(b.path)} <<'{EOF}'", b.body + EOF]
            continue
        for command in _commands(b.body):
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            if m := BACKGROUND.match(command):
                out.append(f"readme_background {shlex.quote(m['cmd'])}")
            else:
                out += [f"printf '$ %s\\n' {shlex.quote(command)}", command]
    return "\n".join(out) + "\n"


def describe(items: list[Block]) -> str:
    lines = []
    for b in items:
        head = f"step {b.step} ({b.title}), README line {b.line}: {b.kind}"
        if b.kind == "run":
            shown = [c for c in _commands(b.body) if c.strip()]
            lines += [f"{head}:"] + [f"    $ {c}" for c in shown]
        else:
            lines.append(f"{head} {b.path} ({len(b.body.splitlines())} lines)")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "edit":
        path = Path(argv[1])
        path.write_text(apply_edit(path.read_text(), sys.stdin.read(), str(path)))
        return 0
    if not argv or argv[0] not in ("list", "bash"):
        print(__doc__, file=sys.stderr)
        return 2
    text = Path(argv[1] if len(argv) > 1 else README).read_text()
    items = blocks(text)
    sys.stdout.write(describe(items) if argv[0] == "list" else to_bash(items))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except ValueError as exc:
        print(f"readme_blocks: {exc}", file=sys.stderr)
        sys.exit(1)
