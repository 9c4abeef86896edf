// musae explorer: the page's behaviour. Plain JavaScript, no build step. The server does
// the model work; the page draws what it answers (domain.View: a piano roll, a drum grid,
// a picture), plays its sound (a WAV through Web Audio) and sends its notes to a MIDI port.
// Nothing here knows a domain: what a model can do comes from /api/models.
"use strict";

const $ = (id) => document.getElementById(id);

// state holds what the page shows. body.dataset.state says to tests (and to anyone
// curious) whether the page has settled after a model change: "loading", "ready", "error".
const state = {
  model: null,     // the chosen model's /api/models entry
  models: [],
  items: [],       // every item that can be picked: starters, uploads, samples, results
  steps: [],       // the morph's steps
  palette: [],     // the palette's cells
  current: null,   // the result the player bar plays and downloads
  requests: {},    // per purpose, to drop answers the user has moved past
  midi: null,      // the MIDIAccess, when the browser gives one
  sound: null,     // the sound playing: {source, url, started, duration, rms}
  sounds: new Map(), // decoded sounds by URL, the latest 64
  release: null,   // when the attribute slider was last released: performance.now()
};

// latencies (ms) from an attribute slider's release to the start of its sound; tests read it.
window.musaeLatencies = [];

function showError(msg) {
  const el = $("error");
  el.textContent = msg || "";
  el.hidden = !msg;
}

async function getJSON(url, options) {
  const res = await fetch(url, options);
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(`${res.status} ${res.statusText}`);
  }
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}

// api is the URL of a call for the current model, with its conditions.
function api(path, params) {
  const p = new URLSearchParams({ model: state.model.id, ...params });
  for (const [k, v] of condParams()) p.set(k, v);
  return `/api/${path}?${p}`;
}

// latest runs f for purpose, and says whether its answer is still wanted.
function latest(purpose) {
  const id = (state.requests[purpose] || 0) + 1;
  state.requests[purpose] = id;
  return () => state.requests[purpose] === id;
}

// ---- conditions: the hook for conditioned models -------------------------------------

// renderConditions shows a labelled field for each condition a model takes
// ({name, label, placeholder}); none, and the fieldset hides.
function renderConditions(conds) {
  const fs = $("conditions");
  for (const el of fs.querySelectorAll("label")) el.remove();
  for (const c of conds) {
    const label = document.createElement("label");
    label.textContent = `${c.label} `;
    const input = document.createElement("input");
    input.type = "text";
    input.id = `cond-${c.name}`;
    input.dataset.cond = c.name;
    input.placeholder = c.placeholder;
    input.addEventListener("change", () => refreshAll());
    label.appendChild(input);
    fs.appendChild(label);
  }
  fs.hidden = conds.length === 0;
}

// condParams are the conditions' values, as cond.NAME parameters.
function condParams() {
  const out = [];
  for (const input of $("conditions").querySelectorAll("input[data-cond]")) {
    if (input.value.trim()) out.push([`cond.${input.dataset.cond}`, input.value.trim()]);
  }
  return out;
}

// ---- drawing views ----------------------------------------------------------------------

// beatSteps is the length of a beat of meter ("6/8") in steps of stepsPerBar to the bar.
function beatSteps(view) {
  const m = /^(\d+)\/(\d+)$/.exec(view.meter || "");
  if (!m) return view.stepsPerQuarter || 4;
  const num = Number(m[1]), den = Number(m[2]);
  const whole = 4 * (view.stepsPerQuarter || 4);
  const b = Math.max(1, Math.round(whole / den));
  return den >= 8 && num % 3 === 0 ? 3 * b : b;
}

// pitchRange is the pitches a roll of views shows: their notes', at least an octave.
function pitchRange(views) {
  let lo = 127, hi = 0;
  for (const v of views) for (const n of v.notes || []) { lo = Math.min(lo, n.pitch); hi = Math.max(hi, n.pitch); }
  if (lo > hi) { lo = 60; hi = 72; }
  while (hi - lo < 12) { if (lo > 0) lo--; if (hi - lo < 12 && hi < 127) hi++; }
  return [lo, hi];
}

