package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"musae/latent/domain"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "rewrite the README's picture of the page, testdata/readme/serve.png, from the browser test")

// browserPath finds Chromium. Without one the browser test skips, unless
// MUSAE_REQUIRE_TOOLS=1 (CI sets it, having installed Debian's chromium).
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MUSAE_REQUIRE_TOOLS") == "1" {
		t.Fatal("no chromium on PATH, and MUSAE_REQUIRE_TOOLS=1 (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium)")
	return ""
}

// fakeMIDI stands in for the browser's Web MIDI, which headless Chromium has no ports for:
// one output port that records what the page sends it.
const fakeMIDI = `
window.midiSent = [];
(() => {
  const port = { id: "test-port", name: "musae test port", send(msg, ts) { window.midiSent.push({ msg: Array.from(msg), ts: ts || 0 }); }, clear() {} };
  navigator.requestMIDIAccess = () => Promise.resolve({ outputs: new Map([[port.id, port]]), inputs: new Map(), onstatechange: null });
})();
`

// sound is what the page says of the sound it started last, and of the MIDI it sent.
type sound struct {
	Name     string
	URL      string
	Duration float64
	RMS      float64
	Kind     string // the current result's view
	Notes    []domain.ViewNote
	Channel  int
	Sent     [][]int // the MIDI messages sent, note-ons and note-offs
}

