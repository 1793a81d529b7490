// The test console's page: talks to the console server's JSON API, renders APL screens with
// apl-viewhost-web 1.4.0, and keeps every turn so any of them can be inspected again.
"use strict";

// The renderer's engine must be awaited from before its WebAssembly runtime starts.
const engineReady = window.AplRenderer
  ? window.AplRenderer.initEngine()
  : Promise.reject(new Error("apl-viewhost-web did not load"));
engineReady.catch(() => {});

const TOUCH_QUIET_MS = 550;
const consoleState = { meta: null, device: null, turns: [], selected: null, renderer: null,
  screenToken: null, busy: Promise.resolve() };
window.consoleState = consoleState;

const $ = (id) => document.getElementById(id);
const pretty = (value) => JSON.stringify(value, null, 2);

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const reply = await fetch(path, options);
  const data = await reply.json().catch(() => ({ error: `HTTP ${reply.status}` }));
  if (!reply.ok) throw new Error(data.error || `HTTP ${reply.status}`);
  return data;
}

function showError(error) {
  const box = $("error");
  box.hidden = !error;
  box.textContent = error ? String(error.message || error) : "";
}

// One action at a time, in order: typed turns, touches and URL turns never interleave.
function queue(action) {
  consoleState.busy = consoleState.busy.then(action).then(() => showError(null), showError);
  return consoleState.busy;
}

function option(select, value, label) {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = label;
  select.append(item);
}

async function setUp() {
  const meta = await api("/api/meta");
  consoleState.meta = meta;
  meta.locales.forEach((locale) => option($("locale"), locale, locale));
  meta.devices.forEach((device) => option($("device"), device.name, device.label));
  Object.entries(meta.runtimes).forEach(([name, what]) => option($("runtime"), name, `${name}: ${what}`));
  meta.sessionEndReasons.forEach((reason) => option($("end-reason"), reason, reason));
  if (!meta.espeak) {
    $("espeak-note").hidden = false;
    $("espeak-note").textContent = meta.espeakNote;
  }
  const query = new URLSearchParams(location.search);
  $("locale").value = query.get("locale") || "en-US";
  if (query.get("device")) $("device").value = query.get("device");
  if (query.get("runtime")) $("runtime").value = query.get("runtime");
  await newSession(false);
  for (const text of query.getAll("say")) await say(text);
}

async function newSession(freshListener) {
  const body = { locale: $("locale").value, device: $("device").value, runtime: $("runtime").value };
  if (!freshListener && $("user-id").value.trim()) body.userId = $("user-id").value.trim();
  const started = await api("/api/session", body);
  $("user-id").value = started.userId;
  consoleState.device = started.device;
  consoleState.turns = [];
  $("log").replaceChildren();
  showDevice();
  await refreshRecord();
}

function showDevice() {
  const device = consoleState.device;
  const interfaces = device.interfaces.length ? device.interfaces.join(", ") : "no interfaces";
  $("device-info").textContent = `${device.label}: ${device.description}. Reports ${interfaces}.`;
  const hasScreen = Boolean(device.viewport);
  $("screen-frame").hidden = !hasScreen;
  $("preview-label").hidden = !hasScreen;
  $("no-screen").hidden = hasScreen;
  clearScreen();
}

function clearScreen() {
  if (consoleState.renderer) {
    try { consoleState.renderer.destroy(); } catch (error) { /* already gone */ }
    consoleState.renderer = null;
  }
  $("screen").replaceChildren();
  $("screen").dataset.rendered = "";
}

async function renderScreen(screen) {
  const viewport = consoleState.device.viewport;
  if (!viewport || !screen) return;
  await engineReady;
  clearScreen();
  const R = window.AplRenderer;
  const content = R.Content.create(JSON.stringify(screen.document));
  Object.entries(screen.datasources || {}).forEach(([name, data]) => content.addData(name, JSON.stringify(data)));
  const width = viewport.pixelWidth, height = viewport.pixelHeight;
  const view = $("screen");
  const frame = $("screen-frame");
  const scale = Math.min(1, frame.clientWidth / width || 1);
  view.style.transform = `scale(${scale})`;
  frame.style.height = `${Math.ceil(height * scale)}px`;
  consoleState.screenToken = screen.token;
  const renderer = R.default.create({
    content, view,
    environment: { agentName: "back-massage-guide-console", agentVersion: "1.0", allowOpenUrl: false,
      disallowVideo: true },
    viewport: { width, height, dpi: viewport.dpi, shape: viewport.shape, mode: viewport.mode },
    theme: "dark", mode: viewport.mode, utcTime: Date.now(), localTimeAdjustment: 0,
    onSendEvent: (event) => queue(() => touch(event)),
  });
  consoleState.renderer = renderer;
  const created = Date.now();
  await renderer.init();
  // apl-viewhost-web 1.4.0 drops mouse events for 500 ms after it is created (it mistakes
  // them for the echo of a touch): the screen is ready to touch only after that.
  await new Promise((done) => setTimeout(done, Math.max(0, created + TOUCH_QUIET_MS - Date.now())));
  view.dataset.rendered = screen.token || "screen";
}