const ink = { note: "#2c6fbb", grid: "#c9d3de", bar: "#5b6b7c", back: "#ffffff", text: "#1d2733", head: "#d0342c" };

// drawView draws view into canvas: cell is a step's width in pixels, range a roll's
// pitches, head the playhead's step (or -1).
function drawView(canvas, view, opt = {}) {
  const cell = opt.cell || 12, head = opt.head ?? -1;
  const ctx = canvas.getContext("2d");
  canvas.setAttribute("aria-label", `${opt.name ? opt.name + ": " : ""}${view.text}`);
  if (view.kind === "picture") {
    const scale = opt.pictureScale || 4;
    canvas.width = view.cols * scale; canvas.height = view.rows * scale;
    const img = ctx.createImageData(view.cols, view.rows);
    view.pixels.forEach((p, i) => {
      // Light on dark, as the latent map and the PNG downloads draw them.
      const g = Math.round(255 * Math.min(1, Math.max(0, p)));
      img.data.set([g, g, g, 255], 4 * i);
    });
    const tmp = document.createElement("canvas");
    tmp.width = view.cols; tmp.height = view.rows;
    tmp.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
    return;
  }
  if (view.kind !== "roll" && view.kind !== "grid") {
    canvas.width = opt.textWidth || 320; canvas.height = 40;
    ctx.fillStyle = ink.back; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = ink.text; ctx.font = "16px monospace";
    ctx.fillText(view.text, 8, 26);
    return;
  }
  const grid = view.kind === "grid";
  const [lo, hi] = grid ? [0, view.lanes.length - 1] : (opt.range || pitchRange([view]));
  const rows = hi - lo + 1, rowH = grid ? (opt.laneH || 12) : (opt.rowH || Math.max(3, Math.min(8, Math.floor(160 / rows))));
  const left = opt.labels === false ? 0 : grid ? 86 : 34, top = opt.labels === false ? 0 : 14;
  canvas.width = left + view.steps * cell + 1;
  canvas.height = top + rows * rowH + 1;
  ctx.fillStyle = ink.back; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const beat = beatSteps(view), bar = view.stepsPerBar || 16;
  for (let t = 0; t <= view.steps; t++) {
    if (t % beat && t % bar) continue;
    ctx.fillStyle = t % bar ? ink.grid : ink.bar;
    ctx.fillRect(left + t * cell, top, 1, rows * rowH);
  }
  ctx.font = "10px sans-serif"; ctx.fillStyle = ink.text;
  if (opt.labels !== false) {
    ctx.fillText(view.meter || "", 2, 10);
    for (let b = 0; b * bar < view.steps; b++) ctx.fillText(String(b + 1), left + b * bar * cell + 2, 10);
  }
  for (let r = 0; r < rows; r++) {
    const y = top + r * rowH;
    if (grid) {
      ctx.fillStyle = r % 2 ? "#f4f6f8" : ink.back;
      ctx.fillRect(left, y, view.steps * cell, rowH);
      if (opt.labels !== false) { ctx.fillStyle = ink.text; ctx.fillText(view.lanes[r].name, 2, y + rowH - 2); }
    } else {
      const pitch = hi - r;
      if ([1, 3, 6, 8, 10].includes(pitch % 12)) { ctx.fillStyle = "#f1f3f6"; ctx.fillRect(left, y, view.steps * cell, rowH); }
      if (pitch % 12 === 0 && opt.labels !== false) { ctx.fillStyle = ink.text; ctx.fillText(`C${pitch / 12 - 1}`, 2, y + rowH); }
    }
  }
  for (const n of view.notes || []) {
    const r = grid ? n.lane : hi - n.pitch;
    if (r < 0 || r >= rows) continue;
    // Small views (thumbnails, palette cells) draw notes without gaps, to stay legible.
    const gap = cell >= 6 ? 1 : 0, vgap = rowH >= 5 ? 1 : 0;
    const x = left + (n.start + (n.offset || 0)) * cell + gap;
    ctx.globalAlpha = 0.35 + 0.65 * (n.velocity / 127);
    ctx.fillStyle = ink.note;
    ctx.fillRect(x, top + r * rowH + vgap, Math.max(1, (n.end - n.start) * cell - 2 * gap), rowH - 2 * vgap);
  }
  ctx.globalAlpha = 1;
  if (head >= 0) {
    ctx.fillStyle = ink.head;
    ctx.fillRect(left + head * cell, top, 2, rows * rowH);
  }
}