// TestServeInBrowser loads the page in headless Chromium and uses it as a person would, on
// every built-in model: for the melody and drum models it morphs with the keyboard, plays
// the result (checking the sound's length and level and the MIDI notes sent to a port),
// downloads it as MIDI and reads it back, drags an attribute slider by keyboard (timing
// release to sound) and clicks a palette cell; for the 2-D digit model it uses the latent
// map by keyboard. It checks the labels of every control, the page at phone width, the
// conditions hook, and uploads; and ends with the screenshot the README shows.
func TestServeInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	chrome := browserPath(t)
	_, srv := newTestExplorer(t, 1<<20)
	reg := builtinDomains()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		// This machine's network is closed: keep Chromium from calling out.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 150*time.Second)
	defer cancelT()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			// Say what the page shows, to tell a slow page from a broken one.
			say, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({error: document.getElementById("error").textContent, state: document.body.dataset.state, model: document.body.dataset.model, sound: state.sound && state.sound.name, current: state.current && state.current.name})`))
			t.Fatalf("%s: %v; the page: %s", what, err, say)
		}
	}
	until := func(timeout time.Duration, cond string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(timeout))
	}
	js := func(expr string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](expr) }
	// soundWhen waits until cond holds of the sound that started last, and reads it: its
	// length and level, the current result's view, and the MIDI messages the page sent
	// for it, which must be the last the port received.
	soundWhen := func(what, cond string) sound {
		t.Helper()
		do(what, until(20*time.Second, `state.sound && (`+cond+`)`))
		s := evaluate[sound](t, ctx, `(() => {
			const v = state.current.view;
			return { Name: state.sound.name, URL: state.sound.url, Duration: state.sound.duration, RMS: state.sound.rms,
				Kind: v.kind, Notes: v.notes || [], Channel: v.channel, Sent: state.sound.sent };
		})()`)
		if got := evaluate[[][]int](t, ctx, fmt.Sprintf(`window.midiSent.slice(-%d).map((m) => m.msg)`, max(1, len(s.Sent)))); len(s.Sent) > 0 && !reflect.DeepEqual(got, s.Sent) {
			t.Errorf("%s: the MIDI port last received %v, not the %d messages the page sent", what, got, len(s.Sent))
		}
		return s
	}
	// lastSound waits for a sound other than the one before to start, and reads it.
	lastSound := func(what, before string) sound {
		t.Helper()
		return soundWhen(what, `state.sound.url !== `+before)
	}
	soundURL := func() string {
		return fmt.Sprintf("%q", evaluate[string](t, ctx, `state.sound ? state.sound.url : ""`))
	}
	// checkSound checks a sound of bars bars of 4/4 at qpm, not silent, and the MIDI notes sent
	// for it: a note-on and a note-off on the view's channel for each of its notes.
	checkSound := func(what string, s sound, qpm float64, bars int) {
		t.Helper()
		if want := float64(4*bars) * 60 / qpm; math.Abs(s.Duration-want) > 0.01 {
			t.Errorf("%s: %s plays %.3f s, want %.3f s (%d bars at %g qpm)", what, s.Name, s.Duration, want, bars, qpm)
		}
		if s.RMS < 0.005 && len(s.Notes) > 0 {
			t.Errorf("%s: %s is silent (rms %.4f) though it has %d notes", what, s.Name, s.RMS, len(s.Notes))
		}
		sent := s.Sent
		var ons []int
		for _, m := range sent {
			if m[0] == 0x90|s.Channel {
				ons = append(ons, m[1])
			}
		}
		var want []int
		for _, n := range s.Notes {
			want = append(want, n.Pitch)
		}
		if len(sent) != 2*len(s.Notes) || !slices.Equal(ons, want) {
			t.Errorf("%s: %s sent %d MIDI messages, note-ons on channel %d of %v; want %d, of %v", what, s.Name, len(sent), s.Channel+1, ons, 2*len(s.Notes), want)
		}
	}
	// checkDownload fetches the result's MIDI link and reads it back with its domain.
	checkDownload := func(what, model string, s sound) {
		t.Helper()
		b64 := evaluate[string](t, ctx, `(async () => {
			const a = document.querySelector("#downloads a.dl-mid");
			const buf = await (await fetch(a.href)).arrayBuffer();
			let s = ""; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
			return btoa(s);
		})()`)
		mid, _ := base64.StdEncoding.DecodeString(b64)
		d, err := reg.ForModel(model)
		if err != nil {
			t.Fatal(err)
		}
		x, err := d.Read(bytes.NewReader(mid), "download.mid", domain.ReadOptions{})
		if err != nil {
			t.Errorf("%s: the MIDI download does not read back: %v", what, err)
			return
		}
		v, _ := d.(domain.Viewer).View(x)
		if !reflect.DeepEqual(v.Notes, s.Notes) {
			t.Errorf("%s: the MIDI download holds %s; the page shows %d notes", what, v.Text, len(s.Notes))
		}
	}
	// choose picks a model from the menu and waits for the page to settle; the field for
	// conditions shows for a model that takes them (conditioned) and for no other.
	choose := func(model string, conditioned bool) {
		t.Helper()
		do("choosing "+model,
			js(`(() => { const m = document.getElementById("model"); m.value = "`+model+`"; m.dispatchEvent(new Event("change")); })()`),
			until(30*time.Second, `document.body.dataset.model === "`+model+`" && document.body.dataset.state === "ready"`),
		)
		if hidden := evaluate[bool](t, ctx, `document.getElementById("conditions").hidden`); hidden == conditioned {
			t.Errorf("%s: conditions taken %v, the field for them hidden %v", model, conditioned, hidden)
		}
	}
	pixels := func(id string) string {
		return evaluate[string](t, ctx, `document.getElementById("`+id+`").toDataURL()`)
	}

	do("adding the test MIDI port", func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fakeMIDI})
		return chromedp.Void{}, err
	})
	do("loading the page", chromedp.Navigate(srv.URL),
		until(30*time.Second, `document.body.dataset.state === "ready"`),
		chromedp.Click(chromedp.ID("midi-out")),
		until(5*time.Second, `document.getElementById("midi-out").options.length === 2`),
		js(`document.getElementById("midi-out").value = "test-port"`),
	)
	if got := evaluate[string](t, ctx, `document.body.dataset.model`); got != "mel2-meters" {
		t.Errorf("the page opens on %s, want the first model that plays, mel2-meters", got)
	}

	var latencies []float64
	for _, tc := range []struct {
		model, attr, kind string
		qpm               float64 // of its first input
		bars              int
		conditioned       bool
	}{
		{"mel2-tiny", "density", domain.ViewRoll, 120, 2, false},
		{"drums2", "syncopation", domain.ViewGrid, 110, 2, false},
		{"hier16-meters", "density", domain.ViewRoll, 110, 16, true}, // a 16-bar phrase in its meter: a roll that scrolls
	} {
		choose(tc.model, tc.conditioned)
		// The morph by keyboard: four presses of → move to step 5, and the view changes.
		first := pixels("morph-view")
		do(tc.model+": moving the morph slider", chromedp.Focus(chromedp.ID("slider")))
		for range 4 {
			do("pressing →", chromedp.KeyEvent(kb.ArrowRight))
		}
		do(tc.model+": waiting for step 5", until(10*time.Second, `document.getElementById("morph-label").textContent.startsWith("step 5 of 9")`))
		if pixels("morph-view") == first {
			t.Errorf("%s: the morph shows the same picture at steps 1 and 5", tc.model)
		}
		// Releasing the slider plays the step, in the page and to the MIDI port.
		s := soundWhen(tc.model+": playing step 5", `state.sound.name === "step 5 of 9" && state.current.name === "step 5 of 9"`)
		if s.Kind != tc.kind {
			t.Errorf("%s: step 5 is a %s, want a %s", tc.model, s.Kind, tc.kind)
		}
		checkSound(tc.model+" step 5", s, tc.qpm, tc.bars)
		checkDownload(tc.model+" step 5", tc.model, s)

		// The attribute slider by keyboard: each press is a release; time it to the sound.
		unchanged := evaluate[string](t, ctx, `document.getElementById("attr-label").textContent`)
		do(tc.model+": focusing the "+tc.attr+" slider", chromedp.Focus(chromedp.ID("attr-"+tc.attr)))
		var at3 string
		for k := range 6 {
			if k == 3 {
				at3 = evaluate[string](t, ctx, `document.getElementById("attr-label").textContent`)
			}
			before, n := soundURL(), evaluate[int](t, ctx, `window.musaeLatencies.length`)
			key := kb.ArrowRight
			if k >= 3 {
				key = kb.ArrowLeft
			}
			do("pressing a slider key", chromedp.KeyEvent(key), until(20*time.Second, fmt.Sprintf(`window.musaeLatencies.length > %d`, n)))
			s := lastSound(tc.model+": the slider's sound", before)
			if k == 0 {
				checkSound(tc.model+" "+tc.attr+" +0.25", s, tc.qpm, tc.bars)
			}
		}
		moved := evaluate[string](t, ctx, `document.getElementById("attr-label").textContent`)
		if value := evaluate[string](t, ctx, `document.getElementById("attr-`+tc.attr+`").value`); value != "0" || moved != unchanged || !strings.Contains(at3, tc.attr+" +0.75") {
			t.Errorf("%s: the %s slider at +0.75 shows %q; after → ×3 and ← ×3 it is at %s, showing %q (was %q)", tc.model, tc.attr, at3, value, moved, unchanged)
		}
		latencies = append(latencies, evaluate[[]float64](t, ctx, `window.musaeLatencies.splice(0)`)...)
		// Dragging (input events, no release yet) plays each new place as it is decoded.
		do(tc.model+": dragging the slider", js(`(() => { const s = document.getElementById("attr-`+tc.attr+`"); s.value = "1.5"; s.dispatchEvent(new Event("input")); })()`))
		soundWhen(tc.model+": the sound while dragging", `state.sound.name.endsWith("`+tc.attr+` +1.5")`)
		// Push it hard: the result differs from the input's.
		do(tc.model+": pushing the slider", js(`(() => { const s = document.getElementById("attr-`+tc.attr+`"); s.value = "3"; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); })()`),
			until(20*time.Second, `document.getElementById("attr-label").textContent.includes("`+tc.attr+` +3") && state.sound.name.includes("`+tc.attr+` +3")`))

		// A palette cell: the middle of the 5×5 grid.
		do(tc.model+": clicking a palette cell", chromedp.ScrollIntoView(chromedp.CSS(`#palette-grid .cell[data-index="12"]`)), chromedp.Click(chromedp.CSS(`#palette-grid .cell[data-index="12"]`)))
		s = soundWhen(tc.model+": the palette cell's sound", `state.sound.name === "palette row 3, column 3"`)
		if s.Name != "palette row 3, column 3" || s.Kind != tc.kind {
			t.Errorf("%s: the palette cell plays %q, a %s", tc.model, s.Name, s.Kind)
		}
		checkSound(tc.model+" palette", s, tc.qpm, tc.bars)
		checkDownload(tc.model+" palette", tc.model, s)
		if cells := evaluate[int](t, ctx, `new Set(state.palette.map((c) => c.view.text)).size`); cells < 5 {
			t.Errorf("%s: the palette's 25 cells hold %d distinct results", tc.model, cells)
		}
	}
	slices.Sort(latencies)
	if len(latencies) > 0 {
		median := latencies[len(latencies)/2]
		t.Logf("attribute slider release → sound start over %d releases: median %.1f ms, min %.1f, max %.1f (goal < 100 ms)", len(latencies), median, latencies[0], latencies[len(latencies)-1])
		if median > 500 {
			t.Errorf("from a slider's release to its sound takes %.0f ms (median of %d)", median, len(latencies))
		}
	}

	// Digits: pictures in the morph and palette, and the latent map by keyboard.
	choose("mnist-conv2", false)
	if kind := evaluate[string](t, ctx, `state.palette[0].view.kind`); kind != domain.ViewPicture {
		t.Errorf("mnist-conv2's palette shows %s, want pictures", kind)
	}
	before := pixels("attr-view")
	do("mnist-conv2: a digit slider by keyboard", chromedp.Focus(chromedp.ID("attr-digit1")),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		until(20*time.Second, `document.getElementById("attr-label").textContent.includes("digit1 +1,") || document.getElementById("attr-label").textContent.includes("digit1 +1 ")`),
		until(20*time.Second, `document.getElementById("attributes").dataset.state === "ready"`))
	if pixels("attr-view") == before || evaluate[string](t, ctx, `state.current.view.kind`) != domain.ViewPicture {
		t.Errorf("mnist-conv2: moving along digit1 leaves the picture as it was: %s", evaluate[string](t, ctx, `document.getElementById("attr-label").textContent`))
	}
	do("mnist-conv2: a palette cell", chromedp.Click(chromedp.CSS(`#palette-grid .cell[data-index="6"]`)),
		until(10*time.Second, `state.current.name === "palette row 2, column 2"`))
	do("the latent map by keyboard",
		until(20*time.Second, `document.getElementById("map-img").complete && document.getElementById("map-img").naturalWidth === 448`),
		chromedp.Focus(chromedp.ID("map-img")),
		chromedp.KeyEvent(kb.ArrowLeft),
		until(10*time.Second, `document.getElementById("map-label").textContent.startsWith("z = (")`),
	)
	if got := evaluate[string](t, ctx, `document.getElementById("map-label").textContent`); !strings.HasPrefix(got, "z = (-") || evaluate[string](t, ctx, `state.current.view.kind`) != domain.ViewPicture {
		t.Errorf("one cell left of the map's centre decodes %q", got)
	}
	choose("mnist-conv", false)
	if !evaluate[bool](t, ctx, `document.getElementById("map").hidden`) {
		t.Error("mnist-conv, of a 16-D latent, shows a latent map")
	}

	// The conditions hook: a model that takes chords would get a labelled field, whose
	// value every call sends.
	if got := evaluate[string](t, ctx, `(() => {
		renderConditions([{ name: "chords", label: "Chords", placeholder: "C Am F G" }]);
		const f = document.getElementById("conditions"), input = document.getElementById("cond-chords");
		input.value = "C Am F G";
		const out = [f.hidden, input.labels[0].textContent.trim(), JSON.stringify(condParams()), api("sample", {})].join(" | ");
		renderConditions([]);
		return out + " | " + f.hidden;
	})()`); got != `false | Chords | [["cond.chords","C Am F G"]] | /api/sample?model=mnist-conv&cond.chords=C+Am+F+G | true` {
		t.Errorf("the conditions hook: %s", got)
	}

	// A long piece (16 bars, as a 16-bar model would give) scrolls in its frame, and the
	// playhead scrolls it along; the roll beats in its meter.
	if got := evaluate[string](t, ctx, `(() => {
		const notes = [];
		for (let i = 0; i < 64; i++) notes.push({ pitch: 60 + (i % 12), name: "", start: 4 * i, end: 4 * i + 3, velocity: 100 });
		const long = { kind: "roll", text: "a long one", steps: 256, stepsPerQuarter: 4, stepsPerBar: 16, meter: "4/4", channel: 0, notes };
		state.steps = [{ name: "long", view: long }];
		const c = document.getElementById("morph-view"), wrap = c.parentElement;
		drawView(c, long, { cell: fitCell(c, long) });
		const scrolls = wrap.scrollWidth > wrap.clientWidth;
		scrollToHead(c, 200);
		return [scrolls, wrap.scrollLeft > 0, beatSteps({ meter: "3/4", stepsPerQuarter: 4 }), beatSteps({ meter: "6/8", stepsPerQuarter: 4 }), beatSteps({ meter: "2/2", stepsPerQuarter: 4 })].join(" ");
	})()`); got != "true true 4 6 8" {
		t.Errorf("a 16-bar roll: scrolls, follows the playhead, beats of 3/4, 6/8, 2/2: %s; want true true 4 6 8", got)
	}

	// Every control is labelled, and reachable by the keyboard.
	choose("mel2-tiny", false)
	if bad := evaluate[[]string](t, ctx, `[...document.querySelectorAll("input, select, button, canvas, img, a")].filter((el) => el.offsetParent !== null || el.closest(".player")).filter((el) => {
		const name = (el.labels && el.labels.length && el.labels[0].textContent.trim()) || el.getAttribute("aria-label") || el.getAttribute("alt") || (el.tagName !== "CANVAS" && el.tagName !== "IMG" && el.textContent.trim());
		const reachable = el.tagName === "CANVAS" || el.tabIndex >= 0;
		return !name || !reachable;
	}).map((el) => el.outerHTML.slice(0, 80))`); len(bad) > 0 {
		t.Errorf("controls without a label, or out of the keyboard's reach: %q", bad)
	}
	// At 1280×800 and at a phone's width nothing makes the page scroll sideways.
	for _, w := range []int64{1280, 390} {
		do("resizing", chromedp.EmulateViewport(w, 800), until(5*time.Second, `true`))
		if wide := evaluate[int](t, ctx, `document.documentElement.scrollWidth`); wide > int(w) {
			t.Errorf("at %d px wide the page is %d px wide", w, wide)
		}
	}
	do("resizing back", chromedp.EmulateViewport(1280, 800))

	// A broken upload is refused with a message on the page; a sound one becomes B.
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.mid")
	tune := filepath.Join(dir, "my-tune.mid")
	os.WriteFile(broken, []byte("MThd but not really a MIDI file"), 0o644)
	os.WriteFile(tune, melodyBytes(t, starterTune(4)), 0o644)
	do("uploading a broken file",
		chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{broken}),
		until(10*time.Second, `!document.getElementById("error").hidden`),
	)
	if msg := evaluate[string](t, ctx, `document.getElementById("error").textContent`); !strings.Contains(msg, "broken.mid") || !strings.Contains(msg, "byte") {
		t.Errorf("the page says %q about a broken file; want its name and what is wrong", msg)
	}
	do("uploading a tune",
		chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{tune}),
		until(10*time.Second, `document.querySelector('#pick-b optgroup[data-group="Your files"]') !== null`),
		until(10*time.Second, `document.getElementById("morph").dataset.state === "ready"`),
	)
	if picked := evaluate[string](t, ctx, `document.getElementById("pick-b").selectedOptions[0].textContent`); !strings.HasPrefix(picked, "my-tune") {
		t.Errorf("B is %q after the upload, want my-tune", picked)
	}
	if !evaluate[bool](t, ctx, `document.getElementById("error").hidden`) {
		t.Error("the broken file's message is still shown after a sound upload")
	}
	do("sampling",
		chromedp.Click(chromedp.ID("sample-go")),
		until(20*time.Second, `document.querySelectorAll('#items .card').length === 7 + 1 + 4`),
	)

	// The address names the model the page opens on, and the page follows it.
	do("opening the page on mnist-conv", chromedp.Navigate(srv.URL+"/?again#model=mnist-conv"),
		until(30*time.Second, `document.body.dataset.state === "ready"`))
	if got := evaluate[string](t, ctx, `document.body.dataset.model + " " + document.getElementById("model").value`); got != "mnist-conv mnist-conv" {
		t.Errorf("the page at #model=mnist-conv opens on %s", got)
	}
	do("going to drums2", chromedp.Navigate(srv.URL+"/?again#model=drums2"),
		until(30*time.Second, `document.body.dataset.model === "drums2" && document.body.dataset.state === "ready"`))
	if got := evaluate[string](t, ctx, `document.body.dataset.model + " " + document.getElementById("model").value`); got != "drums2 drums2" {
		t.Errorf("the page at #model=drums2 opens on %s", got)
	}

	// The README's picture: the page on the drum model, a palette cell chosen.
	do("setting up the screenshot",
		chromedp.Click(chromedp.ID("midi-out")),
		until(5*time.Second, `document.getElementById("midi-out").options.length === 2`),
		js(`document.getElementById("midi-out").value = "test-port"; document.activeElement.blur()`),
		js(`(() => { const s = document.getElementById("slider"); s.value = "4"; s.dispatchEvent(new Event("input")); })()`),
		js(`(() => { const s = document.getElementById("attr-density"); s.value = "1.5"; s.dispatchEvent(new Event("input")); })()`),
		until(20*time.Second, `document.getElementById("attr-label").textContent.includes("density +1.5")`),
		js(`document.querySelector('#palette-grid .cell[data-index="7"]').click()`),
		until(20*time.Second, `state.current && state.current.name === "palette row 2, column 3"`),
		js(`window.scrollTo(0, 0)`),
	)
	// The whole page in one window, so that the player bar sits at its foot.
	height := evaluate[int](t, ctx, `document.documentElement.scrollHeight`)
	do("sizing the window to the page", chromedp.EmulateViewport(1280, int64(height)), until(5*time.Second, `true`))
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(shot) < 10_000 {
		t.Fatalf("the screenshot: %d bytes, %v", len(shot), err)
	}
	out := filepath.Join(t.TempDir(), "serve.png")
	if *updateScreenshot {
		out = filepath.Join("..", "..", "testdata", "readme", "serve.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}

// evaluate runs a JavaScript expression in the page and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%.60s: %v", expr, err)
	}
	return v
}
