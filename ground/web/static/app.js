// ginny ground station dashboard: live charts, events, command panel, images and files over /api/stream (SSE).
"use strict";

const MAX_POINTS = 600;
const CHARTS = {
  "chart-altitude": { title: "altitude (m)", traces: ["altitude"] },
  "chart-velocity": { title: "velocity NED (m/s)", traces: ["vn", "ve", "vd"] },
  "chart-attitude": { title: "attitude (deg)", traces: ["roll", "pitch", "yaw"] },
  "chart-features": { title: "features / inliers", traces: ["features", "inliers"] },
  "chart-tracker": { title: "tracker time (ms)", traces: ["tracker ms"] },
};
const pending = {};  // chart id -> {x: [[...]...], y: [[...]...]}
let dictionary = { commands: [] };

function layout(title) {
  return { title: { text: title, font: { size: 13 } }, margin: { l: 40, r: 10, t: 30, b: 30 },
           showlegend: true, legend: { orientation: "h" } };
}

function setupCharts() {
  for (const [id, c] of Object.entries(CHARTS)) {
    Plotly.newPlot(id, c.traces.map(name => ({ x: [], y: [], name, mode: "lines" })), layout(c.title),
                   { displayModeBar: false, staticPlot: false });
    pending[id] = { x: c.traces.map(() => []), y: c.traces.map(() => []) };
  }
  const mapLayout = layout("trajectory: east / north (m)");
  mapLayout.yaxis = { scaleanchor: "x" };
  Plotly.newPlot("chart-map", [{ x: [], y: [], name: "estimate", mode: "lines" },
                               { x: [], y: [], name: "truth (simulation)", mode: "lines", line: { dash: "dot" } }],
                 mapLayout, { displayModeBar: false });
  pending["chart-map"] = { x: [[], []], y: [[], []] };
}

function push(id, t, values) {
  const p = pending[id];
  values.forEach((v, i) => { if (v !== undefined && v !== null) { p.x[i].push(t); p.y[i].push(v); } });
}

function flushCharts() {
  for (const [id, p] of Object.entries(pending)) {
    if (p.x.every(xs => xs.length === 0)) continue;
    const idx = p.x.map((_, i) => i);
    Plotly.extendTraces(id, { x: p.x, y: p.y }, idx, MAX_POINTS);
    pending[id] = { x: p.x.map(() => []), y: p.y.map(() => []) };
  }
}

function onState(s) {
  document.getElementById("mode").textContent = "mode: " + s.mode;
  if (s.vision) document.getElementById("vision").textContent = "vision: " + s.vision;
  if (s.t_ns === undefined) return;
  const t = s.t_ns / 1e9;
  push("chart-altitude", t, [s.altitude_m]);
  push("chart-velocity", t, s.vel_mps);
  push("chart-attitude", t, s.att_deg);
  push("chart-features", t, [s.features, s.inliers]);
  push("chart-tracker", t, [s.tracker_ms]);
  pending["chart-map"].x[0].push(s.pos_m[1]);
  pending["chart-map"].y[0].push(s.pos_m[0]);
}

function onTruth(t) {
  pending["chart-map"].x[1].push(t.pos_m[1]);
  pending["chart-map"].y[1].push(t.pos_m[0]);
}

function onLink(l) {
  const el = document.getElementById("link");
  el.className = "link " + (l.up ? "up" : "down");
  el.textContent = l.up ? "LINK UP" : "LINK DOWN";
  document.getElementById("linkstats").textContent =
    `${l.frames} frames, ${(l.bytes / 1024).toFixed(0)} KiB down, ${l.events_missed} events missed`;
}

function onEvent(e) {
  const row = document.querySelector("#events tbody").insertRow(0);
  row.className = "sev-" + e.severity;
  for (const text of [(e.t_ns / 1e9).toFixed(3), e.severity, e.source, e.name, e.text]) {
    row.insertCell().textContent = text;
  }
}

function onImage(im) {
  if (im.kind === "navcam") {
    document.getElementById("navcam").src = im.src;
  } else {
    const img = document.createElement("img");
    img.src = im.src;
    img.title = `colour capture at ${(im.t_ns / 1e9).toFixed(1)} s`;
    document.getElementById("captures").prepend(img);
  }
}

function onFile(f) {
  if (!f.done) return;
  const li = [...document.querySelectorAll("#files li")].find(el => el.dataset.path === f.path);
  if (li) li.querySelector(".status").innerHTML = `<a href="/api/files/${encodeURI(f.path)}">download</a>`;
}

const HANDLERS = { state: onState, truth: onTruth, link: onLink, event: onEvent, image: onImage, file: onFile };

function connect() {
  const source = new EventSource("/api/stream");
  source.onmessage = msg => {
    const frame = JSON.parse(msg.data);
    const handler = HANDLERS[frame.type];
    if (handler) handler(frame);
  };
  source.onerror = () => onLink({ up: false, frames: 0, bytes: 0, events_missed: 0 });
}