// ---- sound and MIDI ----------------------------------------------------------------------

let audioCtx = null;

function qpm() {
  const v = Number($("qpm").value);
  return Number.isFinite(v) && v > 0 ? v : 120;
}

function audioURL(item) {
  return api("audio", { x: item.ref, qpm: String(qpm()) });
}

function fileURL(item, format) {
  return api(`file/${format}`, { x: item.ref, qpm: String(qpm()), name: item.name });
}

// loadSound fetches and decodes a WAV, keeping the latest 64 (as promises, so that a
// sound asked for twice is fetched once).
function loadSound(url) {
  if (state.sounds.has(url)) return state.sounds.get(url);
  audioCtx = audioCtx || new AudioContext();
  const p = (async () => {
    const res = await fetch(url);
    if (!res.ok) throw new Error((await res.json()).error || res.statusText);
    return audioCtx.decodeAudioData(await res.arrayBuffer());
  })();
  p.catch(() => state.sounds.delete(url));
  state.sounds.set(url, p);
  if (state.sounds.size > 64) state.sounds.delete(state.sounds.keys().next().value);
  return p;
}

function stopSound() {
  if (state.sound && state.sound.source) {
    try { state.sound.source.stop(); } catch (e) { /* already ended */ }
  }
  cancelAnimationFrame(playheadFrame);
  midiAllOff();
}

// play plays item: its sound in the page (from url, audioURL(item) when not given) and
// its notes to the MIDI port chosen. It resolves once it has started, with the sound's
// record.
async function play(item, onHead, url) {
  if (!state.model.timed || !item) return null;
  url = url || audioURL(item);
  // The last play asked for wins, though an earlier one's sound may load later.
  const wanted = latest("play");
  const buf = await loadSound(url);
  if (!wanted()) return null;
  stopSound();
  const source = audioCtx.createBufferSource();
  source.buffer = buf;
  const gain = audioCtx.createGain();
  gain.gain.value = $("page-sound").checked ? 1 : 0;
  source.connect(gain).connect(audioCtx.destination);
  if (audioCtx.state === "suspended") await audioCtx.resume();
  source.start();
  const data = buf.getChannelData(0);
  let sum = 0;
  for (let i = 0; i < data.length; i += 16) sum += data[i] * data[i];
  state.sound = { source, url, started: performance.now(), duration: buf.duration, rms: Math.sqrt(16 * sum / data.length), name: item.name };
  state.sound.sent = sendMIDI(item);
  followHead(item, onHead);
  return state.sound;
}

let playheadFrame = 0;

// followHead moves a playhead through the view as the sound plays.
function followHead(item, onHead) {
  if (!onHead) return;
  const started = state.sound.started, v = item.view;
  const stepMs = 60000 / qpm() / (v.stepsPerQuarter || 4);
  const tick = () => {
    const step = (performance.now() - started) / stepMs;
    if (step > v.steps) { onHead(-1); return; }
    onHead(step);
    playheadFrame = requestAnimationFrame(tick);
  };
  cancelAnimationFrame(playheadFrame);
  playheadFrame = requestAnimationFrame(tick);
}

// midiOutput is the port chosen in the menu, or null.
function midiOutput() {
  const id = $("midi-out").value;
  if (!id || !state.midi) return null;
  return state.midi.outputs.get(id) || null;
}

