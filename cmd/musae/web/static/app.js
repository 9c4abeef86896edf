// musae explorer: the page's behaviour. Plain JavaScript, no build step; the server does
// the model work and draws the pictures, the page asks for them.
"use strict";

const $ = (id) => document.getElementById(id);

// state holds what the page shows. body.dataset.state says to tests (and to anyone
// curious) whether an interpolation is on screen: "loading", "ready" or "error".
const state = {
  melodies: [],     // every melody that can be picked: examples, uploads, samples
  steps: [],        // the current interpolation's steps
  range: [60, 72],  // the pitches the interpolation's rolls share
  request: 0,       // to drop answers to requests the user has moved past
};

function showError(msg) {
  const el = $("error");
  el.textContent = msg;
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

function rollURL(m, range) {
  let url = `/api/roll.png?m=${m.classes}`;
  if (range) url += `&lo=${range[0]}&hi=${range[1]}`;
  return url;
}

// fileURL is melody m as a file: wav (for the audio player), mid, musicxml or abc.
function fileURL(m, format) {
  return `/api/melody/${format}?m=${m.classes}&qpm=${m.qpm}&name=${encodeURIComponent(m.name)}`;
}

function describeNotes(m) {
  if (!m.notes.length) return "silence";
  return m.notes.map((n) => n.name).join(" ");
}

// addMelody makes a melody pickable on both sides, and returns its index.
function addMelody(m, group) {
  m.group = group;
  state.melodies.push(m);
  const i = state.melodies.length - 1;
  for (const side of ["A", "B"]) {
    const sel = $(`pick-${side}`);
    let og = sel.querySelector(`optgroup[data-group="${group}"]`);
    if (!og) {
      og = document.createElement("optgroup");
      og.label = group;
      og.dataset.group = group;
      sel.appendChild(og);
    }
    const opt = document.createElement("option");
    opt.value = String(i);
    opt.textContent = m.name;
    og.appendChild(opt);
  }
  return i;
}

function picked(side) {
  return state.melodies[Number($(`pick-${side}`).value)];
}

function pick(side, i) {
  $(`pick-${side}`).value = String(i);
  // The morph plays at A's tempo, as `musae interpolate` does, until the user sets another.
  if (side === "A") $("qpm").value = String(Math.round(state.melodies[i].qpm));
  $(`thumb-${side}`).src = rollURL(state.melodies[i]);
  $(`thumb-${side}`).title = describeNotes(state.melodies[i]);
  interpolate();
}

async function interpolate() {
  const a = picked("A"), b = picked("B");
  if (!a || !b) return;
  const id = ++state.request;
  document.body.dataset.state = "loading";
  const params = new URLSearchParams({
    a: a.classes, b: b.classes,
    steps: $("steps").value, mode: $("mode").value,
    temperature: $("morph-temp").value, qpm: $("qpm").value,
  });
  try {
    const res = await getJSON(`/api/interpolate?${params}`);
    if (id !== state.request) return;
    state.steps = res.steps;
    state.range = res.range;
    const slider = $("slider");
    slider.max = String(res.steps.length - 1);
    slider.value = String(Math.min(Number(slider.value), res.steps.length - 1));
    showError("");
    showStep(Number(slider.value));
    document.body.dataset.state = "ready";
  } catch (e) {
    if (id !== state.request) return;
    showError(e.message);
    document.body.dataset.state = "error";
  }
}

function showStep(i) {
  const m = state.steps[i];
  if (!m) return;
  const n = state.steps.length;
  const t = n > 1 ? i / (n - 1) : 0;
  $("step-label").textContent = `${m.name} · ${Math.round(100 * (1 - t))}% A, ${Math.round(100 * t)}% B · ${describeNotes(m)}`;
  const roll = $("roll");
  roll.src = rollURL(m, state.range);
  roll.alt = `piano roll of ${m.name}: ${describeNotes(m)}`;
  $("audio").src = fileURL(m, "wav");
  for (const format of ["mid", "musicxml", "abc"]) $(`dl-${format}`).href = fileURL(m, format);
}

// playing is the run of "Play every step" in progress, 0 when none; runs counts them.
let playing = 0, runs = 0;

function stopPlaying() {
  if (!playing) return;
  playing = 0;
  $("audio").pause();
  $("play-all").textContent = "Play every step";
}

// playAll plays the steps from the slider's place to B, moving the slider along, until
// the last step ends or the user stops it (the button again, the slider, the player).
async function playAll() {
  if (playing) {
    stopPlaying();
    return;
  }
  const run = ++runs;
  playing = run;
  $("play-all").textContent = "Stop";
  const audio = $("audio"), slider = $("slider");
  let i = Number(slider.value) >= state.steps.length - 1 ? 0 : Number(slider.value);
  for (; playing === run && i < state.steps.length; i++) {
    slider.value = String(i);
    showStep(i);
    try {
      await audio.play();
    } catch (e) {
      break; // the browser refused to play, or the source changed under it
    }
    await new Promise((done) => {
      const finish = () => {
        audio.removeEventListener("ended", finish);
        audio.removeEventListener("pause", finish);
        done();
      };
      audio.addEventListener("ended", finish);
      audio.addEventListener("pause", finish);
    });
    if (!audio.ended) break; // paused by the user, or by stopPlaying
  }
  if (playing === run) stopPlaying();
}

async function upload(form) {
  const side = form.dataset.side;
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
    const m = await getJSON("/api/upload", { method: "POST", body: new FormData(form) });
    m.name = `${m.name} (${m.where})`;
    pick(side, addMelody(m, "Your files"));
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
  }
  form.elements.file.value = "";
}

