// The realpolitik dashboard: vanilla JS on the server's JSON API (no framework, no CDN).
"use strict";

const $ = (sel) => document.querySelector(sel);
const scenarios = JSON.parse($("#scenario-data").textContent);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}

async function api(path, options = {}) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const d = body.detail;
    const msg = Array.isArray(d) ? d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ") : d;
    throw new Error(msg || `HTTP ${r.status}`);
  }
  return body;
}

// --- the run form ------------------------------------------------------------------------------
function fillCounterfactuals() {
  const s = scenarios.find((x) => x.id === $("#scenario").value);
  const sel = $("#counterfactual");
  sel.replaceChildren(el("option", { value: "" }, "— base —"));
  for (const c of (s && s.counterfactuals) || []) sel.append(el("option", { value: c.id, title: c.description }, c.id));
}

$("#scenario").addEventListener("change", fillCounterfactuals);
fillCounterfactuals();

$("#run-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#form-error").textContent = "";
  const body = {
    scenario: $("#scenario").value,
    members: Number($("#members").value),
    seed: Number($("#seed").value),
    counterfactual: $("#counterfactual").value || null,
  };
  try {
    const job = await api("/api/runs", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    follow(job);
  } catch (e) {
    $("#form-error").textContent = e.message;
  }
});

// --- jobs: a progress bar each, fed by server-sent events (polling if they fail) ------------------
function jobRow(job) {
  let row = document.getElementById(`job-${job.id}`);
  if (!row) {
    row = el("div", { class: "job", id: `job-${job.id}`, "data-testid": "job" },
      el("span", { class: "label" }),
      el("progress", { max: 1, value: 0 }),
      el("span", { class: "state" }));
    $("#jobs").prepend(row);
  }
  const what = job.scenario + (job.counterfactual ? ` / ${job.counterfactual}` : "");
  row.querySelector(".label").textContent = `${what}, ${job.members.toLocaleString()} members, seed ${job.seed}`;
  row.querySelector("progress").value = job.fraction;
  row.dataset.state = job.state;
  row.dataset.run = job.run_id || "";
  const state = row.querySelector(".state");
  state.replaceChildren(`${job.state}: ${job.done.toLocaleString()} / ${job.members.toLocaleString()}` +
    (job.seconds ? ` in ${job.seconds.toFixed(1)} s` : ""));
  if (job.run_id) state.append(" · run ", el("code", {}, job.run_id));
  if (job.state === "done") state.append(" · ", el("a", { href: `/runs/${job.run_id}/report`, target: "_blank" }, "report"));
  if (!ended(job) && !job.cancel) {
    const stop = el("button", { class: "cancel", type: "button" }, "cancel");
    stop.addEventListener("click", () => api(`/api/jobs/${job.id}/cancel`, { method: "POST" }).then(jobRow).catch(() => {}));
    state.append(" ", stop);
  }
  if (job.error) state.append(el("span", { class: "error" }, ` ${job.error}`));
}

const ended = (job) => job.state === "done" || job.state === "failed" || job.state === "cancelled";

function follow(job) {
  jobRow(job);
  const finish = (j) => { jobRow(j); refreshRuns(); };
  if (!window.EventSource) return poll(job.id, finish);
  const es = new EventSource(`/api/jobs/${job.id}/events`);
  es.addEventListener("progress", (ev) => {
    const j = JSON.parse(ev.data);
    jobRow(j);
    if (ended(j)) { es.close(); finish(j); }
  });
  es.onerror = () => { es.close(); poll(job.id, finish); };
}

async function poll(id, finish) {
  const j = await api(`/api/jobs/${id}`);
  jobRow(j);
  if (ended(j)) finish(j);
  else setTimeout(() => poll(id, finish), 500);
}

// --- runs ----------------------------------------------------------------------------------------
async function refreshRuns() {
  const runs = await api("/api/runs");
  const body = $("#runs-body");
  body.replaceChildren();
  for (const r of runs) {
    let report = r.status === "done" ? el("a", { href: r.report, target: "_blank" }, "report") : "";
    if (r.status === "interrupted" || r.status === "failed") {
      report = el("button", { type: "button", class: "resume" }, "resume");
      report.addEventListener("click", () => api(`/api/runs/${r.id}/resume`, { method: "POST" })
        .then(follow).catch((e) => { $("#form-error").textContent = e.message; }));
    }
    body.append(el("tr", { "data-run": r.id },
      el("td", {}, el("code", {}, r.id)), el("td", {}, r.scenario_id), el("td", {}, r.counterfactual || "—"),
      el("td", {}, r.seed), el("td", {}, `${r.stored.toLocaleString()} / ${r.members.toLocaleString()}`),
      el("td", {}, r.status), el("td", {}, r.created), el("td", {}, report)));
  }
  const done = runs.filter((r) => r.status === "done");
  for (const [sel, pick] of [["#run-a", 1], ["#run-b", 0]]) {
    const node = $(sel);
    const keep = node.value;
    node.replaceChildren(...done.map((r) => el("option", { value: r.id },
      `${r.id} — ${r.scenario_id}${r.counterfactual ? " / " + r.counterfactual : ""}, seed ${r.seed}, ${r.members}`)));
    if (keep && done.some((r) => r.id === keep)) node.value = keep;
    else if (done[pick]) node.value = done[pick].id;
  }
}

// --- compare -------------------------------------------------------------------------------------
const fmt = (x, numeric) => (numeric ? x.toPrecision(3) : `${(100 * x).toFixed(1)} pp`);

$("#compare-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#compare-error").textContent = "";
  const out = $("#compare-result");
  out.replaceChildren("comparing…");
  try {
    const c = await api(`/api/compare?a=${$("#run-a").value}&b=${$("#run-b").value}`);
    const head = el("tr", {}, ...["question", "A", "B", "A − B", "90 % interval", ""].map((h) => el("th", {}, h)));
    const rows = c.differences.map((d) => {
      const span = Math.max(Math.abs(d.low), Math.abs(d.high), 1e-12);
      const bar = el("span", { class: "ci" });
      bar.style.left = `${50 + 50 * d.low / span}%`;
      bar.style.width = `${50 * (d.high - d.low) / span}%`;
      const cls = d.low > 0 || d.high < 0 ? "sig" : "";
      const v = (x) => (d.numeric ? x.toPrecision(3) : `${(100 * x).toFixed(1)} %`);
      return el("tr", { class: cls, "data-question": d.question },
        el("td", {}, el("code", {}, d.question)), el("td", {}, v(d.a)), el("td", {}, v(d.b)),
        el("td", {}, fmt(d.mean, d.numeric)), el("td", {}, `[${fmt(d.low, d.numeric)}, ${fmt(d.high, d.numeric)}]`),
        el("td", { class: "bar" }, el("span", { class: "zero" }), bar));
    });
    const note = `A = ${c.a.id} (${c.a.counterfactual || "base"}), B = ${c.b.id} (${c.b.counterfactual || "base"}); ` +
      `${c.members.toLocaleString()} common members` + (c.same_seed ? ", same seed (paired draws)." :
      "; different seeds: the pairs share no draws.");
    out.replaceChildren(el("p", {}, note), el("table", { "data-testid": "differences" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  } catch (e) {
    out.replaceChildren();
    $("#compare-error").textContent = e.message;
  }
});

// --- start ---------------------------------------------------------------------------------------
(async () => {
  await refreshRuns();
  const jobs = await api("/api/jobs");
  for (const j of jobs.reverse()) (ended(j) ? jobRow(j) : follow(j));
})();