// sendMIDI schedules item's notes on the MIDI port chosen, at the page's tempo, and
// returns the messages sent.
function sendMIDI(item) {
  const out = midiOutput();
  const v = item.view, sent = [];
  if (!out || !v.notes) return sent;
  const stepMs = 60000 / qpm() / (v.stepsPerQuarter || 4);
  const t0 = performance.now() + 20, ch = v.channel & 15;
  for (const n of v.notes) {
    const on = t0 + (n.start + (n.offset || 0)) * stepMs;
    const off = t0 + (n.end + (n.offset || 0)) * stepMs - 1;
    sent.push([0x90 | ch, n.pitch, n.velocity], [0x80 | ch, n.pitch, 0]);
    out.send(sent[sent.length - 2], on);
    out.send(sent[sent.length - 1], off);
  }
  state.midiChannel = ch;
  return sent;
}

function midiAllOff() {
  const out = midiOutput();
  if (out && state.midiChannel !== undefined) {
    if (out.clear) out.clear();
    out.send([0xb0 | state.midiChannel, 123, 0]);
  }
}

async function setupMIDI() {
  if (state.midi || state.midiAsked) return;
  state.midiAsked = true;
  if (!navigator.requestMIDIAccess) {
    $("midi-out").title = "this browser has no Web MIDI";
    return;
  }
  try {
    state.midi = await navigator.requestMIDIAccess();
  } catch (e) {
    $("midi-out").title = `no MIDI: ${e.message}`;
    return;
  }
  const fill = () => {
    const sel = $("midi-out"), keep = sel.value;
    sel.length = 1;
    for (const out of state.midi.outputs.values()) {
      const opt = document.createElement("option");
      opt.value = out.id;
      opt.textContent = out.name;
      sel.appendChild(opt);
    }
    sel.value = keep;
    if (sel.selectedIndex < 0) sel.value = "";
  };
  fill();
  state.midi.onstatechange = fill;
}

// ---- the player bar: the current result --------------------------------------------------

function setCurrent(item) {
  state.current = item;
  $("now").textContent = `${item.name}: ${item.view.text}${item.measures ? ` (${item.measures})` : ""}`;
  const dl = $("downloads");
  dl.textContent = "";
  // .midi is .mid again
  for (const format of state.model.formats.filter((f) => f !== "midi" || !state.model.formats.includes("mid"))) {
    const a = document.createElement("a");
    a.href = fileURL(item, format);
    a.download = "";
    a.textContent = format.toUpperCase();
    a.className = `dl-${format}`;
    a.setAttribute("aria-label", `download ${item.name} as ${format.toUpperCase()}`);
    // Dragged out of the page (into a DAW or a folder), the link is the file.
    a.addEventListener("dragstart", (ev) => {
      const mime = format === "mid" ? "audio/midi" : "application/octet-stream";
      ev.dataTransfer.setData("DownloadURL", `${mime}:${safeName(item.name)}.${format}:${new URL(a.href, location.href)}`);
    });
    dl.append(a, " ");
  }
}

function safeName(s) {
  return s.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "musae";
}

// ---- items: inputs to pick from -----------------------------------------------------------

