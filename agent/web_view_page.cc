// The web view's page (agent/web_view.h). Everything inline; text is inserted with textContent,
// never as HTML, so a service or label named "<script>" is shown, not run.
#include "agent/web_view.h"

namespace shoal {

const char* web_view_html() {
  return R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shoal</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2430; background: #f7f8fa; }
  h1 { font-size: 1.3em; margin: 0 0 .2em; }
  h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  table { border-collapse: collapse; background: #fff; min-width: 40em; }
  th, td { text-align: left; padding: .25em .8em; border-bottom: 1px solid #e3e6ea; }
  th { font-weight: 600; background: #eef0f3; }
  .ok { color: #17803d; } .warn { color: #b26b00; } .bad { color: #c0262d; }
  #banner { padding: .4em .8em; margin: .6em 0; border-radius: 4px; }
  #banner.whole { background: #e3f4e8; } #banner.partial { background: #fdecea; }
  .slot { display: inline-block; margin: .1em .3em .1em 0; padding: 0 .4em; border-radius: 3px; background: #eef0f3; }
  #updated { color: #667; font-size: .9em; }
</style>
</head>
<body>
<h1>shoal &mdash; the cluster as <span id="self">this node</span> sees it</h1>
<div id="updated">loading&hellip;</div>
<div id="banner"></div>
<h2>Nodes</h2>
<table id="nodes"><thead><tr><th>node</th><th>status</th><th>availability</th><th>tasks</th><th>clock offset</th><th>labels</th></tr></thead><tbody></tbody></table>
<h2>Membership as each node sees it</h2>
<div id="views-note"></div>
<table id="views"><thead><tr></tr></thead><tbody></tbody></table>
<h2>Services</h2>
<table id="services"><thead><tr><th>service</th><th>mode</th><th>ready / desired</th><th>version</th><th>runs</th><th>where each slot runs</th></tr></thead><tbody></tbody></table>
<div id="left-out"></div>
<h2>Recent events</h2>
<table id="events"><thead><tr><th>time</th><th>type</th><th>what</th><th>name</th><th>details</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const LIVE = new Set(["running", "healthy"]);
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
function fill(id, rows, make) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  for (const r of rows || []) { const tr = document.createElement("tr"); make(tr, r); body.appendChild(tr); }
}
function statusClass(s) { return s === "alive" ? "ok" : s === "suspect" ? "warn" : "bad"; }
function labels(obj) { return Object.entries(obj || {}).map(([k, v]) => k + "=" + v).join(", "); }
function render(v) {
  document.getElementById("self").textContent = v.node;
  document.getElementById("updated").textContent = "as of " + new Date(v.time_ms).toISOString() + " (refreshes every 2 s)";
  const members = v.members || [];
  const alive = members.filter(m => m.status === "alive").length;
  const banner = document.getElementById("banner");
  banner.className = alive === members.length ? "whole" : "partial";
  banner.textContent = alive === members.length
    ? "whole: all " + members.length + " members alive in this node's view"
    : "partial view: " + alive + " of " + members.length + " members alive as " + v.node +
      " sees them; the others may be down or cut off, and their side may show a different cluster";
  const offsets = Object.fromEntries(members.map(m => [m.name, m.clock_offset_ms]));
  fill("nodes", v.nodes, (tr, n) => {
    cell(tr, n.name); cell(tr, n.status, statusClass(n.status)); cell(tr, n.availability);
    cell(tr, n.tasks);
    const off = offsets[n.name];
    cell(tr, off === null || off === undefined ? "" : off + " ms"); cell(tr, labels(n.labels));
  });
  renderViews(v);
  fill("services", v.services, (tr, s) => {
    const tasks = (v.tasks || {})[s.name] || [];
    const ready = tasks.filter(t => t.desired === "running" && LIVE.has(t.state)).length;
    const desired = s.mode === "global" ? tasks.filter(t => t.desired === "running").length : s.replicas;
    cell(tr, s.name); cell(tr, s.mode); cell(tr, ready + " / " + desired, ready >= desired ? "ok" : "warn");
    cell(tr, s.version); cell(tr, s.image || s.command);
    const where = cell(tr, "");
    for (const t of tasks) {
      const span = document.createElement("span");
      span.className = "slot " + (LIVE.has(t.state) ? "ok" : t.state === "failed" ? "bad" : "warn");
      span.textContent = s.name + "." + t.slot + " @ " + (t.node || "?") + " " + t.state;
      span.title = t.error || "";
      where.appendChild(span);
    }
  });
  document.getElementById("left-out").textContent =
    v.tasks_left_out ? v.tasks_left_out + " more services not shown with their slots" : "";
  fill("events", (v.events || []).slice().reverse(), (tr, e) => {
    cell(tr, new Date(e.time_ms).toISOString()); cell(tr, e.type); cell(tr, e.action); cell(tr, e.name);
    cell(tr, labels(e.attributes));
  });
}
// One row per node whose view this node has (its own, and each peer's last answer), one column
// per member: in a partition the rows disagree.
function renderViews(v) {
  const views = v.views || {};
  const observers = Object.keys(views).sort((a, b) => a === v.node ? -1 : b === v.node ? 1 : a.localeCompare(b));
  const names = [...new Set(observers.flatMap(o => Object.keys(views[o].members || {})))].sort();
  const head = document.querySelector("#views thead tr");
  head.replaceChildren();
  for (const h of ["seen by", ...names]) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
  fill("views", observers, (tr, o) => {
    const age = views[o].age_ms;
    cell(tr, o + (age > 5000 ? " (as of " + Math.round(age / 1000) + " s ago)" : ""));
    for (const n of names) { const st = (views[o].members || {})[n]; cell(tr, st || "-", st ? statusClass(st) : ""); }
  });
  const fresh = observers.filter(o => views[o].age_ms <= 5000);
  const disagree = names.filter(n => new Set(fresh.map(o => (views[o].members || {})[n] || "-")).size > 1);
  document.getElementById("views-note").textContent = disagree.length
    ? "views disagree on " + disagree.join(", ") + ": a partition, a node cut off, or news still spreading"
    : fresh.length + " of " + observers.length + " views fresh, all agree";
}
async function refresh() {
  try {
    const r = await fetch("view.json", {cache: "no-store"});
    if (!r.ok) throw new Error(r.status + " " + (await r.text()));
    render(await r.json());
  } catch (err) {
    document.getElementById("updated").textContent = "cannot reach the agent: " + err.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)PAGE";
}

}  // namespace shoal
