"""Build the message catalogs from the sources; re-run it whenever a msgid is added or changed.

    python -m hub.i18n.build          # extract, update sr_Latn and en, regenerate sr_Cyrl
    python -m hub.i18n.build --check  # exit 1 if a msgid lacks a sr-Latn translation,
                                      # a translation breaks a placeholder, or sr_Cyrl is stale

Serbian Latin is translated by hand. Serbian Cyrillic is never edited: it is transliterated from
sr_Latn with `to_cyrillic` and then corrected by cyrillic_overrides.toml, so the two scripts
cannot drift apart. English msgids are already English; only plural entries get both forms.
Updating keeps every translation whose msgid is unchanged, adds new msgids untranslated and
drops obsolete ones (no fuzzy matching: a changed msgid is a new message).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from hub.i18n.script import to_cyrillic

I18N_DIR = Path(__file__).resolve().parent
ROOT = I18N_DIR.parent.parent
MAPPING = ROOT / "babel.cfg"
POT = I18N_DIR / "messages.pot"
OVERRIDES = I18N_DIR / "cyrillic_overrides.toml"
LOCALE_DIR = I18N_DIR / "locale"
SERBIAN_PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
PLURAL_FORMS = {
    "sr_Latn": SERBIAN_PLURALS,
    "sr_Cyrl": SERBIAN_PLURALS,
    "en": "nplurals=2; plural=(n != 1);",
}
HEADER = "# Messages of hub, the SKGO collaboration hub.\n# {note}\n#"
NOTES = {
    "sr_Latn": "Serbian (Latin script): translate here; sr_Cyrl is generated from this file.",
    "sr_Cyrl": "GENERATED from sr_Latn by `python -m hub.i18n.build`: do not edit, "
    "use hub/i18n/cyrillic_overrides.toml.",
    "en": "English: msgids are English, so only plural entries need a msgstr.",
}
# Placeholders (%(name)s, %(num)d), %% and any stray %: a translation must have the msgid's.
_PERCENT = re.compile(r"%(?:\([a-z_0-9]+\)[sd]|%|[sd])|%")
_DATE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.MULTILINE)


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every msgid in the sources, as configured in babel.cfg."""
    with MAPPING.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(MAPPING))  # type: ignore[no-untyped-call]
    template = Catalog(project="hub", fuzzy=False, header_comment=HEADER.format(note="Template."))
    # Walk only the top folders babel.cfg names (not data/, static/, .venv ...).
    tops = {pattern.split("/")[0] for pattern, _ in method_map}

    def wanted(path: str) -> bool:
        relative = Path(path).relative_to(ROOT)
        return relative.parts[0] in tops and not relative.name.startswith((".", "_"))

    found = extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("Translators:",),
        directory_filter=wanted,
    )
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(path: Path, locale: str | None = None) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _empty(locale: str, like: Catalog) -> Catalog:
    catalog = Catalog(
        locale=locale,
        project="hub",
        fuzzy=False,
        header_comment=HEADER.format(note=NOTES[locale]),
        creation_date=like.creation_date,
        revision_date=like.revision_date if isinstance(like.revision_date, dt.datetime) else None,
        language_team=locale,
    )
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[locale])]
    return catalog


def _blank(message: Message, nplurals: int) -> str | tuple[str, ...]:
    return ("",) * nplurals if message.pluralizable else ""


def update(template: Catalog, old: Catalog | None, locale: str) -> Catalog:
    """`locale`'s catalog for `template`: translations of unchanged msgids kept, the rest empty."""
    catalog = _empty(locale, template)
    for message in _messages(template):
        kept = old.get(message.id, context=message.context) if old else None
        string = _blank(message, catalog.num_plurals)
        if kept is not None and kept.id == message.id:
            forms = _forms(kept)
            string = _fit(forms, catalog.num_plurals) if message.pluralizable else forms[0]
        if locale == "en" and message.pluralizable and not all(string):
            string = (message.id[0], message.id[1])
        catalog.add(
            message.id,
            string,
            locations=message.locations,
            flags=message.flags | (kept.flags & {"fuzzy"} if kept else set()),
            auto_comments=message.auto_comments,
            user_comments=kept.user_comments if kept else (),
            context=message.context,
        )
    return catalog


def _fit(forms: list[str], nplurals: int) -> tuple[str, ...]:
    return tuple((forms + [""] * nplurals)[:nplurals])


def _forms(message: Message) -> list[str]:
    """A message's msgstr as a list: one form, or one per plural form."""
    string = message.string
    return [str(s or "") for s in string] if isinstance(string, (list, tuple)) else [string or ""]


def _ids(message: Message) -> list[str]:
    return [str(i) for i in message.id] if isinstance(message.id, (list, tuple)) else [message.id]