function addItem(item, group) {
  item.group = group;
  state.items.push(item);
  const i = state.items.length - 1;
  for (const sel of document.querySelectorAll("select.pick")) {
    let og = sel.querySelector(`optgroup[data-group="${group}"]`);
    if (!og) {
      og = document.createElement("optgroup");
      og.label = group;
      og.dataset.group = group;
      sel.appendChild(og);
    }
    const opt = document.createElement("option");
    opt.value = String(i);
    opt.textContent = item.name;
    og.appendChild(opt);
  }
  const li = document.createElement("li");
  li.className = "card";
  const c = document.createElement("canvas");
  c.className = "thumb";
  drawView(c, item.view, { cell: 4, rowH: 3, laneH: 5, labels: false, pictureScale: 2, name: item.name, textWidth: 140 });
  const cap = document.createElement("p");
  cap.textContent = item.name;
  const buttons = document.createElement("div");
  const button = (label, aria, f) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.setAttribute("aria-label", aria);
    b.addEventListener("click", f);
    buttons.appendChild(b);
  };
  if (state.model.timed) button("Play", `play ${item.name}`, () => { setCurrent(item); play(item).catch((e) => showError(e.message)); });
  button("A", `use ${item.name} as A`, () => choose("pick-a", i));
  button("B", `use ${item.name} as B`, () => choose("pick-b", i));
  button("Slide", `move ${item.name} with the attribute sliders`, () => choose("pick-x", i));
  li.append(c, cap, buttons);
  $("items").appendChild(li);
  return i;
}

function picked(id) {
  return state.items[Number($(id).value)];
}

function choose(id, i) {
  $(id).value = String(i);
  $(id).dispatchEvent(new Event("change"));
}

// ---- morph --------------------------------------------------------------------------------

async function morph() {
  const a = picked("pick-a"), b = picked("pick-b");
  if (!a || !b) return;
  const wanted = latest("morph");
  $("morph").dataset.state = "loading";
  try {
    const steps = await getJSON(api("interpolate", {
      a: a.ref, b: b.ref, steps: $("steps").value, mode: $("mode").value, temperature: $("morph-temp").value,
    }));
    if (!wanted()) return;
    state.steps = steps;
    const slider = $("slider");
    slider.max = String(steps.length - 1);
    slider.value = String(Math.min(Number(slider.value), steps.length - 1));
    state.morphRange = pitchRange(steps.map((s) => s.view));
    showStep(Number(slider.value));
    $("morph").dataset.state = "ready";
  } catch (e) {
    if (!wanted()) return;
    showError(e.message);
    $("morph").dataset.state = "error";
  }
}

function showStep(i, head = -1) {
  const s = state.steps[i];
  if (!s) return;
  const n = state.steps.length, t = n > 1 ? i / (n - 1) : 0;
  $("morph-label").textContent = `${s.name} · ${Math.round(100 * (1 - t))}% A, ${Math.round(100 * t)}% B · ${s.view.text}`;
  drawView($("morph-view"), s.view, { range: state.morphRange, head, name: s.name, cell: fitCell($("morph-view"), s.view) });
  if (head >= 0) scrollToHead($("morph-view"), head);
  else setCurrent(s);
}

// fitCell is the width of a step that fits view's steps in canvas's frame, at least 8
// pixels: a long piece scrolls.
function fitCell(canvas, view) {
  if (!view.steps) return 12;
  const left = view.kind === "grid" ? 86 : 34;
  return Math.max(8, Math.min(24, Math.floor((canvas.parentElement.clientWidth - left - 2) / view.steps)));
}

function scrollToHead(canvas, step) {
  const wrap = canvas.parentElement, x = 34 + step * fitCell(canvas, state.steps[0].view);
  if (x < wrap.scrollLeft || x > wrap.scrollLeft + wrap.clientWidth - 40) wrap.scrollLeft = Math.max(0, x - 40);
}

let playingAll = 0;

// playAll plays the steps from the slider's place to B, moving the slider along, until
// the last ends or the button is pressed again.
async function playAll() {
  if (playingAll) { playingAll = 0; stopSound(); $("play-all").textContent = "Play every step"; return; }
  const run = playingAll = Date.now();
  $("play-all").textContent = "Stop";
  const slider = $("slider");
  let i = Number(slider.value) >= state.steps.length - 1 ? 0 : Number(slider.value);
  for (; playingAll === run && i < state.steps.length; i++) {
    slider.value = String(i);
    showStep(i);
    const step = i;
    let sound;
    try {
      sound = await play(state.steps[i], (h) => { if (playingAll === run) showStep(step, h); });
    } catch (e) { showError(e.message); break; }
    if (!sound) break; // another sound took over
    await new Promise((done) => { sound.source.onended = done; });
    if (state.sound !== sound) break; // stopped, or another sound took over
  }
  if (playingAll === run) { playingAll = 0; $("play-all").textContent = "Play every step"; }
}

