#!/usr/bin/env python3
"""Autobahn results: extract, compare with the committed expectation, tabulate.

  results.py extract INDEX_JSON > expected.json
      every case's behavior and behaviorClose, keyed by case id, in case order
  results.py compare EXPECTED_JSON INDEX_JSON [--subset]
      exit 1 on any difference (an improvement included), printing each differing case
      with what wstest said of it; --subset compares only the cases that ran (quick runs)
  results.py summary INDEX_JSON
      counts per section, the cases that are not OK, and the line
        autobahn: N ok, N non-strict, N informational, N unimplemented, N failed
      exit 1 on any case failed, non-strict or unimplemented
  results.py table SERVER_INDEX CLIENT_INDEX
      a Markdown table of results per section, both roles (for docs/conformance.md)
"""
import json
import os
import sys


def case_key(case_id):
    return tuple(int(part) for part in case_id.split("."))


def load_index(path):
    with open(path) as f:
        index = json.load(f)
    if len(index) != 1:
        sys.exit(f"results: {path}: expected one agent, found {sorted(index)}")
    (agent, cases), = index.items()
    return agent, cases


def extract(index_path):
    _, cases = load_index(index_path)
    ordered = {
        case: {"behavior": r["behavior"], "behaviorClose": r["behaviorClose"]}
        for case, r in sorted(cases.items(), key=lambda item: case_key(item[0]))
    }
    # One case a line, so that a change of expectation reads as a one-line diff.
    lines = [f"  {json.dumps(case)}: {json.dumps(r)}" for case, r in ordered.items()]
    print("{\n" + ",\n".join(lines) + "\n}")


def describe(index_path, result):
    """What wstest recorded of a case: description, expectation, result."""
    path = os.path.join(os.path.dirname(index_path), result.get("reportfile", ""))
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError):
        return "    (no case report)"
    lines = []
    for field in ("description", "expectation", "result", "resultClose"):
        text = " ".join(str(report.get(field, "")).split())
        if text:
            lines.append(f"    {field}: {text[:300]}")
    return "\n".join(lines)


def compare(expected_path, index_path, subset):
    with open(expected_path) as f:
        expected = json.load(f)
    agent, actual = load_index(index_path)
    wanted = {c: expected[c] for c in actual if c in expected} if subset else expected
    problems = []
    for case in sorted(set(wanted) | set(actual), key=case_key):
        want = wanted.get(case)
        got = actual.get(case)
        if want is None:
            problems.append((case, "not in the expectation", got))
        elif got is None:
            problems.append((case, "did not run", None))
        else:
            seen = {"behavior": got["behavior"], "behaviorClose": got["behaviorClose"]}
            if seen != want:
                problems.append((case, f"expected {want}, got {seen}", got))
    name = os.path.basename(expected_path)
    if not problems:
        print(f"results: {agent}: {len(wanted)} cases as in {name}")
        return 0
    print(f"results: {agent}: {len(problems)} of {len(wanted)} cases differ from {name}:")
    for case, what, got in problems:
        print(f"  {case}: {what}")
        if got is not None:
            print(describe(index_path, got))
    print("results: if a difference is an improvement, regenerate the expectation with "
          "tests/autobahn/run.sh --update and commit it with the change that earned it")
    return 1


# wstest's verdicts; every other one (FAILED, WRONG CODE, UNCLEAN, FAILED BY CLIENT,
# NO_CLOSE) counts as failed.
KINDS = {"OK": "ok", "NON-STRICT": "non-strict", "INFORMATIONAL": "informational",
         "UNIMPLEMENTED": "unimplemented"}
SUMMARY_KINDS = ["ok", "non-strict", "informational", "unimplemented", "failed"]


def summary(index_path, shown=20):
    agent, cases = load_index(index_path)
    if not cases:
        sys.exit(f"results: {index_path}: no cases")
    sections = {}
    not_ok = []
    for case in sorted(cases, key=case_key):
        r = cases[case]
        kind = KINDS.get(r["behavior"], "failed")
        counts = sections.setdefault(case.split(".")[0], dict.fromkeys(SUMMARY_KINDS, 0))
        counts[kind] += 1
        if kind != "ok":
            not_ok.append((case, r))
    print(f"agent {agent}: {len(cases)} cases")
    print("  section  cases     ok  non-strict  informational  unimplemented  failed")
    for section, counts in sections.items():
        print(f"  {section:<7}{sum(counts.values()):>7}{counts['ok']:>7}{counts['non-strict']:>12}"
              f"{counts['informational']:>15}{counts['unimplemented']:>15}{counts['failed']:>8}")
    if not_ok:
        print(f"  not OK ({len(not_ok)}):")
        for case, r in not_ok[:shown]:
            print(f"    {case:<10} {r['behavior']} (close: {r['behaviorClose']}, "
                  f"code {r.get('remoteCloseCode')})")
        if len(not_ok) > shown:
            print(f"    ... and {len(not_ok) - shown} more")
    totals = {k: sum(counts[k] for counts in sections.values()) for k in SUMMARY_KINDS}
    print("autobahn: " + ", ".join(f"{totals[k]} {k}" for k in SUMMARY_KINDS))
    return 1 if totals["failed"] or totals["non-strict"] or totals["unimplemented"] else 0


def table(server_index, client_index):
    kinds = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"]
    rows = {}
    for role, path in (("server", server_index), ("client", client_index)):
        _, cases = load_index(path)
        for case, r in cases.items():
            section = case.split(".")[0]
            counts = rows.setdefault(section, {}).setdefault(role, {})
            kind = r["behavior"] if r["behavior"] in kinds else "FAILED"
            counts[kind] = counts.get(kind, 0) + 1
    print("| section | cases | server OK | server other | client OK | client other |")
    print("| --- | --- | --- | --- | --- | --- |")
    totals = {}
    for section in sorted(rows, key=int):
        cells = [section]
        n = sum(rows[section].get("server", {}).values())
        cells.append(str(n))
        for role in ("server", "client"):
            counts = rows[section].get(role, {})
            ok = counts.get("OK", 0)
            other = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if k != "OK")
            cells += [str(ok), other or "-"]
            for k, v in counts.items():
                totals.setdefault(role, {}).setdefault(k, 0)
                totals[role][k] += v
        print("| " + " | ".join(cells) + " |")
    for role in ("server", "client"):
        t = totals.get(role, {})
        print(f"\n{role}: " + ", ".join(f"{v} {k}" for k, v in sorted(t.items())))


def main(argv):
    if len(argv) >= 2 and argv[0] == "extract":
        return extract(argv[1])
    if len(argv) >= 3 and argv[0] == "compare":
        return compare(argv[1], argv[2], "--subset" in argv[3:])
    if len(argv) == 2 and argv[0] == "summary":
        return summary(argv[1])
    if len(argv) == 3 and argv[0] == "table":
        return table(argv[1], argv[2])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
