#!/usr/bin/python3
"""bench_scale_report.py - the report of `make bench-scale`.

Reads the results.tsv that tests/bench/bench_scale.sh writes (one line per
ruleset size) and writes a Markdown report (the two tables and how each
figure grows per 10x flags) and an SVG plot of evaluation latency and open
time against the snapshot's size, in plain SVG text (python3's standard
library only).

Usage: bench_scale_report.py RESULTS.tsv REPORT.md PLOT.svg [MACHINE.txt]
(MACHINE.txt: lines that open the report: the command, machine and load.)
"""

import csv
import math
import os
import sys
import tempfile


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit(f"bench_scale_report.py: {path} holds no result")
    for row in rows:
        for k, v in row.items():
            try:
                row[k] = float(v)
            except (TypeError, ValueError):
                sys.exit(f"bench_scale_report.py: {path}: {k} is '{v}', not a number "
                         f"(flags {row.get('flags')})")
    return sorted(rows, key=lambda r: r["flags"])


def n(x, digits=0):
    return f"{x:,.{digits}f}"


def mib(kb):
    return kb / 1024


def tables(rows):
    out = []
    out.append("| flags | YAML files | YAML | prod snapshot | snapshot / YAML "
               "| `rsc validate` | peak RSS | `rsc compile` | peak RSS |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(
            f"| {n(r['flags'])} | {n(r['files'])} | {n(r['yaml_bytes'] / 1e6, 1)} MB "
            f"| {n(r['snapshot_bytes'] / 1e6, 2)} MB "
            f"| {r['snapshot_bytes'] / r['yaml_bytes']:.2f} "
            f"| {r['validate_s']:.2f} s | {n(mib(r['validate_rss_kb']), 1)} MiB "
            f"| {r['compile_s']:.2f} s | {n(mib(r['compile_rss_kb']), 1)} MiB |")
    out.append("")
    out.append("| flags | snapshot | SHA-512 | `rsl_open` read | × SHA-512 | anonymous after "
               "| peak | `rsl_open` mmap | × SHA-512 | anonymous after | peak "
               "| eval, random flag | eval, 64 hot flags |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        size_kb = r["snapshot_bytes"] / 1024
        cells = [n(r["flags"]), f"{n(r['snapshot_bytes'] / 1e6, 2)} MB",
                 f"{r['read_sha512_ms']:.2f} ms"]
        for m in ("read", "mmap"):
            sha = r[f"{m}_sha512_ms"]
            cells += [f"{r[f'open_{m}_ms']:.2f} ms",
                      f"{r[f'open_{m}_ms'] / sha:.1f}×",
                      f"{n(mib(r[f'{m}_anon_kb']), 2)} MiB "
                      f"({r[f'{m}_anon_kb'] / size_kb:.3f}×)",
                      f"{n(mib(r[f'{m}_peak_kb']), 1)} MiB "
                      f"({r[f'{m}_peak_kb'] / size_kb:.2f}×)"]
        cells += [f"{r['eval_ns']:.0f} ns", f"{r['eval_hot_ns']:.0f} ns"]
        out.append("| " + " | ".join(cells) + " |")
    return out


REASONS = ["STATIC", "DEFAULT", "TARGETING_MATCH", "SPLIT", "DISABLED",
           "PREREQUISITE_FAILED", "ERROR"]


def mix(results_path, rows):
    """How the flags decided, from loader-<flags>.txt next to the results."""
    out = []
    for r in rows:
        path = os.path.join(os.path.dirname(os.path.abspath(results_path)),
                            f"loader-{r['flags']:.0f}.txt")
        try:
            with open(path) as f:
                counts = dict(line.split()[:2] for line in f if line.startswith("reason_"))
        except OSError:
            continue
        total = sum(int(v) for v in counts.values())
        if total == 0:
            continue
        parts = [f"{k} {100 * int(counts.get('reason_' + k, 0)) / total:.1f} %"
                 for k in REASONS]
        out.append(f"* {n(r['flags'])} flags: " + ", ".join(parts))
    if out:
        out = ["How the flags decide (`rsl_evaluate` of every flag for 16 of the "
               "contexts, share of each reason):", ""] + out
    return out


GROWTH = [
    ("YAML", "yaml_bytes"),
    ("prod snapshot", "snapshot_bytes"),
    ("`rsc validate` time", "validate_s"),
    ("`rsc validate` peak RSS", "validate_rss_kb"),
    ("`rsc compile` time", "compile_s"),
    ("`rsc compile` peak RSS", "compile_rss_kb"),
    ("SHA-512 pass", "read_sha512_ms"),
    ("`rsl_open` (read)", "open_read_ms"),
    ("`rsl_open` (mmap)", "open_mmap_ms"),
    ("anonymous memory after open (read)", "read_anon_kb"),
    ("anonymous memory after open (mmap)", "mmap_anon_kb"),
    ("peak memory of open (read)", "read_peak_kb"),
    ("evaluation, random flag", "eval_ns"),
    ("evaluation, 64 hot flags", "eval_hot_ns"),
]


def growth(rows):
    """Each figure's ratio between consecutive sizes, scaled to 10x flags."""
    if len(rows) < 2:
        return ["(one size only: no growth to state)"]
    steps = list(zip(rows, rows[1:]))
    head = " | ".join(f"{n(a['flags'])} → {n(b['flags'])}" for a, b in steps)
    out = [f"| figure | {head} | exponent k (figure ∝ flags^k) |",
           "|---|" + "---:|" * len(steps) + "---:|"]
    for label, key in GROWTH:
        cells = []
        for a, b in steps:
            if a[key] <= 0 or b[key] <= 0:
                cells.append("—")
                continue
            # ratio per 10x flags: (b/a) ** (1 / log10(flags_b / flags_a))
            decades = math.log10(b["flags"] / a["flags"])
            cells.append(f"×{(b[key] / a[key]) ** (1 / decades):.2f}")
        first, last = rows[0], rows[-1]
        if first[key] > 0 and last[key] > 0:
            k = math.log(last[key] / first[key]) / math.log(last["flags"] / first["flags"])
            exp = f"{k:.2f}"
        else:
            exp = "—"
        out.append(f"| {label} | " + " | ".join(cells) + f" | {exp} |")
    out.append("")
    out.append("(×10 per 10× flags is linear growth, ×1 is constant; the exponent is "
               "from the smallest to the largest size.)")
    return out


# ---------------------------------------------------------------- the plot

W, H = 1000, 400
PANEL_W, PANEL_H = 380, 280
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def decades(lo, hi):
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if a == b:
        b += 1
    return a, b


def fmt_pow(e, unit):
    v = 10.0 ** e
    if unit == "B":
        for lim, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if v >= lim:
                return f"{v / lim:g} {name}"
        return f"{v:g} B"
    return f"{v:g} {unit}"


def panel(x0, y0, title, yunit, series, xs):
    """A log-log panel at (x0, y0): series is [(label, [y...])]."""
    ally = [y for _, ys in series for y in ys if y > 0]
    xa, xb = decades(min(xs), max(xs))
    ya, yb = decades(min(ally), max(ally))

    def px(x):
        return x0 + (math.log10(x) - xa) / (xb - xa) * PANEL_W

    def py(y):
        return y0 + PANEL_H - (math.log10(y) - ya) / (yb - ya) * PANEL_H

    s = [f'<text x="{x0 + PANEL_W / 2}" y="{y0 - 14}" text-anchor="middle" '
         f'font-weight="bold">{esc(title)}</text>',
         f'<rect x="{x0}" y="{y0}" width="{PANEL_W}" height="{PANEL_H}" '
         f'fill="none" stroke="#444"/>']
    for e in range(xa, xb + 1):
        x = px(10.0 ** e)
        s.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + PANEL_H}" stroke="#ddd"/>')
        s.append(f'<text x="{x:.1f}" y="{y0 + PANEL_H + 16}" text-anchor="middle">'
                 f'{esc(fmt_pow(e, "B"))}</text>')
    for e in range(ya, yb + 1):
        # 1, 2 and 5 of each decade when the axis spans at most two
        for m in ((1, 2, 5) if yb - ya <= 2 and e < yb else (1,)):
            v = m * 10.0 ** e
            y = py(v)
            s.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + PANEL_W}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
            s.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{esc(fmt_pow(math.log10(v), yunit))}</text>')
    s.append(f'<text x="{x0 + PANEL_W / 2}" y="{y0 + PANEL_H + 36}" text-anchor="middle">'
             f'snapshot size (log)</text>')
    for i, (label, ys) in enumerate(series):
        c = COLOURS[i % len(COLOURS)]
        pts = [(px(x), py(y)) for x, y in zip(xs, ys) if y > 0]
        s.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                 % (c, " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)))
        for a, b in pts:
            s.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{c}"/>')
        ly = y0 + 16 + 18 * i
        s.append(f'<line x1="{x0 + 10}" y1="{ly - 4}" x2="{x0 + 30}" y2="{ly - 4}" '
                 f'stroke="{c}" stroke-width="2"/>')
        s.append(f'<text x="{x0 + 36}" y="{ly}">{esc(label)}</text>')
    return s


def plot(rows):
    xs = [r["snapshot_bytes"] for r in rows]
    flags = ", ".join(n(r["flags"]) for r in rows)
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">'
         f'make bench-scale: {esc(flags)} flags (prod snapshot), medians</text>']
    s += panel(80, 60, "evaluation (ns per call)", "ns",
               [("random flag of the snapshot", [r["eval_ns"] for r in rows]),
                ("64 flags, in cache", [r["eval_hot_ns"] for r in rows])], xs)
    s += panel(80 + PANEL_W + 110, 60, "rsl_open (ms)", "ms",
               [("rsl_open, read", [r["open_read_ms"] for r in rows]),
                ("rsl_open, mmap", [r["open_mmap_ms"] for r in rows]),
                ("one SHA-512 pass", [r["read_sha512_ms"] for r in rows])], xs)
    s.append("</svg>")
    return "\n".join(s) + "\n"


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: bench_scale_report.py RESULTS.tsv REPORT.md PLOT.svg [MACHINE.txt]")
    rows = load(sys.argv[1])
    head = []
    if len(sys.argv) == 5:
        with open(sys.argv[4]) as f:
            head = [line.rstrip("\n") for line in f] + [""]
    report = head + tables(rows) + [""] + mix(sys.argv[1], rows)
    report += ["", "Growth per 10× flags:", ""] + growth(rows)
    write_atomic(sys.argv[2], "\n".join(report) + "\n")
    write_atomic(sys.argv[3], plot(rows))


if __name__ == "__main__":
    main()