// ---- attribute sliders --------------------------------------------------------------------

function renderSliders() {
  const box = $("attr-sliders");
  box.textContent = "";
  const names = state.model.attributes;
  $("attributes").hidden = names.length === 0;
  for (const name of names) {
    const label = document.createElement("label");
    label.className = "attr";
    const input = document.createElement("input");
    input.type = "range"; input.min = "-3"; input.max = "3"; input.step = "0.25"; input.value = "0";
    input.id = `attr-${name}`; input.dataset.attr = name;
    input.setAttribute("aria-label", `${name}: amount of its attribute vector`);
    const out = document.createElement("output");
    out.textContent = "0";
    out.htmlFor = input.id;
    input.addEventListener("input", () => { out.textContent = input.value; slide(); });
    input.addEventListener("change", () => { state.release = performance.now(); slide(); });
    label.append(`${name} `, input, out);
    box.appendChild(label);
  }
}

// sliding is the attribute request in flight; next, the one to send when it is done.
let sliding = null, slideAgain = false;

// slide decodes the input moved by the sliders' amounts and plays it: one request at a
// time, the latest amounts sent when the last answer is in, so that dragging stays live.
async function slide(wantSound = true) {
  if (sliding) { slideAgain = true; return; }
  const x = picked("pick-x");
  if (!x) return;
  const params = { x: x.ref };
  for (const input of $("attr-sliders").querySelectorAll("input")) {
    if (Number(input.value) !== 0) params[`amount.${input.dataset.attr}`] = input.value;
  }
  const key = JSON.stringify(params);
  const release = state.release;
  $("attributes").dataset.state = "loading";
  sliding = (async () => {
    // The sound of the moved input is asked for beside its view, not after it.
    const sound = wantSound && state.model.timed ? api("audio", { ...params, qpm: String(qpm()) }) : null;
    if (sound) loadSound(sound).catch(() => {});
    const got = key === state.attrKey ? state.attrItem : await getJSON(api("attribute", params));
    state.attrKey = key; state.attrItem = got;
    const item = { ...got, name: `${x.name}, ${got.name}` };
    $("attr-label").textContent = `${item.name} · ${item.view.text}${item.measures ? ` · ${item.measures}` : ""}`;
    drawView($("attr-view"), item.view, { name: item.name, cell: fitCell($("attr-view"), item.view) });
    setCurrent(item);
    if (sound && (!state.sound || state.sound.attrKey !== key)) {
      const started = await play(item, null, sound);
      if (started) started.attrKey = key;
    }
    if (release && release === state.release && state.sound && state.sound.attrKey === key) {
      window.musaeLatencies.push(Math.max(0, state.sound.started - release));
      state.release = null;
    }
  })();
  try {
    await sliding;
    showError("");
  } catch (e) {
    showError(e.message);
  }
  sliding = null;
  if (slideAgain) { slideAgain = false; slide(); return; }
  $("attributes").dataset.state = "ready";
}

// ---- palette ------------------------------------------------------------------------------

