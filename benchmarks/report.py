"""The bench's verdicts and output: each goal of the performance issues with its measured
ratio, met or not (reported, never asserted), one Markdown table of every measure, the
JSON document, and `fleet-sizes.md` across every result file in the directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.suite import MODES

R17 = "#17"            # issue 17, "Performance, round 2"
R1 = "round 1"         # the first performance targets, kept so a regression shows
# P1 vs floor per link (issue 17 item 6), and the naive speed-up per link.
P1_GOALS = {"loopback": 0.8, "100mbps": 0.4, "100mbps-30ms": 0.5}
NAIVE_GOALS = {"loopback": (5.0, R1), "100mbps": (10.0, R17)}
FLAT = 1.2             # "memory stays flat": largest fleet's peak <= FLAT x the smallest's


def _x(r: dict[str, Any] | None) -> str:
    if not r or r.get("value") is None:
        return "n/a"
    rng = f" ({r['min']}–{r['max']})" if r.get("min") is not None and r["min"] != r["max"] else ""
    return f"{r['value']}x{rng}"


def _s(st: dict[str, Any] | None) -> str:
    if not st:
        return "—"
    rng = f" ({st['min_s']:.2f}–{st['max_s']:.2f})" if st["min_s"] != st["max_s"] else ""
    return f"{st['median_s']:.2f} s{rng}"


def _met(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "**not met**")


def rows(d: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every row of the table: measure, link, the two modes, baseline, goal and for each
    mode its ratio (or value) and whether the goal is met (None: no goal)."""
    links = d["links"]

    def each(measure: str, fn: Any) -> Iterator[dict[str, Any]]:
        for name in d["config"]["links"]:   # the order given (the JSON's keys are sorted)
            L = links[name]
            row = {"measure": measure, "link": L["link"]["label"], "link_name": name,
                   "one": "—", "process": "—", "baseline": "", "goal": "", "source": ""}
            for mode in MODES:
                row[f"{mode}_ratio"], row[f"{mode}_met"] = "", None
            if fn(row, name, L) is not False:
                yield row

    def cell(row: dict[str, Any], mode: str, text: str, shown: str = "",
             value: float | None = None, ok: bool | None = None) -> None:
        row[mode] = text
        row[f"{mode}_ratio"], row[f"{mode}_value"], row[f"{mode}_met"] = shown, value, ok

    def by_ratio(key: str, goal: Any, le: bool = True) -> Any:
        def fn(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
            g, src = goal(name)
            row["goal"] = "" if g is None else f"{'≤' if le else '≥'} {g}x"
            row["source"] = src
            for mode in MODES:
                if mode in L:
                    r = L[mode]["ratios"][key]
                    v = r and r["value"]
                    ok = None if g is None or v is None else (v <= g if le else v >= g)
                    stat = {"p1_vs_floor": "p1", "naive_speedup": "p1"}.get(key, key[:7])
                    cell(row, mode, _s(L[mode].get(stat)), _x(r), v, ok)
        return fn

    def p1(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        row["baseline"] = f"floor {_s(L['floor'])}"
        by_ratio("p1_vs_floor", lambda n: (P1_GOALS.get(n), R17 if n in P1_GOALS else ""))(
            row, name, L)

    def naive(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        row["baseline"] = f"naive {_s(L['naive'])}" if L["naive"] else "naive not run"
        by_ratio("naive_speedup", lambda n: NAIVE_GOALS.get(n, (None, "")), le=False)(
            row, name, L)

    def p2(key: str, goal: float, src: str) -> Any:
        def fn(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
            row["baseline"] = "P1, same mode"
            by_ratio(f"{key}_vs_p1", lambda n: (goal, src))(row, name, L)
        return fn

    def requests(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        row.update(baseline=f"floor {L['floor']['http_per_target']}", goal="≤ 8", source=R17)
        for mode in MODES:
            if mode in L:
                v = L[mode]["p1"]["http_per_target"]
                cell(row, mode, f"{v}", f"{v}", v, v <= 8)

    def counts(key: str) -> Any:
        def fn(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
            row["baseline"] = f"floor {L['floor'][key]}"
            for mode in MODES:
                if mode in L:
                    cell(row, mode, " / ".join(str(L[mode][p][key])
                                               for p in ("p1", "p2_warm", "p2_cold")))
        return fn

    def api_noop(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        row.update(goal="0", source=R17)
        for mode in MODES:
            if mode in L:
                w, c = L[mode]["p2_warm"]["api_per_target"], L[mode]["p2_cold"]["api_per_target"]
                cell(row, mode, f"{w} / {c}", "", max(w, c), w == 0 and c == 0)

    def api_pr(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        row.update(goal="≤ 3", source=R1)
        for mode in MODES:
            if mode in L:
                v = max(L[mode]["p1"]["api_per_pr"].values(), default=0)
                cell(row, mode, f"{v}", "", v, v <= 3)

    def noop(row: dict[str, Any], name: str, L: dict[str, Any]) -> bool:
        n = L.get("process", {}).get("noop_process")
        if not n:
            return False
        row.update(baseline=f"import {n['import_s'] * 1000:.0f} ms + ls-remote "
                            f"{n['ls_remote_s'] * 1000:.0f} ms", goal="≤ 1.5x", source=R17)
        r = {"value": n["ratio"], "min": n["ratio_min"], "max": n["ratio_max"]}
        cell(row, "process", f"{n['sync_target_s'] * 1000:.0f} ms, "
             f"{n['git_processes_per_run']} git", _x(r), n["ratio"],
             n["ratio"] is not None and n["ratio"] <= 1.5)
        return True

    def rss(row: dict[str, Any], name: str, L: dict[str, Any]) -> None:
        for mode in MODES:
            if mode in L and "maxrss_mb" in L[mode]["p1"]:
                cell(row, mode, f"{L[mode]['p1']['maxrss_mb']} MB")

    yield from each("P1 full sync", p1)
    if any("p1_no_verify" in L.get("one", {}) for L in links.values()):
        yield from each("P1 without verify (info)", lambda row, name, L: cell(
            row, "one", _s(L["one"].get("p1_no_verify")),
            _x(L["one"]["ratios"].get("no_verify_vs_floor"))) if "one" in L else None)
    yield from each("P1 vs naive (speed-up)", naive)
    yield from each("P2 no-op, warm cache", p2("p2_warm", 0.05, R1))
    yield from each("P2 no-op, cold cache", p2("p2_cold", 0.1, R17))
    yield from each("git HTTP requests per target, P1", requests)
    yield from each("git HTTP requests per target, P1 / P2 warm / P2 cold",
                    counts("http_per_target"))
    yield from each("git processes per target, P1 / P2 warm / P2 cold",
                    counts("git_per_target"))
    yield from each("forge API calls per no-op target, warm / cold", api_noop)
    yield from each("forge API calls per updated PR target (max)", api_pr)
    yield from each("no-op `sync-target` vs import + `ls-remote`", noop)
    yield from each("peak memory of P1 (one process: VmHWM; per process: largest job)", rss)
    yield from _global_rows(d)


def _global_rows(d: dict[str, Any]) -> Iterator[dict[str, Any]]:
    blank = {"link": "", "link_name": "", "process": "—", "process_ratio": "",
             "process_met": None}
    mem = d["memory"]
    if mem:
        sizes = sorted(mem, key=int)
        lo, hi = mem[sizes[0]]["maxrss_mb"], mem[sizes[-1]]["maxrss_mb"]
        v = round(hi / lo, 3) if lo and len(sizes) > 1 else None
        yield blank | {"measure": f"peak memory of a one-process P1 at {' / '.join(sizes)} "
                                  "targets", "one": " / ".join(f"{mem[s]['maxrss_mb']} MB"
                                                               for s in sizes),
                       "baseline": f"{sizes[0]} targets", "goal": f"flat: ≤ {FLAT}x",
                       "source": R17, "one_ratio": "n/a" if v is None else f"{v}x",
                       "one_value": v, "one_met": None if v is None else v <= FLAT}
    p3, p4 = d["p3"], d["p4"]
    yield blank | {"measure": "P3 build_manifest", "one": f"{p3['library_s']:.3f} s",
                   "baseline": f"ls-tree + hash {p3['floor_s']:.3f} s", "goal": "≤ 1.5x",
                   "source": R17, "one_ratio": f"{p3['vs_floor']}x", "one_value": p3["vs_floor"],
                   "one_met": p3["vs_floor"] <= 1.5}
    if not p4:
        return
    worst = p4["scripts"][p4["worst"]]
    yield blank | {"measure": f"P4 slowest `--help` ({p4['worst']})",
                   "one": f"{worst['median_s'] * 1000:.0f} ms",
                   "baseline": f"python3 -c pass {p4['python_c_pass_s'] * 1000:.0f} ms",
                   "goal": "≤ 2x", "source": R1, "one_ratio": f"{p4['worst_vs_python']}x",
                   "one_value": p4["worst_vs_python"], "one_met": p4["worst_vs_python"] <= 2}


def goals(d: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows that carry a goal, one entry per mode measured (for the JSON)."""
    out = []
    for row in rows(d):
        for mode in MODES:
            if row.get(f"{mode}_met") is not None:
                out.append({"measure": row["measure"], "link": row["link_name"], "mode": mode,
                            "value": row.get(f"{mode}_value"), "goal": row["goal"],
                            "source": row["source"], "met": row[f"{mode}_met"]})
    return out


# =========================================================================== Markdown


def markdown(d: dict[str, Any]) -> str:
    c, s, m, code = d["config"], d["source"], d["machine"], d["code"]
    lines = [
        f"# skillsync bench: {c['targets']} targets",
        "",
        f"{c['targets']} downstreams ({c['push_targets']} push, {c['pull_request_targets']} "
        f"pull-request, {c['subset_targets']} taking a subset; "
        f"{'a canary wave of 1, then the rest' if c['canary'] else 'one wave'}), "
        f"release {c['release']}; source {s['skills']} skills, {s['files']} files, "
        f"{s['bytes'] / 1e6:.1f} MB; downstream history {c['history_mb']} MB each; "
        f"jobs {c['jobs']} (the one-process pool and the per-process matrix alike); "
        f"median of {c['repeat']} (naive: {c['naive_runs']}); {m['cpus']} CPUs, git {m['git']}, "
        f"Python {m['python']}, scratch on {m['scratch_fs']}; load average "
        f"{m['loadavg_start'][0]} at start, {m['loadavg_end'][0]} at end.",
        "",
        f"Code measured: `{code['commit']}` ({code['branch']}; src/ and scripts/ last "
        f"changed in `{code.get('engine_commit', '')[:12]}`), "
        + ("**tree dirty**: " + ", ".join(code["dirty_paths"]) if code["dirty"]
           else "clean tree") + ".",
        "",
        "Ratios are the median over the median of a baseline measured in the same run, with"
        " the min–max of the per-repetition ratios; goals are reported, never asserted. "
        "*One process*: `run_sync` over the fleet, as `scripts/sync` runs it. *Per process*:"
        " one `scripts/sync-target` per target, as the CI matrix runs it (its own run "
        "directory holding the shared manifest, `--source`, the canary job first).",
        "",
        "| measure | link | one process | per process | baseline | goal | one process: "
        "ratio | met | per process: ratio | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows(d):
        tag = f" ({r['source']})" if r["source"] else ""
        lines.append(f"| {r['measure']} | {r['link']} | {r['one']} | {r['process']} | "
                     f"{r['baseline']} | {r['goal']}{tag if r['goal'] else ''} | "
                     f"{r['one_ratio']} | {_met(r['one_met'])} | {r['process_ratio']} | "
                     f"{_met(r['process_met'])} |")
    lines += ["", "Cost per method: wall and CPU seconds (median; CPU = client, git server "
              "and shells together), what the git server saw (the median run) and the git "
              f"processes started by name (a PATH shim adding {d['git_shim_overhead_ms']} ms"
              " to each):", "",
              "| link | method | wall s | CPU s | HTTP requests | MB served | MB received | "
              "git processes |", "|---|---|---|---|---|---|---|---|"]
    for name in c["links"]:
        L = d["links"][name]
        methods = [("P1 floor", L["floor"]), ("P1 naive", L["naive"])]
        for mode, label in MODES.items():
            if mode in L:
                methods += [(f"P1 skillsync, {label}", L[mode]["p1"]),
                            (f"P2 warm, {label}", L[mode]["p2_warm"]),
                            (f"P2 cold, {label}", L[mode]["p2_cold"])]
        for label, st in methods:
            if st:
                t = st["transport"]
                lines.append(f"| {L['link']['label']} | {label} | {_s(st)} | {st['cpu_s']:.2f} |"
                             f" {t['requests']} | {t['bytes_out'] / 1e6:.1f} | "
                             f"{t['bytes_in'] / 1e6:.1f} | {st['git_processes']} |")
    p4 = d["p4"]
    if p4:
        lines += ["", "`--help` start-up per script (median of "
                  f"{p4['runs_each']}): " + ", ".join(
                      f"{k} {x['median_s'] * 1000:.0f} ms ({x['vs_python']}x)"
                      for k, x in p4["scripts"].items()) + "."]
    if d["findings"]:
        lines += ["", "Findings: " + "; ".join(d["findings"]) + "."]
    if d["problems"]:
        lines += ["", "**Problems (results not valid):** " + "; ".join(d["problems"])]
    return "\n".join(lines) + "\n"


# =========================================================================== across runs


def _growth_rows(d: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """(targets, canary, history, link, mode, repeat, P1, floor, naive, P2 warm, P2 cold,
    HTTP/target, git/target, peak MB, code) for a v1 or v2 result document."""
    c = d["config"]
    if d.get("schema") == "skillsync.bench/v1":
        if "cpu_s" not in d["p1"]["floor"]:
            return   # written by an early version of the bench
        link = "-".join(([f"{c['bandwidth_mbps']:g}mbps"] if c.get("bandwidth_mbps") else [])
                        + ([f"{c['latency_ms']:g}ms"] if c.get("latency_ms") else [])) or \
            "loopback"
        p1, p2 = d["p1"], d["p2"]
        http = d.get("transport", {}).get("skillsync_p1", {}).get("requests")
        yield (c["targets"], c.get("canary"), c.get("history_mb"), link, "one", c["repeat"],
               p1["skillsync"]["median_s"], p1["floor"]["median_s"], p1["naive"]["median_s"],
               p2["warm"]["median_s"], p2["cold"]["median_s"],
               None if http is None else round(http / c["targets"], 2),
               round(p1["skillsync"]["git_processes"] / c["targets"], 2),
               d["peak_memory_mb"]["sync_python"], d.get("code", ""))
        return
    for name, L in d["links"].items():
        for mode in MODES:
            if mode in L:
                p = L[mode]
                yield (c["targets"], c["canary"], c["history_mb"], name, mode, c["repeat"],
                       p["p1"]["median_s"], L["floor"]["median_s"],
                       L["naive"]["median_s"] if L["naive"] else None,
                       p["p2_warm"]["median_s"], p["p2_cold"]["median_s"],
                       p["p1"]["http_per_target"], p["p1"]["git_per_target"],
                       p["p1"].get("maxrss_mb"),
                       d["code"]["short"] + ("-dirty" if d["code"]["dirty"] else ""))


def growth(results: Path) -> str:
    """One row per fleet size, link and mode found in `results`: how the cost grows."""
    found = []
    for f in results.glob("targets-*.json"):
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if d.get("schema") in ("skillsync.bench/v1", "skillsync.bench/v2"):
            found += list(_growth_rows(d))

    def num(x: Any, fmt: str = ".1f") -> str:
        return "n/a" if x is None else format(x, fmt)

    lines = ["# skillsync bench: growth with fleet size", "",
             "Seconds (median); every result file in this directory, older schemas included "
             "(their code revision says what they measured). Regenerated by every run.", "",
             "| targets | canary | history MB | link | mode | repeat | P1 skillsync | floor | "
             "naive | P1/floor | P2 warm | P2 cold | P2 cold/P1 | HTTP req/target | "
             "git proc/target | peak MB | code |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    order = {"loopback": 0, "100mbps": 1, "100mbps-30ms": 2}
    for r in sorted(found, key=lambda r: (not r[1], r[2] or 0, order.get(r[3], 9), r[3],
                                           r[0], r[4])):
        (n, canary, hist, link, mode, rep, p1, floor, naive, warm, cold, http, git, mb,
         code) = r
        lines.append(f"| {n} | {'yes' if canary else 'no'} | {hist} | {link} | {MODES[mode]} |"
                     f" {rep} | {num(p1)} | {num(floor)} | {num(naive)} | "
                     f"{num(p1 / floor if floor else None, '.3f')} | {num(warm, '.2f')} | "
                     f"{num(cold, '.2f')} | {num(cold / p1 if p1 else None, '.3f')} | "
                     f"{num(http, '')} | {num(git, '')} | {num(mb, '')} | {code} |")
    return "\n".join(lines) + "\n"


def write(d: dict[str, Any], out: Path, stem: str) -> Path:
    """`<stem>.json` (sorted keys) and `.md` in `out`, and `fleet-sizes.md` regenerated."""
    out.mkdir(parents=True, exist_ok=True)
    d["goals"] = goals(d)
    base = out / stem
    base.with_suffix(".json").write_text(json.dumps(d, indent=2, sort_keys=True) + "\n")
    base.with_suffix(".md").write_text(markdown(d))
    (out / "fleet-sizes.md").write_text(growth(out))
    return base
