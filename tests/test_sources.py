"""The repository stands on its own: no file cites a local file a reader of the repository lacks.

Scenario sources, data provenance, docs and notebooks once pointed at the research team's
working files (a shared brief, numbered seed texts, a facts file, absolute paths on one
machine). A reader has none of them, so every citation must name the public source itself.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# Each pattern is one way a file has pointed outside the repository.
LOCAL_REFERENCES = {
    "the team's shared folder": r"\bshared/",
    "the facts file": r"\bfacts file\b|\bfacts/brics",
    "a numbered seed text": r"\bseeds?\s*[/ ]\s*0\d\d|\bseeds/",
    "the unpublished model brief": r"model[- ]brief",
    "an absolute path on one machine": r"/work/|/tmp/|/home/|/Users/|[A-Za-z]:\\Users\\",
}
PATTERN = re.compile("|".join(f"(?:{p})" for p in LOCAL_REFERENCES.values()), flags=re.I)


def local_references(root: Path, names: list[str]) -> list[str]:
    found = []
    for name in names:
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue  # binary files (images) cannot cite anything; deleted files are not in the tree
        for number, line in enumerate(text.splitlines(), start=1):
            match = PATTERN.search(line)
            if match:
                found.append(f"{name}:{number}: {match.group(0)!r} in {line.strip()[:160]}")
    return found


def repository_files() -> list[str]:
    # Tracked files plus new ones not ignored: what a commit of this tree would hold.
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                             cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8")
    return sorted({name for name in listing.split("\0") if name and name != THIS_FILE})


def test_no_file_cites_a_local_file_outside_the_repository():
    files = repository_files()
    assert "scenarios/base/brics_world.yaml" in files and "data/SOURCES.md" in files
    problems = local_references(ROOT, files)
    assert not problems, "cite the public source instead:\n" + "\n".join(problems)


def test_each_kind_of_local_reference_is_caught(tmp_path):
    examples = [
        'source: "applied 2024-08-20 (facts file)"',
        "- shared/facts/brics-2023-2025.md",
        "declared July 2023, seed 000",
        "(seeds/002_e17c.txt)",
        "see model-brief.md",
        "gathered from /work/shared/",
        "notes in /tmp/research/indicators.md",
    ]
    (tmp_path / "cited.yaml").write_text("\n".join(examples) + "\n", encoding="utf-8")
    (tmp_path / "public.yaml").write_text(
        'source: "astanatimes.com 2024-10-16"\nrun: {seed: 1}\nshared by all scenarios; seed 0 or 12\n',
        encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe/work/")
    found = local_references(tmp_path, ["cited.yaml", "public.yaml", "image.png"])
    assert [line.split(":")[1] for line in found] == [str(n) for n in range(1, len(examples) + 1)]
