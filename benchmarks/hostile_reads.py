"""Peak memory and time to read (or refuse) the hostile files of issue 14, one process each.

    .venv/bin/python benchmarks/hostile_reads.py [--code DIR] [--limits upload|default|none]
    .venv/bin/python benchmarks/hostile_reads.py --store [--code DIR]

--code runs another copy of the package (e.g. an old checkout unpacked in /tmp) to
compare before and after ("--limits none" for a copy without limits). Prints one line per
file: seconds, peak RSS in MB, rows read, problems stored, and the first problem's message.
--store uploads each file through UploadStore.save instead (as the page does) and also
prints what stays on disk.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile_files import gzip_bad_rows, gzip_one_long_line, tiny_parquet

READ = """
import json, resource, sys, time
from pathlib import Path
from dashboard.ingest import readers
kwargs = {}
if sys.argv[2] != "none":
    from dashboard.ingest import limits
    kwargs["limits"] = getattr(limits, sys.argv[2])
start = time.perf_counter()
result = readers.read_file(Path(sys.argv[1]), **kwargs)
print(json.dumps({
    "seconds": round(time.perf_counter() - start, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "rows_read": result.stats.get("rows_read", 0), "problems": len(result.problems),
    "first": result.problems[0].message[:140] if result.problems else ""}))
"""

STORE = """
import base64, json, resource, sys, tempfile, time
from pathlib import Path
from dashboard.ingest import schema
from dashboard.ingest.dataset import Dataset
from dashboard.web.uploads import UploadRefused, UploadStore
path = Path(sys.argv[1])
folder = Path(tempfile.mkdtemp())
store = UploadStore(folder, 50_000_000, Dataset(schema.empty_frame(), [], {}, []))
contents = "data:;base64," + base64.b64encode(path.read_bytes()).decode()
start = time.perf_counter()
try:
    result = store.save(path.name, contents)
    answer = result.message[:140]
except UploadRefused as error:
    answer = "refused: " + str(error)[:130]
print(json.dumps({
    "seconds": round(time.perf_counter() - start, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "kept_on_disk_mb": round(sum(f.stat().st_size for f in folder.rglob("*")) / 1e6, 1),
    "answer": answer}))
"""


def measure(path: Path, code: Path, limits: str, store: bool = False) -> dict:
    script, extra = (STORE, []) if store else (READ, [limits])
    done = subprocess.run([sys.executable, "-c", script, str(path), *extra], cwd=code,
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--limits", choices=["upload", "default", "none"], default="upload")
    parser.add_argument("--store", action="store_true")
    args = parser.parse_args()
    name = {"upload": "UPLOAD_LIMITS", "default": "DEFAULT_LIMITS", "none": "none"}[args.limits]
    with tempfile.TemporaryDirectory() as folder:
        files = [tiny_parquet(Path(folder) / "tiny.parquet"),
                 gzip_one_long_line(Path(folder) / "long_line.csv.gz"),
                 gzip_bad_rows(Path(folder) / "bad_rows.csv.gz")]
        for path in files:
            print(f"{path.name} ({path.stat().st_size:,} bytes):",
                  json.dumps(measure(path, args.code, name, args.store)), flush=True)


if __name__ == "__main__":
    main()