def _messages(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


@dataclass
class Overrides:
    """cyrillic_overrides.toml: `[words]` fix words everywhere, `[messages]` fix whole msgstrs."""

    words: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    messages: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = OVERRIDES) -> Overrides:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        found = cls()
        for latin, cyrillic in data.get("words", {}).items():
            stem = latin.endswith("*")
            latin, cyrillic = latin.rstrip("*"), str(cyrillic)
            for variant_of in (str.lower, str.capitalize, str.upper):
                wrong = re.escape(to_cyrillic(variant_of(latin)))
                pattern = re.compile(rf"(?<!\w){wrong}" + ("" if stem else r"(?!\w)"))
                found.words.append((pattern, variant_of(cyrillic)))
        for msgid, text in data.get("messages", {}).items():
            found.messages[msgid] = [text] if isinstance(text, str) else [str(t) for t in text]
        return found

    def fix_words(self, text: str) -> str:
        for pattern, right in self.words:
            text = pattern.sub(right, text)
        return text


def cyrillic(latin: Catalog, overrides: Overrides) -> Catalog:
    """sr_Cyrl generated from sr_Latn: every msgstr transliterated, then the overrides applied."""
    catalog = _empty("sr_Cyrl", latin)
    for message in _messages(latin):
        forms = [overrides.fix_words(to_cyrillic(form)) if form else "" for form in _forms(message)]
        forms = overrides.messages.get(_ids(message)[0], forms)
        catalog.add(
            message.id,
            _fit(forms, catalog.num_plurals) if message.pluralizable else forms[0],
            locations=message.locations,
            flags=message.flags,
            auto_comments=message.auto_comments,
            context=message.context,
        )
    return catalog


def render(catalog: Catalog, *, lineno: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=True, include_lineno=lineno)
    return buffer.getvalue()


def _same(a: bytes, b: bytes) -> bool:
    return _DATE_HEADER.sub(b"", a) == _DATE_HEADER.sub(b"", b)


def write(path: Path, content: bytes) -> bool:
    """Write `content` unless only the dates differ (re-running the build changes nothing)."""
    if path.exists() and _same(path.read_bytes(), content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def build(template: Catalog) -> list[Path]:
    """Update sr_Latn and en to `template`, regenerate sr_Cyrl; return the files that changed."""
    changed = [POT] if write(POT, render(template, lineno=True)) else []
    latin = update(template, read(po_path("sr_Latn"), "sr_Latn"), "sr_Latn")
    english = update(template, read(po_path("en"), "en"), "en")
    outputs = {
        "sr_Latn": render(latin),
        "en": render(english),
        "sr_Cyrl": render(cyrillic(latin, Overrides.load())),
    }
    changed += [po_path(loc) for loc, content in outputs.items() if write(po_path(loc), content)]
    return changed


def _percents(text: str) -> set[str]:
    return set(_PERCENT.findall(text))


def problems(template: Catalog | None = None) -> list[str]:
    """What --check reports for the catalogs in the tree (see `find_problems`)."""
    cyrillic_po = po_path("sr_Cyrl")
    return find_problems(
        template or extract(),
        read(po_path("sr_Latn"), "sr_Latn"),
        cyrillic_po.read_bytes() if cyrillic_po.exists() else b"",
        Overrides.load(),
    )


def find_problems(
    template: Catalog, latin: Catalog | None, cyrillic_po: bytes, overrides: Overrides
) -> list[str]:
    """Untranslated or fuzzy sr-Latn messages, broken placeholders, a stale sr_Cyrl."""
    latin = latin or _empty("sr_Latn", template)
    found: list[str] = []
    for message in _messages(template):
        where = ", ".join(sorted({path for path, _ in message.locations}))
        done = latin.get(message.id, context=message.context)
        if (
            done is None
            or done.id != message.id
            or done.fuzzy
            or not _translated(done, latin.num_plurals)
        ):
            found.append(f"untranslated ({where}): {message.id!r}")
            continue
        expected = set().union(*(_percents(i) for i in _ids(message)))
        for form in _forms(done):
            if _percents(form) != expected:
                found.append(f"placeholders differ ({where}): {message.id!r} -> {form!r}")
    latin_ids = {_ids(m)[0] for m in _messages(latin)}
    found += [
        f"override of an unknown msgid: {k!r}" for k in overrides.messages if k not in latin_ids
    ]
    if not _same(render(cyrillic(latin, overrides)), cyrillic_po):
        found.append("sr_Cyrl/messages.po differs from what sr_Latn generates: run the build")
    return found


def _translated(message: Message, nplurals: int) -> bool:
    forms = _forms(message)
    return all(forms) and len(forms) == (nplurals if message.pluralizable else 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.i18n.build", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on problems")
    args = parser.parse_args(argv)
    template = extract()
    if args.check:
        found = problems(template)
        for line in found:
            print(line)
        if found:
            print(
                f"{len(found)} problem(s): translate in {po_path('sr_Latn').relative_to(ROOT)}, "
                "then run `python -m hub.i18n.build`."
            )
        return 1 if found else 0
    for path in build(template):
        print(f"wrote {path.relative_to(ROOT)}")
    untranslated = sum(1 for line in problems(template) if line.startswith("untranslated"))
    if untranslated:
        print(f"{untranslated} message(s) still need a sr-Latn translation (see --check).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
