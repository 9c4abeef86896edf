package main

import (
	"context"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

// TestServeInBrowser loads the page in headless Chromium and uses it as a person would:
// it moves the interpolation slider with the keyboard and checks that the piano roll and
// the audio change, uploads a broken and a sound MIDI file, samples, and clicks the digit
// map. It ends with the screenshot the README shows.
func TestServeInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	chrome := browserPath(t)
	_, srv := newTestExplorer(t, 1<<20)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1180, 900),
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
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	until := func(timeout time.Duration, cond string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(timeout))
	}
	js := func(expr string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](expr) }

	type view struct {
		Roll, Audio, Label, Pixels string
		Slider                     string
		Duration                   float64
	}
	// look reads what the interpolation shows once the roll has loaded: its picture as
	// pixels (drawn into a canvas), the audio's source and, once its metadata is in, its
	// length.
	look := func() view {
		t.Helper()
		do("waiting for the step to load",
			until(20*time.Second, `document.body.dataset.state === "ready" && document.getElementById("roll").complete && document.getElementById("roll").naturalWidth > 0`),
			until(20*time.Second, `document.getElementById("audio").readyState >= 1`),
		)
		return evaluate[view](t, ctx, `(() => {
			const roll = document.getElementById("roll"), audio = document.getElementById("audio");
			const c = document.createElement("canvas");
			c.width = roll.naturalWidth; c.height = roll.naturalHeight;
			c.getContext("2d").drawImage(roll, 0, 0);
			return {Roll: roll.src, Audio: audio.src, Label: document.getElementById("step-label").textContent,
				Pixels: c.toDataURL(), Slider: document.getElementById("slider").value, Duration: audio.duration};
		})()`)
	}

	do("loading the page", chromedp.Navigate(srv.URL))
	first := look()
	if first.Slider != "0" || !strings.Contains(first.Label, "step 1 of 9") {
		t.Fatalf("the page opens at slider %s, %q; want step 1 of 9", first.Slider, first.Label)
	}
	// Two bars at the first tune's 120 qpm last 4 s.
	if math.Abs(first.Duration-4) > 0.01 {
		t.Errorf("the audio of step 1 lasts %.3f s, want 4 s", first.Duration)
	}

	// Four presses of → move the slider to step 5, as a keyboard user would.
	do("moving the slider", chromedp.Focus(chromedp.ID("slider")))
	for range 4 {
		do("pressing →", chromedp.KeyEvent(kb.ArrowRight))
	}
	do("waiting for step 5", until(10*time.Second, `document.getElementById("slider").value === "4"`))
	moved := look()
	switch {
	case moved.Slider != "4" || !strings.Contains(moved.Label, "step 5 of 9"):
		t.Errorf("after →×4: slider %s, %q", moved.Slider, moved.Label)
	case moved.Roll == first.Roll:
		t.Errorf("the piano roll's source did not change: %s", moved.Roll)
	case moved.Pixels == first.Pixels:
		t.Error("the piano roll shows the same picture at steps 1 and 5")
	case moved.Audio == first.Audio:
		t.Errorf("the audio source did not change: %s", moved.Audio)
	case math.Abs(moved.Duration-4) > 0.01:
		t.Errorf("the audio of step 5 lasts %.3f s, want 4 s", moved.Duration)
	}

	// The step plays: its audio decodes and time passes in it.
	played, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
		const a = document.getElementById("audio");
		a.muted = true;
		await a.play();
		await new Promise((r) => setTimeout(r, 400));
		a.pause();
		return a.currentTime;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || played < 0.1 {
		t.Errorf("playing step 5: %.3f s played, %v", played, err)
	}

	// "Play every step" plays on from the slider's place, moving it along; at 300 qpm a
	// step lasts 1.6 s. A second press stops it.
	do("playing every step",
		js(`(() => { const q = document.getElementById("qpm"); q.value = "300"; q.dispatchEvent(new Event("change")); })()`),
		until(10*time.Second, `document.getElementById("audio").src.includes("qpm=300") && document.body.dataset.state === "ready"`),
		js(`document.getElementById("audio").muted = true`),
		chromedp.Click(chromedp.ID("play-all")),
		until(10*time.Second, `document.getElementById("slider").value === "5"`),
		chromedp.Click(chromedp.ID("play-all")),
		until(5*time.Second, `document.getElementById("play-all").textContent === "Play every step" && document.getElementById("audio").paused`),
		js(`(() => { const s = document.getElementById("slider"); s.value = "4"; s.dispatchEvent(new Event("input")); })()`),
		js(`(() => { const q = document.getElementById("qpm"); q.value = "120"; q.dispatchEvent(new Event("change")); })()`),
		until(10*time.Second, `document.getElementById("audio").src.includes("qpm=120") && document.body.dataset.state === "ready"`),
	)

	// The step's download links give its notation.
	abc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("dl-abc").href).then((r) => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(abc, "X:1\n") || !strings.Contains(abc, "T:step 5 of 9") {
		t.Errorf("the step's ABC link gives %.80q, %v", abc, err)
	}

	// Half the tempo, twice the length; the step stays.
	do("slowing down", js(`(() => { const q = document.getElementById("qpm"); q.value = "60"; q.dispatchEvent(new Event("change")); })()`),
		until(10*time.Second, `document.getElementById("audio").src.includes("qpm=60")`))
	if slow := look(); math.Abs(slow.Duration-8) > 0.01 || slow.Slider != "4" || slow.Roll != moved.Roll {
		t.Errorf("at 60 qpm: audio %.3f s (want 8), slider %s, roll %s", slow.Duration, slow.Slider, slow.Roll)
	}

	// A broken upload is refused with a message on the page; a sound one becomes B.
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.mid")
	tune := filepath.Join(dir, "my-tune.mid")
	os.WriteFile(broken, []byte("MThd but not really a MIDI file"), 0o644)
	os.WriteFile(tune, melodyBytes(t, exampleTunes[4].melody()), 0o644)
	do("uploading a broken file",
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-A input[type="file"]`), []string{broken}),
		until(10*time.Second, `!document.getElementById("error").hidden`),
	)
	if msg := evaluate[string](t, ctx, `document.getElementById("error").textContent`); !strings.Contains(msg, "broken.mid") || !strings.Contains(msg, "byte") {
		t.Errorf("the page says %q about a broken file; want its name and what is wrong", msg)
	}
	do("uploading a tune",
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-B input[type="file"]`), []string{tune}),
		until(10*time.Second, `document.querySelector('#pick-B optgroup[data-group="Your files"]') !== null`),
	)
	if picked := evaluate[string](t, ctx, `document.getElementById("pick-B").selectedOptions[0].textContent`); !strings.HasPrefix(picked, "my-tune") {
		t.Errorf("B is %q after the upload, want my-tune", picked)
	}
	if !evaluate[bool](t, ctx, `document.getElementById("error").hidden`) {
		t.Error("the broken file's message is still shown after a sound upload")
	}
	if uploaded := look(); uploaded.Roll == moved.Roll {
		t.Error("the interpolation did not change when B became the uploaded tune")
	}

	// A tune faster than the tempo control's old bound of 300 qpm: as A, it sets the
	// morph's tempo, and the morph plays at it (two bars at 400 qpm last 1.2 s).
	fast := filepath.Join(dir, "fast.mid")
	os.WriteFile(fast, withTempo(t, exampleTunes[5].melody(), 150_000), 0o644)
	do("uploading a 400 qpm tune",
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-A input[type="file"]`), []string{fast}),
		until(10*time.Second, `document.getElementById("pick-A").selectedOptions[0].textContent.startsWith("fast")`),
		until(10*time.Second, `document.body.dataset.state !== "loading"`),
	)
	if qpm, msg := evaluate[string](t, ctx, `document.getElementById("qpm").value`), evaluate[string](t, ctx, `document.getElementById("error").textContent`); qpm != "400" || !evaluate[bool](t, ctx, `document.getElementById("error").hidden`) {
		t.Errorf("after a 400 qpm upload as A: tempo %s, the page says %q", qpm, msg)
	} else if quick := look(); !strings.Contains(quick.Audio, "qpm=400") || math.Abs(quick.Duration-1.2) > 0.01 {
		t.Errorf("at 400 qpm: audio %s lasting %.3f s, want 1.2 s", quick.Audio, quick.Duration)
	}

	// Sampling adds cards; clicking the map decodes a digit.
	do("sampling",
		chromedp.Click(chromedp.ID("sample-go")),
		until(20*time.Second, `document.querySelectorAll("#samples .card img").length === 4`),
	)
	do("clicking the digit map",
		chromedp.ScrollIntoView(chromedp.ID("digit-map")),
		until(20*time.Second, `document.getElementById("digit-map").complete && document.getElementById("digit-map").naturalWidth === 448`),
		chromedp.Click(chromedp.ID("digit-map")),
		until(10*time.Second, `document.getElementById("digit-z").textContent.startsWith("z = (")`),
	)
	// The map's centre is the latent origin.
	z := evaluate[string](t, ctx, `document.getElementById("digit-z").textContent`)
	digit := evaluate[string](t, ctx, `document.getElementById("digit").src`)
	if !strings.Contains(z, "0.0") || !strings.HasPrefix(digit, "data:image/png;base64,") {
		t.Errorf("after a click at the map's centre: %q, digit %.40q", z, digit)
	}

	// The README's picture: the page at a middle step of the morph between two tunes.
	do("setting up the screenshot",
		js(`(() => { const a = document.getElementById("pick-A"); a.value = "0"; a.dispatchEvent(new Event("change")); })()`),
		js(`(() => { const b = document.getElementById("pick-B"); b.value = "1"; b.dispatchEvent(new Event("change")); })()`),
		js(`(() => { const q = document.getElementById("qpm"); q.value = "120"; q.dispatchEvent(new Event("change")); })()`),
		until(10*time.Second, `document.body.dataset.state === "ready" && document.getElementById("thumb-B").complete`),
		js(`(() => { const s = document.getElementById("slider"); s.value = "4"; s.dispatchEvent(new Event("input")); })()`),
	)
	look()
	do("scrolling up", js(`window.scrollTo(0, 0)`))
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
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%.60s: %v", expr, err)
	}
	return v
}