// --- command panel, generated from the dictionary -----------------------------------------------------------
function argInput(p) {
  const kind = p.type.name;
  let input;
  if (kind === "enum") {
    input = document.createElement("select");
    for (const c of p.type.enumeratedConstants) input.add(new Option(c, c));
  } else if (kind === "bool") {
    input = document.createElement("input");
    input.type = "checkbox";
  } else if (p.name === "text") {
    input = document.createElement("textarea");
    input.rows = 6;
  } else {
    input = document.createElement("input");
    input.type = kind === "int" || kind === "float" ? "number" : "text";
    if (kind === "float") input.step = "any";
    if (p.min !== undefined) input.min = p.min;
    if (p.max !== undefined) input.max = p.max;
  }
  if (p.default !== undefined) {
    if (kind === "bool") input.checked = p.default; else input.value = p.default;
  }
  input.name = p.name;
  input.dataset.kind = kind;
  return input;
}

function showCommand() {
  const cmd = dictionary.commands.find(c => c.name === document.getElementById("cmd-name").value);
  document.getElementById("cmd-help").textContent = cmd.description;
  const box = document.getElementById("cmd-args");
  box.innerHTML = "";
  const params = cmd.formalParameters.slice();
  if (cmd.component === "*") {
    params.push({ name: "target", description: "process (default comm)", type: { name: "str" }, default: "comm" });
  }
  for (const p of params) {
    const label = document.createElement("label");
    label.textContent = `${p.name}${p.unit ? " (" + p.unit + ")" : ""}: ${p.description}`;
    label.appendChild(argInput(p));
    box.appendChild(label);
  }
}

function readArgs(cmd) {
  const args = {};
  const problems = [];
  let target = "";
  for (const input of document.querySelectorAll("#cmd-args [name]")) {
    input.classList.remove("invalid");
    const p = cmd.formalParameters.find(q => q.name === input.name);
    if (!p) { target = input.value; continue; }
    const kind = input.dataset.kind;
    let value = kind === "bool" ? input.checked : input.value;
    if (kind === "int" || kind === "float") {
      if (value === "" || isNaN(Number(value)) || (kind === "int" && !Number.isInteger(Number(value)))) {
        problems.push(`${p.name} must be ${kind === "int" ? "an integer" : "a number"}`);
      }
      value = Number(value);
      if (p.min !== undefined && value < p.min) problems.push(`${p.name}=${value} is below the minimum ${p.min}`);
      if (p.max !== undefined && value > p.max) problems.push(`${p.name}=${value} is above the maximum ${p.max}`);
    } else if (kind === "str" && value === "" && p.default === undefined) {
      problems.push(`${p.name} is needed`);
    }
    if (problems.length && problems[problems.length - 1].startsWith(p.name)) input.classList.add("invalid");
    args[p.name] = value;
  }
  return { args, target, problems };
}

async function sendCommand(name, args, target) {
  const res = await fetch("/api/command", { method: "POST", headers: { "Content-Type": "application/json" },
                                             body: JSON.stringify({ name, args, target }) });
  return res.json();
}

function showResult(ack) {
  const out = document.getElementById("cmd-result");
  out.className = ack.result === "OK" ? "OK" : "error";
  out.textContent = `${ack.name || ""} ${ack.result}${ack.reason ? ": " + ack.reason : ""}`;
}

async function onSubmit(ev) {
  ev.preventDefault();
  const name = document.getElementById("cmd-name").value;
  const cmd = dictionary.commands.find(c => c.name === name);
  const { args, target, problems } = readArgs(cmd);
  if (problems.length) {
    showResult({ name, result: "VALIDATION_ERROR", reason: "not sent: " + problems.join("; ") });
    return;
  }
  showResult({ name, result: "SENT", reason: "" });
  showResult(await sendCommand(name, args, target));
}

async function listFiles() {
  const ack = await sendCommand("LIST_FILES", { dir: "" }, "");
  const ul = document.getElementById("files");
  ul.innerHTML = "";
  for (const line of (ack.reason || "").split("\n").filter(Boolean)) {
    const [path, size] = line.split("\t");
    const li = document.createElement("li");
    li.dataset.path = path;
    li.innerHTML = `<span></span> <span class="status"></span>`;
    li.firstChild.textContent = `${path} (${size} B)`;
    if (!path.endsWith("/")) {
      const btn = document.createElement("button");
      btn.textContent = "downlink";
      btn.onclick = async () => {
        li.querySelector(".status").textContent = "coming down...";
        const a = await sendCommand("DOWNLINK_FILE", { path }, "");
        if (a.result !== "OK") li.querySelector(".status").textContent = a.result + ": " + a.reason;
      };
      li.appendChild(btn);
    }
    ul.appendChild(li);
  }
}

async function main() {
  setupCharts();
  dictionary = await (await fetch("/api/dict")).json();
  const select = document.getElementById("cmd-name");
  for (const c of dictionary.commands) select.add(new Option(c.name, c.name));
  select.onchange = showCommand;
  showCommand();
  document.getElementById("cmd-form").onsubmit = onSubmit;
  document.getElementById("files-refresh").onclick = listFiles;
  connect();
  setInterval(flushCharts, 250);
}

main();
