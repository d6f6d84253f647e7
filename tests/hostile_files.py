"""Small files that expand to gigabytes, built streaming (the tests never hold them whole).

Shared by tests/test_read_limits.py and benchmarks/hostile_reads.py. Each is a tidy-layout
file (TIDY header, plus commodity_name), so a reader gets past the header to the rows.
"""

from __future__ import annotations

import gzip
from pathlib import Path

TIDY_NAMED = "reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd,commodity_name"
GOOD_ROW = ["KOR", "CHN", "import", "284690", "2025-01", "1000", "50000", "oxide"]


def tiny_parquet(path: Path, value_chars: int = 10_000, rows: int = 100_000) -> Path:
    """One value_chars-character commodity name x rows, dictionary-encoded: a few KB on
    disk, rows x value_chars characters once expanded (1 GB at the defaults)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    zeros = pa.array(np.zeros(rows, dtype=np.int32))
    values = [*GOOD_ROW[:-1], "x" * value_chars]
    columns = {name: pa.DictionaryArray.from_arrays(zeros, pa.array([value]))
               for name, value in zip(TIDY_NAMED.split(","), values)}
    pq.write_table(pa.table(columns), path, compression="zstd", use_dictionary=True)
    return path


def gzip_one_long_line(path: Path, line_bytes: int = 300_000_000) -> Path:
    """A header, then one line of line_bytes characters: ~300 KB gzipped at 300 MB."""
    block = b"x" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(f"{TIDY_NAMED}\nKOR,CHN,import,284690,2025-01,1000,50000,".encode())
        for _ in range(line_bytes // len(block)):
            handle.write(block)
        handle.write(b"x" * (line_bytes % len(block)) + b"\n")
    return path


def gzip_bad_rows(path: Path, rows: int = 1_900_000) -> Path:
    """A header, then rows lines of one field where the header has eight: every line is a
    bad row (about 10 KB gzipped per 100,000 lines)."""
    block = b"x\n" * 100_000
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(f"{TIDY_NAMED}\n".encode())
        for _ in range(rows // 100_000):
            handle.write(block)
        handle.write(b"x\n" * (rows % 100_000))
    return path