async function touch(event) {
  const source = (event && event.source) || {};
  const turn = await api("/api/touch", {
    arguments: (event && event.arguments) || [], token: consoleState.screenToken || "",
    source: source.id || "" });
  await addTurn(turn);
}

async function say(text) {
  const turn = await api("/api/say", { text });
  await addTurn(turn);
}

function logItem(kind, text, meta, index) {
  const item = document.createElement("li");
  item.className = kind;
  item.dataset.turn = index;
  item.append(document.createTextNode(text));
  if (meta) {
    const line = document.createElement("span");
    line.className = "meta";
    line.textContent = meta;
    item.append(line);
  }
  item.addEventListener("click", () => select(index));
  $("log").append(item);
  item.scrollIntoView({ block: "nearest" });
}

async function addTurn(turn) {
  const index = consoleState.turns.length;
  consoleState.turns.push(turn);
  logItem("user", turn.user || "(silence)", null, index);
  const what = turn.requestType === "IntentRequest" ? turn.intent : turn.requestType || "reprompt";
  const alexa = turn.speech || (turn.ended ? "(session closed)" : "(says nothing)");
  logItem("alexa", alexa, `${what} · answered by ${turn.runtime} in ${turn.ms} ms`, index);
  select(index);
  await refreshRecord();
  if (turn.screen) await renderScreen(turn.screen);
}

function select(index) {
  const turn = consoleState.turns[index];
  consoleState.selected = index;
  document.querySelectorAll("#log li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.turn) === index));
  showNlu(turn.nlu);
  showSays(turn);
  $("io-turn").textContent = `turn ${index + 1}: ${turn.runtime}, ${turn.ms} ms`;
  $("request-json").value = turn.request ? pretty(turn.request) : "";
  $("response-json").textContent = turn.response ? pretty(turn.response) : "";
  $("attributes").textContent = pretty(turn.attributes);
  const changed = Object.entries(turn.changed);
  $("changed").replaceChildren(...(changed.length ? changed.map(([key, [before, after]]) => {
    const line = document.createElement("div");
    line.innerHTML = "<span class=changed-key></span>: <s></s> → <b></b>";
    line.querySelector(".changed-key").textContent = key;
    line.querySelector("s").textContent = JSON.stringify(before);
    line.querySelector("b").textContent = JSON.stringify(after);
    return line;
  }) : [Object.assign(document.createElement("p"), { className: "quiet", textContent: "Nothing changed." })]));
}

function cells(row, values) {
  values.forEach((value) => {
    const cell = document.createElement("td");
    cell.textContent = value;
    row.append(cell);
  });
  return row;
}

function showNlu(nlu) {
  const pane = $("nlu");
  if (!nlu) {
    pane.innerHTML = "<p class=quiet>No utterance in this turn.</p>";
    return;
  }
  pane.innerHTML = "<p><b class=intent></b> <span class=how></span></p><table class=runners></table><table class=slots></table>";
  pane.querySelector(".intent").textContent = nlu.intent || nlu.requestType;
  pane.querySelector(".how").textContent = `confidence ${nlu.confidence.toFixed(2)} · ${nlu.method}${nlu.oneShot ? " · one-shot" : ""}`;
  const runners = pane.querySelector(".runners");
  if (nlu.runnersUp.length) {
    runners.append(cells(document.createElement("tr"), ["runner-up", "confidence"]));
    nlu.runnersUp.forEach(([name, score]) => runners.append(cells(document.createElement("tr"), [name, score.toFixed(2)])));
  }
  const slots = pane.querySelector(".slots");
  const names = Object.keys(nlu.slots);
  if (names.length) {
    slots.append(cells(document.createElement("tr"), ["slot", "value", "status", "id"]));
    names.forEach((name) => {
      const slot = nlu.slots[name];
      const row = cells(document.createElement("tr"), [name, slot.value, slot.status, slot.id || "–"]);
      row.className = slot.status === "ER_SUCCESS_MATCH" ? "match" : "nomatch";
      slots.append(row);
    });
  }
}

function showSays(turn) {
  const pane = $("says");
  pane.replaceChildren();
  const add = (label, text) => {
    if (!text) return;
    const line = document.createElement("p");
    line.innerHTML = "<b></b> <span></span>";
    line.querySelector("b").textContent = label;
    line.querySelector("span").textContent = text;
    pane.append(line);
  };
  add("Speech:", turn.speech || "(nothing)");
  add("Reprompt:", turn.reprompt);
  if (turn.card) add("Card:", `${turn.card.title}: ${turn.card.text}`);
  if (turn.spoken) {
    add("Length:", `${turn.spoken.words} words, about ${turn.spoken.seconds} s at this listener's pace ` +
      `(${turn.spoken.secondsAtNormalPace} s at normal pace)`);
  }
  $("play").disabled = !(consoleState.meta.espeak && turn.ssml);
}

async function play() {
  const turn = consoleState.turns[consoleState.selected];
  if (!turn || !turn.ssml) return;
  const reply = await fetch("/api/speak", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ssml: turn.ssml, locale: $("locale").value }) });
  if (!reply.ok) throw new Error((await reply.json()).error);
  const audio = $("audio");
  audio.src = URL.createObjectURL(await reply.blob());
  await audio.play().catch(() => {});
}

