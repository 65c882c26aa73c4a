"""The README's "Add it to your project" is what scripts/try_plugin runs (CI runs the
script; this checks, without a database, that the section reads as the script needs):
it opens the README, has at most ten numbered steps, and every code block in it is
one the script follows, so nothing shown to a reader is skipped."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

_spec = importlib.util.spec_from_file_location(
    "readme_blocks", ROOT / "scripts" / "readme_blocks.py"
)
readme_blocks = importlib.util.module_from_spec(_spec)
sys.modules["readme_blocks"] = readme_blocks  # dataclasses look their module up
_spec.loader.exec_module(readme_blocks)


def test_the_readme_starts_with_add_it_to_your_project():
    lines = [line for line in README.splitlines() if line.strip()]
    assert lines[0] == "# moviesearch"
    assert lines[1] == "## Add it to your project"


def test_the_demo_commands_come_right_after_it():
    after = README.split("## Add it to your project", 1)[1].split("\n## ", 1)[1]
    heading, rest = after.split("\n", 1)
    assert "demo" in heading.lower()
    first_block = rest.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.startswith("./scripts/run")
    assert "./scripts/test" in first_block


def test_at_most_ten_numbered_steps():
    numbers = [n for n, _ in readme_blocks.steps(README)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert 1 <= len(numbers) <= 10


def test_every_block_is_one_the_script_follows():
    text, _ = readme_blocks.section(README)
    fences = [ln for ln in text.splitlines() if re.fullmatch(r"\s*```[\w+-]*\s*", ln)]
    blocks = readme_blocks.blocks(README)
    assert len(blocks) == len(fences) / 2
    assert {b.kind for b in blocks} <= {"create", "append", "edit", "run"}
    bash = readme_blocks.to_bash(blocks)
    for block in blocks:
        if block.kind == "run":
            for command in block.body.splitlines():
                if command.strip() and not command.lstrip().startswith("#"):
                    shown = readme_blocks.BACKGROUND.sub(r"\g<cmd>", command)
                    assert shown in bash
        else:
            assert f"readme_{block.kind} {block.path} " in bash
            assert block.body in bash


def test_the_section_installs_configures_and_starts_a_worker():
    blocks = readme_blocks.blocks(README)
    commands = "\n".join(b.body for b in blocks if b.kind == "run")
    assert "pip install torch==2.13.0" in commands
    assert "manage.py migrate" in commands
    assert "manage.py reindex" in commands
    assert any(readme_blocks.BACKGROUND.match(c) for c in commands.splitlines())
    files = {b.path: b.body for b in blocks if b.kind in ("create", "append")}
    settings = files["mysite/settings.py"]
    for app in (
        "moviesearch.embeddings",
        "moviesearch.search",
        "django.contrib.postgres",
    ):
        assert f'"{app}"' in settings
    # The declaration the settings name is a file the section writes.
    dotted = re.search(r'MOVIESEARCH_CATALOGUE = "(.+)"', settings)[1]
    module, cls = dotted.rsplit(".", 1)
    assert f"class {cls}(Catalogue)" in files[module.replace(".", "/") + ".py"]
    assert 'include("moviesearch.urls")' in files["mysite/urls.py"]


def test_the_script_reads_the_section_and_ci_runs_it():
    script = (ROOT / "scripts" / "try_plugin").read_text()
    assert 'readme_blocks.py" bash' in script and '. "$work/steps.sh"' in script
    assert "./scripts/try_plugin" in (ROOT / ".ci" / "run").read_text()


MIGRATION = """\
import pgvector.django.vector
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    operations = [
        migrations.CreateModel(
"""


def test_a_diff_block_puts_its_lines_after_the_context():
    hunk = next(b for b in readme_blocks.blocks(README) if b.kind == "edit").body
    edited = readme_blocks.apply_edit(MIGRATION, hunk)
    assert "from django.db import migrations, models\nfrom pgvector.django import" in (
        edited
    )
    assert "operations = [\n        VectorExtension(),\n        migrations." in edited
    with pytest.raises(ValueError, match="no line"):
        readme_blocks.apply_edit("nothing here\n", hunk)


def test_a_block_naming_no_file_is_refused():
    text = (
        "# x\n\n## Add it to your project\n\n"
        "1. **One**\n\n   ```python\n   x = 1\n   ```\n"
    )
    with pytest.raises(ValueError, match="names no file"):
        readme_blocks.blocks(text)