async function palette() {
  const corners = [0, 1, 2, 3].map((k) => picked(`pick-c${k}`));
  if (corners.some((c) => !c)) return;
  const wanted = latest("palette");
  const n = Math.min(9, Math.max(2, Number($("palette-n").value) || 5));
  $("palette").dataset.state = "loading";
  try {
    const params = { n: String(n) };
    corners.forEach((c, k) => { params[`c${k}`] = c.ref; });
    const cells = await getJSON(api("palette", params));
    if (!wanted()) return;
    state.palette = cells;
    const grid = $("palette-grid");
    grid.textContent = "";
    grid.style.gridTemplateColumns = `repeat(${n}, minmax(0, 1fr))`;
    const range = pitchRange(cells.map((c) => c.view));
    cells.forEach((cell, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "cell";
      b.dataset.index = String(i);
      b.setAttribute("aria-label", `${cell.name}: ${cell.view.text}`);
      const c = document.createElement("canvas");
      drawView(c, cell.view, { cell: 3, rowH: 2, laneH: 4, labels: false, range, pictureScale: 2, textWidth: 120 });
      b.appendChild(c);
      b.addEventListener("click", () => pickCell(i));
      grid.appendChild(b);
    });
    $("palette").dataset.state = "ready";
  } catch (e) {
    if (!wanted()) return;
    showError(e.message);
    $("palette").dataset.state = "error";
  }
}

async function pickCell(i) {
  const cell = state.palette[i];
  for (const b of $("palette-grid").children) b.classList.toggle("chosen", b.dataset.index === String(i));
  setCurrent(cell);
  try { await play(cell); } catch (e) { showError(e.message); }
}

// ---- latent map ---------------------------------------------------------------------------

const mapCursor = { x: 8, y: 8 };

async function decodeMapAt(x, y) {
  try {
    const item = await getJSON(api("map", { x: x.toFixed(4), y: y.toFixed(4) }));
    drawView($("map-view"), item.view, { name: item.name });
    $("map-label").textContent = item.name;
    setCurrent(item);
  } catch (e) {
    $("map-label").textContent = e.message;
  }
}

function setupMap() {
  const img = $("map-img");
  img.addEventListener("click", (ev) => {
    const r = img.getBoundingClientRect();
    decodeMapAt((ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height);
  });
  img.addEventListener("keydown", (ev) => {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[ev.key]) {
      mapCursor.x = Math.min(15, Math.max(0, mapCursor.x + moves[ev.key][0]));
      mapCursor.y = Math.min(15, Math.max(0, mapCursor.y + moves[ev.key][1]));
      ev.preventDefault();
    } else if (ev.key !== "Enter" && ev.key !== " ") return;
    ev.preventDefault();
    decodeMapAt((mapCursor.x + 0.5) / 16, (mapCursor.y + 0.5) / 16);
  });
}

// ---- models -------------------------------------------------------------------------------

// refreshAll redoes every section for the inputs picked.
function refreshAll() {
  state.attrKey = null;
  return Promise.all([morph(), palette(), state.model.attributes.length ? slide(false) : null]);
}

async function chooseModel(id) {
  stopSound();
  state.model = state.models.find((m) => m.id === id);
  const m = state.model;
  document.body.dataset.state = "loading";
  document.body.dataset.model = m.id;
  document.body.classList.toggle("untimed", !m.timed);
  document.body.classList.toggle("unsampled", !m.sampled);
  $("about").textContent = m.about;
  $("upload-kind").textContent = `${m.noun} (${m.inputs.join(", ")})`;
  $("upload-file").accept = m.inputs.join(",");
  $("sample-temp").value = String(m.temperature);
  $("sample-temp").title = m.temperatureUse;
  renderConditions(m.conditions);
  renderSliders();
  $("slider").value = "0";
  $("map").hidden = !m.map;
  if (m.map) $("map-img").src = api("map.png", {});
  state.items = [];
  state.sounds.clear();
  $("items").textContent = "";
  for (const sel of document.querySelectorAll("select.pick")) sel.textContent = "";
  try {
    const starters = await getJSON(api("starters", {}));
    if (state.model !== m) return;
    for (const it of starters) addItem(it, "To start");
    const n = starters.length;
    $("pick-a").value = "0"; $("pick-b").value = String(Math.min(1, n - 1));
    $("pick-x").value = "0";
    for (let k = 0; k < 4; k++) $(`pick-c${k}`).value = String(k % n);
    if (m.timed && starters[0].qpm) $("qpm").value = String(Math.round(starters[0].qpm));
    await refreshAll();
    if (state.model !== m) return;
    showError("");
    document.body.dataset.state = "ready";
  } catch (e) {
    showError(e.message);
    document.body.dataset.state = "error";
  }
}

