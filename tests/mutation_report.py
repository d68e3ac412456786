"""Kill rate per module from `mutmut results --all true` (read on stdin); survivors listed.

Used by `make mutation`. A mutant is "killed" when a test failed on it; "caught by type check"
counts as killed; every other status of a checked mutant (survived, no tests, timeout,
suspicious, skipped) counts as not killed and is listed. The kill rate is over the checked
mutants ("not checked": the run was stopped before them).
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
    print(f"{'module':48} {'mutants':>8} {'checked':>8} {'killed':>7} {'kill rate':>10}")
    survivors = []
    totals = [0, 0, 0]
    for module in sorted(statuses):
        results = statuses[module]
        checked = [s for s in results.values() if s != "not checked"]
        killed = sum(status in KILLED for status in checked)
        rate = f"{killed / len(checked):.1%}" if checked else "-"
        print(f"{module:48} {len(results):8d} {len(checked):8d} {killed:7d} {rate:>10}")
        totals = [totals[0] + len(results), totals[1] + len(checked), totals[2] + killed]
        survivors += [
            (n, s) for n, s in sorted(results.items()) if s not in KILLED and s != "not checked"
        ]
    rate = f"{totals[2] / totals[1]:.1%}" if totals[1] else "-"
    print(f"{'all':48} {totals[0]:8d} {totals[1]:8d} {totals[2]:7d} {rate:>10}")
    print(f"\nNot killed ({len(survivors)}); see one with `.venv/bin/mutmut show NAME`:")
    for name, status in survivors:
        print(f"  {status:12} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
