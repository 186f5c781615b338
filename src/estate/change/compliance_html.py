"""The compliance report's outputs: a terminal table, CSV, JSON, and one self-contained HTML
file (the data as JSON inside the page, inline CSS and JS, no external asset, no server): a
sortable site table, filters by feature and status, and a device's coloured diff on click."""

from __future__ import annotations

import html
import json
from typing import Any

from estate.change.compliance import Compliance, FeatureStatus

_CSS = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}.summary span{margin-right:1.5em}
table{border-collapse:collapse;margin-top:1em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#eee;cursor:pointer;user-select:none}
.compliant{color:#176b2c}.drifted{color:#a35a00}.missing{color:#b00020}.unreadable{color:#666}
a.device{cursor:pointer;text-decoration:underline;margin-right:.6em}
#diff{white-space:pre;font-family:monospace;background:#f7f7f7;border:1px solid #ccc;padding:.8em;margin-top:1em}
.add{color:#176b2c;background:#e6ffec}.del{color:#b00020;background:#ffebe9}
"""

_JS = """
const data = JSON.parse(document.getElementById('data').textContent);
let sortKey = 'percent', sortAsc = true;
const feat = document.getElementById('feature'), stat = document.getElementById('status');
function statusOf(dev, f) {
  if (dev.error) return 'unreadable';
  if (f) return dev.features[f] || null;
  const s = Object.values(dev.features);
  return s.includes('missing') ? 'missing' : s.includes('drifted') ? 'drifted' : 'compliant';
}
function rows() {
  const f = feat.value, st = stat.value, out = [];
  for (const site of data.sites) {
    const devs = site.devices.filter(d => { const s = statusOf(d, f); return s && (!st || s === st); });
    if (devs.length) out.push({site, devs});
  }
  out.sort((a, b) => { const x = a.site[sortKey], y = b.site[sortKey];
    return (x < y ? -1 : x > y ? 1 : 0) * (sortAsc ? 1 : -1); });
  return out;
}
function draw() {
  const body = document.querySelector('#sites tbody'); body.innerHTML = '';
  const shown = rows();
  for (const {site, devs} of shown) {
    const tr = document.createElement('tr'); tr.className = 'site';
    const cells = [site.site_id, site.name, site.kind, site.percent.toFixed(1) + ' %',
                   site.drifted, site.missing, site.unreadable];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); }
    const td = document.createElement('td');
    for (const d of devs) { const a = document.createElement('a'); a.className = 'device ' + statusOf(d, feat.value);
      a.textContent = d.name; a.dataset.name = d.name; a.onclick = () => showDiff(d); td.appendChild(a); }
    tr.appendChild(td); body.appendChild(tr);
  }
  document.getElementById('shown').textContent = shown.length;
}
function showDiff(d) {
  const box = document.getElementById('diff'); box.innerHTML = '';
  const head = document.createElement('div'); head.id = 'diff-title';
  head.textContent = d.name + (d.error ? ': ' + d.error : d.diff.length ? '' : ': compliant, no difference');
  box.appendChild(head);
  for (const line of d.diff) { const s = document.createElement('div'); const t = line.trimStart();
    s.className = t.startsWith('+') ? 'add' : t.startsWith('-') ? 'del' : '';
    s.textContent = line; box.appendChild(s); }
  box.hidden = false;
}
document.querySelectorAll('#sites th[data-key]').forEach(th => th.onclick = () => {
  const k = th.dataset.key; sortAsc = sortKey === k ? !sortAsc : true; sortKey = k; draw(); });
feat.onchange = draw; stat.onchange = draw; draw();
"""


def report_data(report: Compliance) -> dict[str, Any]:
    return {
        "env": report.env,
        "sites": [
            {"site_id": s.site_id, "name": s.name, "kind": s.kind, "percent": round(s.percent, 1),
             "drifted": s.count(FeatureStatus("drifted")), "missing": s.count(FeatureStatus("missing")),
             "unreadable": s.unreadable,
             "devices": [{"name": d.name, "error": d.error, "diff": list(d.diff),
                          "features": {f: v.value for f, v in d.features.items()}} for d in s.devices]}
            for s in report.sites
        ],
    }


def html_report(report: Compliance) -> str:
    """The page. Every value reaches the page as text (JSON in a script block with `<`
    escaped, `textContent` in the DOM), so no device or site name can add markup."""
    payload = json.dumps(report_data(report)).replace("<", "\\u003c")
    devices = report.devices
    counts = {k: sum(d.count(FeatureStatus(k)) for d in devices) for k in ("compliant", "drifted", "missing")}
    features = "".join(f'<option value="{html.escape(f)}">{html.escape(f)} '
                       f"({report.feature_percent(f):.0f} % compliant)</option>" for f in report.features)
    env = html.escape(report.env)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance: {env}</title><style>{_CSS}</style></head>
<body>
<h1>Compliance of {env}</h1>
<p class="summary"><span id="overall">{report.percent:.1f} % compliant</span>
<span id="sites-count">{len(report.sites)} sites</span><span id="devices-count">{len(devices)} devices</span>
<span class="compliant" id="count-compliant">{counts["compliant"]} compliant</span>
<span class="drifted" id="count-drifted">{counts["drifted"]} drifted</span>
<span class="missing" id="count-missing">{counts["missing"]} missing</span>
<span class="unreadable" id="count-unreadable">{sum(1 for d in devices if d.error)} unreadable</span></p>
<p>source: {html.escape(report.source)}; {html.escape(report.created_at)}</p>
<label>Feature <select id="feature"><option value="">all features</option>{features}</select></label>
<label>Status <select id="status"><option value="">any status</option><option>compliant</option>
<option>drifted</option><option>missing</option><option>unreadable</option></select></label>
<span><span id="shown"></span> sites shown</span>
<table id="sites"><thead><tr><th data-key="site_id">Site</th><th data-key="name">Name</th><th data-key="kind">Kind</th>
<th data-key="percent">Compliant</th><th data-key="drifted">Drifted</th><th data-key="missing">Missing</th>
<th data-key="unreadable">Unreadable</th><th>Devices (click for the diff)</th></tr></thead><tbody></tbody></table>
<div id="diff" hidden></div>
<script type="application/json" id="data">{payload}</script>
<script>{_JS}</script>
</body></html>
"""


def text_report(report: Compliance) -> str:
    lines = [f"compliance of {report.env} ({report.source}): {report.percent:.1f} % compliant, "
             f"{len(report.sites)} sites, {len(report.devices)} devices", ""]
    lines.append(f"{'site':<14} {'name':<36} {'kind':<16} {'compliant':>9} {'drifted':>7} {'missing':>7}  features")
    for site in report.sites:
        bad = sorted({f for d in site.devices for f, v in d.features.items() if v is not FeatureStatus.COMPLIANT})
        if site.unreadable:
            bad.append(f"{site.unreadable} unreadable")
        lines.append(f"{site.site_id:<14} {site.name[:36]:<36} {site.kind[:16]:<16} {site.percent:>8.1f}% "
                     f"{site.count(FeatureStatus.DRIFTED):>7} {site.count(FeatureStatus.MISSING):>7}  "
                     f"{', '.join(bad) or '-'}")
    lines += ["", f"{'feature':<16} {'compliant':>9} {'drifted':>7} {'missing':>7}"]
    for feature in report.features:
        counts = report.feature_counts(feature)
        lines.append(f"{feature:<16} {report.feature_percent(feature):>8.1f}% {counts['drifted']:>7} "
                     f"{counts['missing']:>7}")
    return "\n".join([*lines, *report.notes]) + "\n"


def csv_report(report: Compliance) -> str:
    """One row per device and feature (a device that could not be read: one row, feature empty)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["site_id", "site_name", "kind", "site_percent", "device", "feature", "status"])
    for site in report.sites:
        for device in site.devices:
            rows = [(f, v.value) for f, v in device.features.items()] if device.error is None else [("", "unreadable")]
            for feature, status in rows:
                writer.writerow([site.site_id, site.name, site.kind, f"{site.percent:.1f}", device.name, feature,
                                 status])
    return out.getvalue()


def json_report(report: Compliance) -> str:
    data = report_data(report)
    data.update(source=report.source, created_at=report.created_at, percent=round(report.percent, 1),
                notes=list(report.notes),
                features={f: {**report.feature_counts(f), "percent": round(report.feature_percent(f), 1)}
                          for f in report.features})
    return json.dumps(data, indent=1) + "\n"
