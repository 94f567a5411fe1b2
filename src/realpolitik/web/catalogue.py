"""The scenarios a server offers: the YAML files of its configured folders, by id, never by path.

Every ``*.yaml``/``*.yml`` under each folder is loaded once, at start; a scenario is then named by
its ``meta.id`` only (a name is looked up in a dict, so ``../`` or an absolute path names nothing).
A file that does not validate is listed with its problems and cannot be run. Each scenario's
questions are ``data/questions/questions-<id>.yaml`` beside its folder (or in the source checkout),
if that file exists and every id it uses is the scenario's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScenarioError

NAME = (
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"  # a scenario or counterfactual id: no '/', no leading '.'
)
_NAME = re.compile(NAME)
ROOT = Path(__file__).resolve().parents[3]  # the source checkout (src/realpolitik/web → root)


def default_folders() -> list[Path]:
    """The repository's ``scenarios/`` folder (the checkout's, else the working directory's)."""
    for root in (ROOT, Path.cwd()):
        if (root / "scenarios").is_dir():
            return [root / "scenarios"]
    return []


@dataclass
class Entry:
    """One scenario file of the catalogue: its summary, its document (None if it does not
    validate: then ``problems``) and its questions (empty if none were found)."""

    id: str
    file: str
    doc: object = None
    problems: list[str] = field(default_factory=list)
    questions: tuple = ()
    questions_file: str | None = None

    def as_dict(self) -> dict:
        out = {"id": self.id, "file": self.file, "valid": self.doc is not None,
               "problems": self.problems, "questions": len(self.questions)}  # fmt: skip
        if self.doc is not None:
            s = self.doc.scenario
            out.update(
                title=s.meta.title, as_of=str(s.meta.as_of), start=s.meta.start, end=s.meta.end,
                actors=len(s.actors), issues=len(s.issues),
                regions=len(s.regions.nodes) if s.regions else 0,
                counterfactuals=[{"id": c.id, "description": c.description}
                                 for c in s.counterfactuals],
                runnable=bool(s.meta.end),
            )  # fmt: skip
        return out


def _questions_for(scenario_id: str, folder: Path, doc) -> tuple[tuple, str | None]:
    from ..api import read_questions
    from ..questions import check_ids

    name = f"questions-{scenario_id}.yaml"
    for root in (folder.parent, ROOT, Path.cwd()):
        path = root / "data" / "questions" / name
        if path.is_file():
            try:
                qs = read_questions(path)
            except ScenarioError:
                return (), None
            if check_ids(qs, doc.scenario.known_ids()):
                return (), None
            return tuple(qs), str(path)
    return (), None


class Catalogue:
    """The scenarios of ``folders`` (see the module docstring)."""

    def __init__(self, folders: list[Path]):
        from ..scenario import load_doc

        self.folders = [Path(f).resolve() for f in folders]
        self.entries: dict[str, Entry] = {}
        for folder in self.folders:
            for path in sorted(folder.rglob("*.y*ml")):
                shown = str(path.relative_to(folder))
                try:
                    doc = load_doc(path)
                except ScenarioError as exc:
                    key = path.stem
                    if key not in self.entries:
                        self.entries[key] = Entry(
                            key, shown, problems=[str(p) for p in exc.problems]
                        )
                    continue
                sid = doc.scenario.meta.id
                if sid in self.entries:
                    continue  # the first folder's file of an id wins
                qs, qfile = _questions_for(sid, folder, doc)
                self.entries[sid] = Entry(sid, shown, doc, [], qs, qfile)

    @staticmethod
    def valid_name(name: str) -> bool:
        return bool(_NAME.match(name)) and ".." not in name

    def get(self, name: str) -> Entry | None:
        return self.entries.get(name) if self.valid_name(name) else None

    def ids(self) -> list[str]:
        return list(self.entries)
