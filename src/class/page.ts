// The instructor's page, served at `/`: HTML, CSS and script in one string, nothing fetched from elsewhere (it
// works offline, and the server's Content-Security-Policy allows only itself). It reads the instructor token from
// `?token=`, follows the class live over server-sent events, and speaks English or Chinese (`?lang=zh`, a toggle).
// A learner is stuck after N minutes without progress (`?stuck=N`, default 5, settable on the page).

export const classPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lab class</title>
<style>
  :root { --ok: #1a7f37; --bad: #cf222e; --stuck: #9a6700; --mute: #656d76; --line: #d0d7de; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.2em; color: #1f2328; }
  header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 1.4em; margin: 0; }
  .code { font: bold 1.2em ui-monospace, monospace; letter-spacing: .1em; }
  .mute { color: var(--mute); }
  table { border-collapse: collapse; margin-top: 1em; }
  th, td { border: 1px solid var(--line); padding: .25em .5em; text-align: left; white-space: nowrap; }
  th.lab, td.lab { text-align: center; min-width: 2.2em; }
  tbody tr { cursor: pointer; }
  tbody tr:hover { background: #f6f8fa; }
  .passed { color: var(--ok); font-weight: 600; }
  .failed { color: var(--bad); font-weight: 600; }
  .stuck { color: var(--stuck); font-weight: 600; }
  td.lab.passed { background: #dafbe1; }
  td.lab.failed { background: #ffebe9; }
  section { margin-top: 1.2em; }
  #timeline { border: 1px solid var(--line); padding: .5em 1em .5em 3em; max-height: 24em; overflow: auto; }
  #timeline li.bad { color: var(--bad); }
  button, input { font: inherit; }
  #conn.off { color: var(--bad); }
</style>
</head>
<body>
<header>
  <h1 id="title">lab class</h1>
  <span><span data-t="code"></span> <span class="code" id="code"></span></span>
  <span class="mute"><span data-t="learners"></span>: <span id="count">0</span>, <span data-t="events"></span>: <span id="events">0</span></span>
  <span id="conn" class="mute"></span>
  <label><span data-t="stuckAfter"></span> <input id="stuck" type="number" min="1" max="120" style="width:4em"> <span data-t="minutes"></span></label>
  <button id="lang" type="button"></button>
</header>
<p id="problem" class="failed" hidden></p>
<table id="learners">
  <thead><tr id="head"></tr></thead>
  <tbody id="rows"></tbody>
</table>
<section>
  <h2 data-t="hardest"></h2>
  <ol id="hardest"></ol>
</section>
<section id="timeline-box" hidden>
  <h2><span data-t="timeline"></span>: <span id="timeline-name"></span></h2>
  <ol id="timeline"></ol>
</section>
<script>
"use strict";
const TEXT = {
  en: { code: "Class code", learners: "Learners", events: "events", stuckAfter: "Stuck after", minutes: "min without progress",
        learner: "Learner", lab: "Lab", step: "Step", status: "Status", hardest: "Steps most learners fail on",
        timeline: "Timeline", none: "Nobody has failed a check yet.", joined: "joined", working: "working", passed: "passed",
        failed: "failed", stuck: "stuck", live: "live", offline: "reconnecting...", learnersFailed: "learners",
        noToken: "Open this page with the instructor URL that lab class serve printed (it ends in ?token=...).", other: "中文" },
  zh: { code: "课堂码", learners: "学员", events: "事件", stuckAfter: "卡住判定：", minutes: "分钟没有进展",
        learner: "学员", lab: "实验", step: "步骤", status: "状态", hardest: "最多学员失败的步骤",
        timeline: "时间线", none: "还没有人检查失败。", joined: "已加入", working: "进行中", passed: "通过",
        failed: "失败", stuck: "卡住", live: "实时", offline: "正在重连……", learnersFailed: "位学员",
        noToken: "请用 lab class serve 打印的讲师链接打开本页（以 ?token=... 结尾）。", other: "English" },
};
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
let lang = params.get("lang") === "zh" ? "zh" : "en";
let stuckMinutes = Math.max(1, Number(params.get("stuck")) || 5);
let snap = null, skew = 0, shown = "", live = false;
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const t = (k) => TEXT[lang][k];

function setQuery() {
  const q = new URLSearchParams(location.search);
  q.set("lang", lang); q.set("stuck", String(stuckMinutes));
  history.replaceState(null, "", "?" + q.toString());
}
function statusOf(r) {
  const now = Date.now() + skew;
  if (r.status !== "passed" && r.status !== "joined" && now - r.lastAt > stuckMinutes * 60000) return "stuck";
  return r.status;
}
function render() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  $("lang").textContent = t("other");
  $("stuck").value = String(stuckMinutes);
  $("conn").textContent = token ? t(live ? "live" : "offline") : "";
  $("conn").className = live ? "mute" : "off";
  if (!snap) return;
  $("title").textContent = snap.title;
  document.title = snap.title + " - lab class";
  $("code").textContent = snap.code;
  $("count").textContent = String(snap.learners.length);
  $("events").textContent = String(snap.events);
  const head = $("head");
  head.replaceChildren(el("th", t("learner")), el("th", t("lab")), el("th", t("step")), el("th", t("status")));
  for (const lab of snap.labs) { const th = el("th", String(lab.order), "lab"); th.title = lab.id + ": " + lab.title; th.dataset.lab = lab.id; head.append(th); }
  const rows = $("rows");
  rows.replaceChildren();
  for (const r of snap.learners) {
    const tr = el("tr");
    tr.dataset.learner = r.name;
    const st = statusOf(r);
    tr.append(el("td", r.name, "name"), el("td", r.lab ? (r.labTitle || r.lab) : "", "current-lab"),
      el("td", r.step ? (r.index !== undefined ? (r.index + 1) + "/" + r.total + " " : "") + (r.stepTitle || r.step) : "", "step"),
      el("td", t(st), "status " + st));
    tr.lastChild.dataset.status = st;
    for (const lab of snap.labs) {
      const c = r.labs[lab.id];
      const td = el("td", "", "lab");
      td.dataset.lab = lab.id;
      if (c) {
        td.textContent = c.passed ? "\\u2713" : (c.steps ? c.stepsPassed + "/" + c.steps : "-") + (c.failures ? " \\u2717" + c.failures : "");
        td.classList.add(c.passed ? "passed" : c.failures ? "failed" : "working");
      }
      tr.append(td);
    }
    tr.addEventListener("click", () => openTimeline(r.name));
    rows.append(tr);
  }
  const hardest = $("hardest");
  hardest.replaceChildren();
  if (snap.hardest.length === 0) hardest.append(el("li", t("none"), "mute"));
  for (const h of snap.hardest) hardest.append(el("li", h.lab + " / " + h.title + " (" + h.step + "): " + h.learners + " " + t("learnersFailed")));
  if (shown) openTimeline(shown, true);
}
async function openTimeline(name, quiet) {
  shown = name;
  const res = await fetch("/api/learner?name=" + encodeURIComponent(name), { headers: { Authorization: "Bearer " + token } });
  if (!res.ok) return;
  const { events } = await res.json();
  $("timeline-box").hidden = false;
  $("timeline-name").textContent = name;
  const list = $("timeline");
  list.replaceChildren();
  for (const e of events) {
    const time = new Date(e.rx).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB");
    const what = [e.type, e.lab, e.step, e.check, e.title, e.status, e.ok === undefined ? "" : e.ok ? "ok" : "FAIL"].filter(Boolean).join(" ");
    list.append(el("li", time + "  " + what, e.ok === false || e.status === "failed" || e.status === "error" ? "bad" : ""));
  }
  if (!quiet) $("timeline-box").scrollIntoView();
}
$("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; setQuery(); render(); });
$("stuck").addEventListener("change", () => { stuckMinutes = Math.max(1, Number($("stuck").value) || 5); setQuery(); render(); });
render();
if (!token) { $("problem").hidden = false; $("problem").textContent = t("noToken"); }
else {
  const source = new EventSource("/api/stream?token=" + encodeURIComponent(token));
  source.addEventListener("snapshot", (m) => { snap = JSON.parse(m.data); skew = snap.now - Date.now(); live = true; render(); });
  source.addEventListener("error", () => { live = false; render(); });
  setInterval(render, 15000);
}
</script>
</body>
</html>
`;
