"""``appscan policy``: analyse privacy policies alone, as a developer lints a policy before release.

Errors are raised, never turned into exits here: the main group maps ``RuleLoadError`` to exit code 4 and other
``AppscanError``s (an unreadable, binary or too large file) to 2, each as one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from appscan.cli.common import say
from appscan.cli.report_cmd import write_output
from appscan.policy import PolicyDocument, analyse_file
from appscan.rules.loader import load_rulesets

__all__ = ["policy"]


def _text(document: PolicyDocument) -> str:
    """A readable summary: declared and denied types with their sentences, SDKs, sections and what is missing."""
    lines = [f"{document.source} ({document.format}, {document.language}, sha256 {document.sha256[:12]})"]
    lines.append(f"  declared data types: {len(document.declared_types)}")
    for entry in document.declared:
        flags = (" [conditional]" if entry.conditional else "") + (f" [purpose: {entry.purpose}]"
                                                                    if entry.purpose else "")
        lines.append(f"    {entry.data_type}: {entry.sentence}{flags}")
    if document.denied:
        lines.append(f"  denied data types: {len(document.denied_types)}")
        lines.extend(f"    {entry.data_type}: {entry.sentence}" for entry in document.denied)
    lines.append(f"  third-party SDKs named: {len(document.sdks)}")
    for sdk in document.sdks:
        company = f" ({sdk.company})" if sdk.company else ""
        types = f": {', '.join(sdk.data_types)}" if sdk.data_types else ""
        lines.append(f"    {sdk.name}{company} -> {sdk.sdk or 'not in the catalogue'}{types}")
    sections = document.sections
    present = [name for name, value in sections.to_json().items() if value and name != "updated"]
    lines.append(f"  sections: {', '.join(present) or 'none'}; updated: {sections.updated or 'not stated'}")
    missing = sections.missing()
    lines.append(f"  missing: {', '.join(missing) if missing else 'nothing'}")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A readable summary, or the JSON documents (one object, or an array for several files).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An extra ruleset directory (synonyms, cues, SDK aliases of your own), loaded after the bundled "
                   "one; repeatable.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def policy(files: tuple[Path, ...], fmt: str, output: Path | None, rules_dirs: tuple[Path, ...],
           debug: bool) -> None:
    """Analyse privacy policies (HTML, Markdown, plain text, PDF): the personal data they declare and deny, with
    sentences, purposes and conditions; the third-party SDKs they name; their required sections.

    Exit codes: 0 done, 2 a file unreadable, binary or larger than 5 MB, 4 an invalid ruleset.
    """
    terms = load_rulesets(rules_dirs).policy
    documents = [analyse_file(path, terms) for path in files]
    if fmt == "json":
        body = documents[0].to_json() if len(documents) == 1 else [d.to_json() for d in documents]
        text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    else:
        text = "\n".join(_text(d) for d in documents)
    if output is None:
        say(text.rstrip("\n"))
    else:
        write_output(text.encode("utf-8"), output)