async function sample() {
  const params = new URLSearchParams({
    n: $("sample-n").value, temperature: $("sample-temp").value, seed: $("sample-seed").value,
  });
  const out = $("samples");
  out.textContent = "sampling…";
  try {
    const ms = await getJSON(`/api/sample?${params}`);
    out.textContent = "";
    for (const m of ms) {
      const i = addMelody(m, "Samples");
      const card = document.createElement("div");
      card.className = "card";
      const img = document.createElement("img");
      img.src = rollURL(m);
      img.alt = `piano roll of ${m.name}`;
      const cap = document.createElement("p");
      cap.textContent = m.name;
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = fileURL(m, "wav");
      const buttons = document.createElement("div");
      for (const side of ["A", "B"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = `use as ${side}`;
        b.addEventListener("click", () => pick(side, i));
        buttons.appendChild(b);
      }
      for (const [format, label] of [["mid", "MIDI"], ["musicxml", "MusicXML"], ["abc", "ABC"]]) {
        const dl = document.createElement("a");
        dl.href = fileURL(m, format);
        dl.textContent = label;
        dl.download = "";
        buttons.appendChild(dl);
      }
      card.append(img, cap, audio, buttons);
      out.appendChild(card);
    }
    // The next press gives new melodies.
    $("sample-seed").value = String(Number($("sample-seed").value) + 1);
  } catch (e) {
    out.textContent = e.message;
  }
}

async function decodeDigit(ev) {
  const map = ev.currentTarget;
  const r = map.getBoundingClientRect();
  const x = (ev.clientX - r.left) / r.width, y = (ev.clientY - r.top) / r.height;
  try {
    const res = await getJSON(`/api/digits/decode?x=${x.toFixed(4)}&y=${y.toFixed(4)}`);
    $("digit").src = res.png;
    $("digit-z").textContent = `z = (${res.z.map((v) => v.toFixed(2)).join(", ")})`;
  } catch (e) {
    $("digit-z").textContent = e.message;
  }
}

async function start() {
  document.body.dataset.state = "loading";
  try {
    const examples = await getJSON("/api/examples");
    for (const m of examples) addMelody(m, "Tunes");
    pick("A", 0);
    pick("B", Math.min(1, examples.length - 1));
  } catch (e) {
    showError(e.message);
    document.body.dataset.state = "error";
  }
  for (const side of ["A", "B"]) {
    $(`pick-${side}`).addEventListener("change", (ev) => pick(side, Number(ev.target.value)));
  }
  for (const form of document.querySelectorAll("form.upload")) {
    form.addEventListener("change", (ev) => {
      if (ev.target.name === "file") upload(form);
    });
    form.addEventListener("submit", (ev) => ev.preventDefault());
  }
  for (const id of ["steps", "mode", "morph-temp", "qpm"]) $(id).addEventListener("change", interpolate);
  $("slider").addEventListener("input", (ev) => {
    stopPlaying();
    showStep(Number(ev.target.value));
  });
  $("slider").addEventListener("change", () => $("audio").play().catch(() => {}));
  $("play-all").addEventListener("click", playAll);
  $("sample-temp").addEventListener("input", (ev) => { $("sample-temp-value").textContent = ev.target.value; });
  $("sample-go").addEventListener("click", sample);
  if (document.body.dataset.digits) $("digit-map").addEventListener("click", decodeDigit);
}

start();