async function refreshRecord() {
  const stored = await api("/api/record");
  $("store-kind").textContent = stored.store ? `(${stored.store})` : "";
  $("record").textContent = stored.store ? pretty(stored.record) + (stored.note ? `\n${stored.note}` : "") : stored.note;
}

async function resend() {
  let envelope;
  try { envelope = JSON.parse($("request-json").value); } catch (error) { throw new Error(`not valid JSON: ${error.message}`); }
  await addTurn(await api("/api/send", { envelope }));
}

async function save() {
  const exported = await api("/api/export");
  const link = (id, value) => {
    const anchor = $(id);
    anchor.href = URL.createObjectURL(new Blob([pretty(value)], { type: "application/json" }));
    anchor.hidden = false;
  };
  link("download-replay", exported.replay);
  link("download-transcript", exported.transcript);
  consoleState.exported = exported;
  return exported;
}

async function readFile(input) {
  const file = input.files[0];
  return file ? JSON.parse(await file.text()) : null;
}

async function rerun(replay, transcript) {
  if (!replay) throw new Error("choose a replay file first");
  const result = await api("/api/replay", { replay, transcript: transcript || [] });
  $("user-id").value = result.userId;
  if (replay.locale) $("locale").value = replay.locale;
  consoleState.turns = [];
  $("log").replaceChildren();
  for (const turn of result.turns) await addTurn(turn);
  const diff = $("diff");
  diff.replaceChildren();
  const verdict = document.createElement("p");
  if (!result.compared) {
    verdict.textContent = "Re-run done; no transcript given to compare with.";
  } else if (!result.differences.length) {
    verdict.className = "same";
    verdict.textContent = `No differences: all ${transcript.length} turns as in the transcript.`;
  } else {
    verdict.className = "differs";
    verdict.textContent = `${result.differences.length} differences from the transcript:`;
  }
  diff.append(verdict);
  result.differences.forEach((d) => {
    const line = document.createElement("pre");
    line.textContent = `turn ${d.turn}, ${d.field}:\n  expected ${JSON.stringify(d.expected)}\n  got      ${JSON.stringify(d.got)}`;
    diff.append(line);
  });
  return result;
}
window.consoleRerun = (replay, transcript) => queue(() => rerun(replay, transcript));

document.addEventListener("DOMContentLoaded", () => {
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("utterance").value.trim();
    if (!text) return;
    $("utterance").value = "";
    queue(() => say(text));
  });
  $("silence").addEventListener("click", () => queue(() => say("")));
  $("new-session").addEventListener("click", () => queue(() => newSession(false)));
  $("new-listener").addEventListener("click", () => queue(() => newSession(true)));
  ["locale", "device"].forEach((id) => $(id).addEventListener("change", () => queue(() => newSession(false))));
  $("runtime").addEventListener("change", () => queue(() => api("/api/runtime", { runtime: $("runtime").value })));
  $("play").addEventListener("click", () => queue(play));
  $("resend").addEventListener("click", () => queue(resend));
  $("send-end").addEventListener("click", () => queue(async () => addTurn(await api("/api/craft", {
    kind: "SessionEndedRequest", reason: $("end-reason").value }))));
  $("send-disabled").addEventListener("click", () => queue(async () => addTurn(await api("/api/craft", {
    kind: "SkillDisabled" }))));
  $("send-cfir").addEventListener("click", () => queue(async () => addTurn(await api("/api/craft", {
    kind: "CanFulfillIntentRequest", text: $("cfir-text").value }))));
  $("refresh-record").addEventListener("click", () => queue(refreshRecord));
  $("forget").addEventListener("click", () => queue(async () => { await api("/api/forget", {}); await refreshRecord(); }));
  $("save").addEventListener("click", () => queue(save));
  $("rerun").addEventListener("click", () => queue(async () => rerun(await readFile($("replay-file")), await readFile($("transcript-file")))));
  queue(setUp).then(() => { document.body.dataset.ready = "yes"; });
});
