"""Kill rate per module from `mutmut results --all true` (read on stdin); survivors listed.

Used by `make mutation`. A mutant is "killed" when a test failed on it; "caught by type check"
counts as killed; every other status (survived, no tests, timeout, suspicious, skipped,
not checked) is counted as not killed and listed.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict

KILLED = {"killed", "caught by type check"}
LINE = re.compile(r"^\s*(?P<name>\S+?):\s+(?P<status>.+?)\s*$")


def module_of(mutant: str) -> str:
    """'vendors.access.x_member_role__mutmut_3' → 'vendors.access' (methods: 'xǁClassǁ…')."""
    return re.split(r"\.x_|\.xǁ", mutant, maxsplit=1)[0]


def main() -> int:
    statuses: dict[str, dict[str, str]] = defaultdict(dict)
    for line in sys.stdin:
        match = LINE.match(line)
        if match and "__mutmut_" in match["name"]:
            statuses[module_of(match["name"])][match["name"]] = match["status"]
    if not statuses:
        print("No mutant results (run `mutmut run` first).")
        return 1
    print(f"{'module':48} {'mutants':>8} {'killed':>7} {'kill rate':>10}")
    survivors = []
    for module in sorted(statuses):
        results = statuses[module]
        killed = sum(status in KILLED for status in results.values())
        print(f"{module:48} {len(results):8d} {killed:7d} {killed / len(results):10.1%}")
        survivors += [(n, s) for n, s in sorted(results.items()) if s not in KILLED]
    total = sum(len(r) for r in statuses.values())
    killed = total - len(survivors)
    print(f"{'all':48} {total:8d} {killed:7d} {killed / total:10.1%}")
    print(f"\nNot killed ({len(survivors)}); see one with `.venv/bin/mutmut show NAME`:")
    for name, status in survivors:
        print(f"  {status:12} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