async function upload(form) {
  const file = form.elements.file.files[0];
  if (!file) return;
  const max = Number(document.body.dataset.maxUpload);
  if (file.size > max) {
    showError(`${file.name} is ${Math.ceil(file.size / 1024)} KiB; this page accepts up to ${document.body.dataset.maxUploadSize}.`);
    form.elements.file.value = "";
    return;
  }
  showError("");
  try {
    const it = await getJSON(api("upload", {}), { method: "POST", body: new FormData(form) });
    if (it.where) it.name = `${it.name} (${it.where})`;
    const i = addItem(it, "Your files");
    if (it.qpm) $("qpm").value = String(Math.round(it.qpm));
    choose("pick-b", i);
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
  }
  form.elements.file.value = "";
}

async function sample() {
  const params = { n: $("sample-n").value, temperature: $("sample-temp").value, seed: $("sample-seed").value };
  $("sample-go").disabled = true;
  try {
    const items = await getJSON(api("sample", params));
    for (const it of items) addItem(it, "Samples");
    // The next press gives new ones.
    $("sample-seed").value = String(Number($("sample-seed").value) + 1);
    showError("");
  } catch (e) {
    showError(e.message);
  }
  $("sample-go").disabled = false;
}

async function start() {
  // Web MIDI asks the user's leave in some browsers: ask when they reach for the menu.
  for (const ev of ["focus", "pointerdown"]) $("midi-out").addEventListener(ev, setupMIDI, { once: true });
  setupMap();
  $("model").addEventListener("change", (ev) => {
    history.replaceState(null, "", `#model=${encodeURIComponent(ev.target.value)}`);
    chooseModel(ev.target.value);
  });
  $("upload").addEventListener("change", (ev) => { if (ev.target.name === "file") upload($("upload")); });
  $("upload").addEventListener("submit", (ev) => ev.preventDefault());
  $("sample-go").addEventListener("click", sample);
  for (const id of ["pick-a", "pick-b", "steps", "mode", "morph-temp"]) $(id).addEventListener("change", morph);
  for (const id of ["pick-c0", "pick-c1", "pick-c2", "pick-c3", "palette-n"]) $(id).addEventListener("change", palette);
  $("pick-x").addEventListener("change", () => { state.attrKey = null; slide(); });
  $("attr-reset").addEventListener("click", () => {
    for (const input of $("attr-sliders").querySelectorAll("input")) { input.value = "0"; input.nextSibling.textContent = "0"; }
    slide();
  });
  $("qpm").addEventListener("change", () => { state.sounds.clear(); if (state.current) setCurrent(state.current); });
  $("slider").addEventListener("input", (ev) => showStep(Number(ev.target.value)));
  $("slider").addEventListener("change", () => play(state.current).catch((e) => showError(e.message)));
  $("play-all").addEventListener("click", playAll);
  $("play").addEventListener("click", () => play(state.current).catch((e) => showError(e.message)));
  $("stop").addEventListener("click", () => { playingAll = 0; $("play-all").textContent = "Play every step"; stopSound(); });
  try {
    state.models = await getJSON("/api/models");
  } catch (e) {
    showError(e.message);
    document.body.dataset.state = "error";
    return;
  }
  // The page opens on the model its address names (#model=ID), else the first that plays,
  // and follows the address when it changes.
  window.addEventListener("hashchange", () => {
    const id = new URLSearchParams(location.hash.slice(1)).get("model");
    if (id && id !== state.model.id && state.models.some((m) => m.id === id)) {
      $("model").value = id;
      chooseModel(id);
    }
  });
  const named = new URLSearchParams(location.hash.slice(1)).get("model");
  const first = state.models.find((m) => m.id === named) || state.models.find((m) => m.timed) || state.models[0];
  $("model").value = first.id;
  await chooseModel(first.id);
}

start();
