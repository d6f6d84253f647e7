"""Problems found while reading: every row that cannot be used is reported, never dropped.

A problem names the file, the 1-based line (the header is line 1; 0 means the whole
file), the column, the offending value and a reason from a fixed set, plus a message a
person can act on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from enum import StrEnum

import pandas as pd


class Reason(StrEnum):
    UNKNOWN_LAYOUT = "unknown layout"
    UNREADABLE_FILE = "unreadable file"
    EMPTY_FILE = "empty file"
    BAD_ROW = "bad row"  # wrong number of fields, broken quoting
    MISSING_VALUE = "missing value"
    BAD_NUMBER = "bad number"
    INCONSISTENT_VALUES = "inconsistent values"  # each cell readable, together impossible
    NEGATIVE_QUANTITY = "negative quantity"
    UNKNOWN_COUNTRY = "unknown country"
    UNKNOWN_UNIT = "unknown unit"
    UNKNOWN_FLOW = "unknown flow"
    BAD_COMMODITY = "bad commodity code"
    BAD_PERIOD = "bad period"
    DUPLICATE_KEY = "duplicate key"
    FILE_TOO_LARGE = "file too large"  # over the size limit; see readers.DEFAULT_MAX_BYTES
    DUPLICATE_COLUMN = "duplicate column"  # a header name twice; rows whose copies differ
    UNUSED_COLUMN = "unused column"  # a tidy-format column the reader does not know
    UNUSED_SHEET = "unused sheet"  # a workbook sheet beside the one that was read
    UNKNOWN_VALUATION = "unknown valuation"  # neither CIF nor FOB
    OVER_LIMIT = "over a read limit"  # rows, columns, cell length: see limits.ReadLimits
    PROBLEMS_NOT_LISTED = "problems not listed"  # past max_problems: counted, by reason


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    value: str
    reason: Reason
    message: str

    def __str__(self) -> str:
        """"file:3: column netWgt value 'abc': bad number: ..."; "file: empty file: ..." """
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" column {self.column}" if self.column else ""
        value = f" value {self.value!r}" if self.value != "" else ""
        at = f"{where}:{column}{value}" if column or value else where
        return f"{at}: {self.reason.value}: {self.message}"


MAX_VALUE_CHARS = 200


def shorten(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as text, cut to `limit` characters so one huge field cannot flood a report."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


PROBLEM_COLUMNS = ["file", "line", "column", "value", "reason", "message"]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (one row each), e.g. for `validate --rejects`."""
    rows = [{**asdict(p), "reason": p.reason.value} for p in problems]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


class ProblemLog:
    """Problems kept one by one up to `keep`; past that only counted, by reason.

    1.9M bad rows once became a 360 MB problems file: a person reads the first screenful
    and the counts, so that is what is kept. `listed()` ends with one summary problem.
    """

    def __init__(self, file: str, keep: int):
        self.file, self.keep = file, keep
        self.kept: list[Problem] = []
        self.not_listed: dict[Reason, int] = {}

    def add(self, problem: Problem) -> None:
        if len(self.kept) < self.keep:
            self.kept.append(problem)
        else:
            self.not_listed[problem.reason] = self.not_listed.get(problem.reason, 0) + 1

    def extend(self, problems: list[Problem]) -> None:
        room = max(self.keep - len(self.kept), 0)
        self.kept += problems[:room]
        for problem in problems[room:]:
            self.not_listed[problem.reason] = self.not_listed.get(problem.reason, 0) + 1

    @property
    def count(self) -> int:
        """Every problem seen, listed or not."""
        return len(self.kept) + sum(self.not_listed.values())

    def listed(self) -> list[Problem]:
        """The kept problems (in line order), then a summary of the others if there were any."""
        kept = sorted(self.kept, key=lambda p: p.line)
        if not self.not_listed:
            return kept
        counts = ", ".join(f"{count:,} {reason.value}" for reason, count in sorted(
            self.not_listed.items(), key=lambda item: -item[1]))
        total = sum(self.not_listed.values())
        summary = Problem(self.file, 0, "", str(total), Reason.PROBLEMS_NOT_LISTED, (
            f"{total:,} more problems are not listed (only the first {self.keep:,} are):"
            f" {counts}; fix those listed and read the file again"))
        return [*kept, summary]


def total_problems(problems: list[Problem]) -> int:
    """Every problem found, the listed ones and those a ProblemLog only counted."""
    return sum(problem_counts(problems).values())


def problem_counts(problems: list[Problem]) -> dict[str, int]:
    """Problems by reason, most first; those a ProblemLog only counted under their summary."""
    counts: Counter[str] = Counter()
    for problem in problems:
        counts[problem.reason.value] += (int(problem.value)
                                         if problem.reason == Reason.PROBLEMS_NOT_LISTED else 1)
    return dict(counts.most_common())


class LayoutError(ValueError):
    """The whole file cannot be read: unknown layout, empty, not text."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem
