package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/drums"
	"musae/latent/domain/melody"
	"musae/midi"
	"musae/models"
)

// newTestExplorer serves the built-in models from an httptest server on 127.0.0.1, guarded
// as `musae serve --addr 127.0.0.1:PORT` is.
func newTestExplorer(t *testing.T, maxUpload int64) (*explorer, *httptest.Server) {
	t.Helper()
	s, err := newExplorer(builtinDomains(), &serveOptions{MaxUpload: maxUpload})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = s.Handler(newSiteGuard("127.0.0.1", srv.Listener.Addr()))
	srv.Start()
	t.Cleanup(srv.Close)
	return s, srv
}

func get(t *testing.T, url string) (status int, contentType string, body []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

func postFile(t *testing.T, url, name string, data []byte, fields map[string]string) (int, map[string]any) {
	t.Helper()
	return postFileFrom(t, url, name, data, fields, nil)
}

// postFileFrom uploads as the page does, with the request headers given (Origin, ...).
func postFileFrom(t *testing.T, url, name string, data []byte, fields map[string]string, header map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("upload %s: answer is not JSON: %v", name, err)
	}
	return res.StatusCode, out
}

func melodyBytes(t *testing.T, ms ...midi.Melody) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := midi.WriteMelodies(&buf, 96, ms...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// starters returns the items a model starts from.
func starters(t *testing.T, srv *httptest.Server, model string) []itemJSON {
	t.Helper()
	return getItems(t, srv.URL+"/api/starters?model="+model)
}

// getItems GETs a call that answers a list of items.
func getItems(t *testing.T, u string) []itemJSON {
	t.Helper()
	status, _, body := get(t, u)
	var items []itemJSON
	if err := json.Unmarshal(body, &items); status != 200 || err != nil {
		t.Fatalf("GET %s: %d %.200s (%v)", u, status, body, err)
	}
	return items
}

// getItem GETs a call that answers one item.
func getItem(t *testing.T, u string) itemJSON {
	t.Helper()
	status, _, body := get(t, u)
	var it itemJSON
	if err := json.Unmarshal(body, &it); status != 200 || err != nil {
		t.Fatalf("GET %s: %d %.200s (%v)", u, status, body, err)
	}
	return it
}

func TestServeAPI(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	mel := starters(t, srv, "mel2-tiny")
	a, b := mel[0].Ref, mel[1].Ref
	digit := starters(t, srv, "mnist-conv")[0].Ref
	for _, tc := range []struct {
		url, status, ctype, want string
	}{
		{"/", "200", "text/html", `<option value="drums2">drums2 (drum beats)</option>`},
		{"/static/app.js", "200", "javascript", "async function morph"},
		{"/static/style.css", "200", "text/css", ".slider-row"},
		// The page's template is run by "/", never served as it is.
		{"/static/index.html", "404", "text/plain", "not found"},
		{"/static/../index.html", "404", "text/plain", "not found"},
		{"/static/", "404", "text/plain", "not found"},
		{"/api/models", "200", "application/json", `"attributes":["density","openness","syncopation"]`},
		{"/api/starters?model=mel2-tiny", "200", "application/json", `"name":"Ode to Joy"`},
		{"/api/starters?model=drums2", "200", "application/json", `"lanes":[{"name":"crash","pitch":49}`},
		{"/api/starters?model=mnist-conv", "200", "application/json", `"name":"sample 1 (seed 1, T 1)","ref":`},
		{"/api/starters?model=nope", "404", "application/json", `no model \"nope\": this page serves mnist-conv32, mnist-conv, mnist-conv2, mel2-meters, mel2-chords, mel2-tiny, drums2, groove2, hier16-meters, hier16-c64`},
		{"/api/starters", "404", "application/json", `no model \"\"`},
		{"/api/interpolate?model=mel2-tiny&a=" + a + "&b=" + b + "&steps=3", "200", "application/json", `"name":"step 3 of 3"`},
		{"/api/interpolate?model=mel2-tiny&a=" + a + "&b=" + b + "&steps=1", "400", "application/json", `steps \"1\": want a number from 2 to 33`},
		{"/api/interpolate?model=mel2-tiny&a=" + a + "&b=" + b + "&mode=cubic", "400", "application/json", "cubic"},
		{"/api/interpolate?model=mel2-tiny&a=AAAA&b=" + b, "400", "application/json", "a: want 64 latent values (256 bytes in URL-safe base64), got 3 bytes"},
		{"/api/interpolate?model=mel2-tiny&b=" + b, "400", "application/json", "no a: give the ref of an item"},
		{"/api/interpolate?model=mnist-conv&a=" + a + "&b=" + b, "400", "application/json", "a: want 16 latent values"},
		{"/api/sample?model=mel2-tiny&n=2&temperature=0.7&seed=3", "200", "application/json", `"name":"sample 2 (seed 3, T 0.7)"`},
		{"/api/sample?model=mel2-tiny&n=1000", "400", "application/json", "want a number from 1 to 16"},
		{"/api/sample?model=mel2-tiny&temperature=NaN", "400", "application/json", "temperature"},
		{"/api/palette?model=mel2-tiny&n=3&c0=" + a + "&c1=" + b + "&c2=" + b + "&c3=" + a, "200", "application/json", `"name":"palette row 3, column 3"`},
		{"/api/palette?model=mel2-tiny&n=10&c0=" + a + "&c1=" + b + "&c2=" + b + "&c3=" + a, "400", "application/json", "want a number from 2 to 9"},
		{"/api/palette?model=mel2-tiny&c0=" + a + "&c1=" + b + "&c2=" + b, "400", "application/json", "no c3"},
		{"/api/attribute?model=mel2-tiny&x=" + a + "&amount.density=1", "200", "application/json", `"name":"density +1"`},
		{"/api/attribute?model=mel2-tiny&x=" + a, "200", "application/json", `"name":"unchanged"`},
		{"/api/attribute?model=mel2-tiny&x=" + a + "&amount.loudness=1", "400", "application/json", `no such attribute \"loudness\" (have density, pitch, stepwise)`},
		{"/api/attribute?model=mel2-tiny&x=" + a + "&amount.density=9", "400", "application/json", "want a number from -8 to 8"},
		{"/api/attribute?model=mnist-conv&x=" + digit + "&amount.digit3=1", "200", "application/json", `"kind":"picture"`},
		{"/api/item?model=mel2-tiny&x=" + a + "~0.5~7", "200", "application/json", `"kind":"roll"`},
		{"/api/item?model=mel2-tiny&x=" + a + "~3~7", "400", "application/json", `temperature \"3\": want a number from 0 to 2`},
		{"/api/audio?model=mel2-tiny&x=" + a + "&qpm=120", "200", "audio/wav", "RIFF"},
		{"/api/audio?model=mel2-tiny&x=" + a + "&qpm=5000", "400", "application/json", "qpm"},
		{"/api/audio?model=mel2-tiny&x=" + a + "&amount.pitch=-1.5", "200", "audio/wav", "RIFF"},
		{"/api/audio?model=mel2-tiny&x=" + a + "&amount.loudness=1", "400", "application/json", "no such attribute"},
		{"/api/audio?model=mnist-conv&x=" + digit, "404", "application/json", "digits are not heard"},
		{"/api/file/mid?model=drums2&x=" + a + "&name=../../etc/passwd", "200", "audio/midi", "MThd"},
		{"/api/file/musicxml?model=mel2-tiny&x=" + a + "&name=Ode", "200", "musicxml", "<work-title>Ode</work-title>"},
		{"/api/file/abc?model=mel2-tiny&x=" + a + "&name=Ode&qpm=90", "200", "text/vnd.abc", "Q:1/4=90"},
		{"/api/file/ogg?model=mel2-tiny&x=" + a, "404", "application/json", "no format \\\"ogg\\\": melodies are written as .mid, .midi, .musicxml, .abc"},
		{"/api/file/png?model=mnist-conv&x=" + digit, "200", "image/png", "\x89PNG"},
		{"/api/map.png?model=mnist-conv2", "200", "image/png", "\x89PNG"},
		{"/api/map.png?model=mnist-conv", "404", "application/json", "mnist-conv has no latent map"},
		{"/api/map?model=mnist-conv2&x=0.25&y=0.75", "200", "application/json", `"kind":"picture"`},
		{"/api/map?model=mnist-conv2&x=2", "400", "application/json", "want a number from 0 to 1"},
		{"/api/sample?model=mel2-tiny&cond.chords=C+Am", "400", "application/json", "mel2-tiny takes no conditions, so cond.chords cannot be given"},
		{"/api/nothing", "404", "text/plain", "not found"},
	} {
		t.Run(tc.url[:min(len(tc.url), 40)], func(t *testing.T) {
			status, ctype, body := get(t, srv.URL+tc.url)
			if fmt.Sprint(status) != tc.status || !strings.Contains(ctype, tc.ctype) || !bytes.Contains(body, []byte(tc.want)) {
				t.Errorf("GET %s: %d %s %.300q; want %s %s containing %q", tc.url, status, ctype, body, tc.status, tc.ctype, tc.want)
			}
		})
	}
	// A download's name keeps no folders.
	res, err := http.Get(srv.URL + "/api/file/mid?model=drums2&x=" + a + "&name=../../etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="etcpasswd.mid"` {
		t.Errorf("Content-Disposition %q", cd)
	}
}

// TestServeRefs checks that an item decodes the same in every call: the morph's steps
// (decoded together) are what each ref gives alone, the ends are the inputs'
// reconstructions, and a sampled ref draws the same each time.
func TestServeRefs(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	for _, model := range []string{"mel2-tiny", "drums2", "mnist-conv"} {
		xs := starters(t, srv, model)
		a, b := xs[0], xs[1]
		for _, temp := range []string{"0", "0.9"} {
			steps := getItems(t, srv.URL+"/api/interpolate?model="+model+"&steps=5&temperature="+temp+"&a="+a.Ref+"&b="+b.Ref)
			if len(steps) != 5 {
				t.Fatalf("%s: %d steps, want 5", model, len(steps))
			}
			for i, s := range steps {
				alone := getItem(t, srv.URL+"/api/item?model="+model+"&x="+s.Ref)
				if !reflect.DeepEqual(alone.View, s.View) {
					t.Errorf("%s at T %s: step %d decodes to %q alone, %q with the others", model, temp, i+1, alone.View.Text, s.View.Text)
				}
			}
			if temp != "0" {
				continue
			}
			if rec := getItem(t, srv.URL+"/api/item?model="+model+"&x="+a.Ref); !reflect.DeepEqual(rec.View, steps[0].View) {
				t.Errorf("%s: step 1 is %q, want A's reconstruction %q", model, steps[0].View.Text, rec.View.Text)
			}
			if reflect.DeepEqual(steps[1].View, steps[3].View) && model != "mnist-conv" {
				t.Errorf("%s: steps 2 and 4 are the same: %q", model, steps[1].View.Text)
			}
		}
	}
	// A ref is its latent point exactly, with its temperature and seed.
	r := ref{z: []float32{0, -1.5, 3.25e-7, 63.9}, temp: 0.75, seed: 12345}
	back, err := parseRef(r.String(), 4)
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("parseRef(%q) = %+v, %v; want %+v", r.String(), back, err, r)
	}
	for _, bad := range []struct{ ref, want string }{
		{"AAAA", "want 4 latent values (16 bytes"},
		{"!!!!", "want 4 latent values"},
		{ref{z: []float32{0, 0, 0, float32(math.NaN())}}.String(), "latent value 4 is NaN"},
		{ref{z: []float32{0, 0, 65, 0}}.String(), "latent value 3 is 65; want a number from -64 to 64"},
		{ref{z: make([]float32, 4)}.String() + "~0.5", "want a latent point, or one with ~TEMPERATURE~SEED"},
		{ref{z: make([]float32, 4)}.String() + "~x~5", `temperature "x"`},
		{ref{z: make([]float32, 4)}.String() + "~1~-5", `seed "-5"`},
	} {
		if _, err := parseRef(bad.ref, 4); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("parseRef(%q): %v, want an error saying %q", bad.ref, err, bad.want)
		}
	}
}

// wavSeconds is the length of a WAV file of 16-bit samples.
func wavSeconds(t *testing.T, b []byte) float64 {
	t.Helper()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file: %.20q", b)
	}
	channels := int(binary.LittleEndian.Uint16(b[22:]))
	rate := int(binary.LittleEndian.Uint32(b[24:]))
	data := bytes.Index(b, []byte("data"))
	n := int(binary.LittleEndian.Uint32(b[data+4:]))
	return float64(n) / float64(2*channels*rate)
}

// TestServeSoundAndFiles plays and downloads an item of each model that plays: two bars
// at 120 qpm last 4 s, and the MIDI file reads back, with the same domain, as the notes
// the page shows and sends to a MIDI port.
func TestServeSoundAndFiles(t *testing.T) {
	reg := builtinDomains()
	_, srv := newTestExplorer(t, 64<<10)
	for _, model := range []string{"mel2-tiny", "drums2"} {
		d, err := reg.ForModel(model)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range starters(t, srv, model)[:3] {
			status, _, wav := get(t, srv.URL+"/api/audio?model="+model+"&qpm=120&x="+it.Ref)
			if status != 200 {
				t.Fatalf("%s: audio %d %s", model, status, wav)
			}
			if s := wavSeconds(t, wav); math.Abs(s-4) > 0.01 {
				t.Errorf("%s %s: %.3f s of audio, want 4", model, it.Name, s)
			}
			status, _, mid := get(t, srv.URL+"/api/file/mid?model="+model+"&qpm=120&x="+it.Ref)
			if status != 200 {
				t.Fatalf("%s: file %d %s", model, status, mid)
			}
			x, err := d.Read(bytes.NewReader(mid), "download.mid", domain.ReadOptions{})
			if err != nil {
				t.Fatalf("%s %s: the download does not read back: %v", model, it.Name, err)
			}
			v, _ := d.(domain.Viewer).View(x)
			shown := getItem(t, srv.URL+"/api/item?model="+model+"&x="+it.Ref)
			if !reflect.DeepEqual(v.Notes, shown.View.Notes) || len(v.Notes) == 0 {
				t.Errorf("%s %s: the download holds %q, the page shows %q", model, it.Name, v.Text, shown.View.Text)
			}
		}
	}
}

// TestServeAttributeSliders moves the first input of every model whose attributes include
// density along it: more of it gives more notes or hits, less gives fewer.
func TestServeAttributeSliders(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	for _, model := range []string{"mel2-tiny", "drums2"} {
		for _, x := range starters(t, srv, model)[:3] {
			less := getItem(t, srv.URL+"/api/attribute?model="+model+"&amount.density=-2&x="+x.Ref)
			same := getItem(t, srv.URL+"/api/attribute?model="+model+"&x="+x.Ref)
			more := getItem(t, srv.URL+"/api/attribute?model="+model+"&amount.density=2&x="+x.Ref)
			if !(len(less.View.Notes) < len(same.View.Notes) && len(same.View.Notes) < len(more.View.Notes)) {
				t.Errorf("%s %s: density -2, 0, +2 give %d, %d, %d notes; want more each time", model, x.Name, len(less.View.Notes), len(same.View.Notes), len(more.View.Notes))
			}
			// The page asks for the moved input's sound beside its view: the same sound.
			_, _, asked := get(t, srv.URL+"/api/audio?model="+model+"&amount.density=2&x="+x.Ref)
			_, _, of := get(t, srv.URL+"/api/audio?model="+model+"&x="+more.Ref)
			if !bytes.Equal(asked, of) || len(asked) < 1000 {
				t.Errorf("%s %s: the sound of density +2 (%d bytes) is not that of its item (%d bytes)", model, x.Name, len(asked), len(of))
			}
		}
	}
}

// TestServePalette: the palette's corners are its four inputs' reconstructions, and its
// middle blends them.
func TestServePalette(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	xs := starters(t, srv, "drums2")
	u := srv.URL + "/api/palette?model=drums2&n=4"
	for k := range 4 {
		u += fmt.Sprintf("&c%d=%s", k, xs[k].Ref)
	}
	cells := getItems(t, u)
	if len(cells) != 16 {
		t.Fatalf("%d cells, want 16", len(cells))
	}
	for k, at := range []int{0, 3, 12, 15} {
		rec := getItem(t, srv.URL+"/api/item?model=drums2&x="+xs[k].Ref)
		if !reflect.DeepEqual(cells[at].View, rec.View) {
			t.Errorf("cell %d is %q, want corner %d's reconstruction %q", at+1, cells[at].View.Text, k, rec.View.Text)
		}
	}
	distinct := map[string]bool{}
	for _, c := range cells {
		distinct[c.View.Text] = true
	}
	if len(distinct) < 6 {
		t.Errorf("the 16 cells hold %d distinct beats", len(distinct))
	}
}

// TestServeModelsDoNotWait holds one model's lock, as a long decoding would: a request of
// another model is answered meanwhile, and one of the same model waits for it.
func TestServeModelsDoNotWait(t *testing.T) {
	s, srv := newTestExplorer(t, 64<<10)
	var drums *servedModel
	for _, sm := range s.models {
		if sm.id == "drums2" {
			drums = sm
		}
	}
	drums.mu.Lock()
	locked := true
	defer func() {
		if locked {
			drums.mu.Unlock()
		}
	}()
	client := &http.Client{Timeout: 20 * time.Second}
	for _, model := range []string{"mel2-tiny", "mnist-conv"} {
		start := time.Now()
		res, err := client.Get(srv.URL + "/api/sample?n=2&model=" + model)
		if err != nil {
			t.Fatalf("%s waited for drums2's lock: %v", model, err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", model, res.StatusCode)
		}
		t.Logf("%s answered in %v while drums2 was busy", model, time.Since(start))
	}
	done := make(chan int, 1)
	go func() {
		res, err := client.Get(srv.URL + "/api/sample?n=2&model=drums2")
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	select {
	case <-done:
		t.Fatal("a drums2 request was answered while its model was busy")
	case <-time.After(300 * time.Millisecond):
	}
	drums.mu.Unlock()
	locked = false
	if status := <-done; status != 200 {
		t.Errorf("drums2 after its lock: %d", status)
	}
}

// TestServeConcurrent asks for decodings of every model from many goroutines at once: the
// answers must be those of one request at a time.
func TestServeConcurrent(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	mel, dr := starters(t, srv, "mel2-tiny"), starters(t, srv, "drums2")
	urls := []string{
		"/api/interpolate?model=mel2-tiny&steps=5&a=" + mel[0].Ref + "&b=" + mel[3].Ref,
		"/api/sample?model=mel2-tiny&n=3&seed=9&temperature=0.8",
		"/api/palette?model=drums2&n=3&c0=" + dr[0].Ref + "&c1=" + dr[1].Ref + "&c2=" + dr[2].Ref + "&c3=" + dr[3].Ref,
		"/api/attribute?model=drums2&amount.syncopation=1.5&x=" + dr[1].Ref,
		"/api/map?model=mnist-conv2&x=0.3&y=0.6",
		"/api/sample?model=mnist-conv&n=2",
	}
	want := make([]string, len(urls))
	for i, u := range urls {
		_, _, body := get(t, srv.URL+u)
		want[i] = string(body)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 4 {
				i := (g + k) % len(urls)
				res, err := http.Get(srv.URL + urls[i])
				if err != nil {
					errs <- err.Error()
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(body) != want[i] {
					errs <- fmt.Sprintf("%s answered differently under load", urls[i][:30])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestServeNewDomain serves a checkpoint of the toy chant domain, which serve has never
// heard of and which draws nothing: it is in the menu, its inputs are prior samples, its
// examples are shown by their text, and it can be morphed and downloaded.
func TestServeNewDomain(t *testing.T) {
	reg := domain.NewRegistry(digits.New(), melody.New(), drums.New(), chant{})
	m, err := reg.New("chant-tiny", 0, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "my-chants.safetensors")
	if err := models.SaveCheckpoint(ck, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	// The same file name twice is told apart; a built-in model given again is served once.
	again := filepath.Join(t.TempDir(), "my-chants.safetensors")
	if err := models.SaveCheckpoint(again, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	s, err := newExplorer(reg, &serveOptions{Models: []string{ck, "mel2-tiny", again}, MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.describe(); got != "models mnist-conv32, mnist-conv, mnist-conv2, mel2-meters, mel2-chords, mel2-tiny, drums2, my-chants, my-chants-2" {
		t.Errorf("serving %s", got)
	}
	srv := httptest.NewServer(s.Handler(newSiteGuard("127.0.0.1", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})))
	defer srv.Close()
	if status, _, page := get(t, srv.URL+"/"); status != 421 && !bytes.Contains(page, []byte("my-chants (chants)")) {
		t.Errorf("the page's menu has no my-chants: %d %.300s", status, page)
	}
	s2, srv2 := s, httptest.NewUnstartedServer(nil)
	srv2.Config.Handler = s2.Handler(newSiteGuard("127.0.0.1", srv2.Listener.Addr()))
	srv2.Start()
	defer srv2.Close()
	if _, _, page := get(t, srv2.URL+"/"); !bytes.Contains(page, []byte(`<option value="my-chants">my-chants (chants)</option>`)) {
		t.Errorf("the page's menu has no my-chants: %.300s", page)
	}
	_, _, body := get(t, srv2.URL+"/api/models")
	if !bytes.Contains(body, []byte(`{"id":"my-chants","model":"chant-tiny","domain":"chant","noun":"chants"`)) {
		t.Errorf("/api/models: %.400s", body)
	}
	xs := starters(t, srv2, "my-chants")
	if len(xs) != 4 || xs[0].View.Kind != domain.ViewText || len(xs[0].View.Text) != chantSteps || strings.Trim(xs[0].View.Text, chantLetters) != "" {
		t.Fatalf("the chants to start from: %+v", xs)
	}
	steps := getItems(t, srv2.URL+"/api/interpolate?model=my-chants&steps=3&a="+xs[0].Ref+"&b="+xs[1].Ref)
	if len(steps) != 3 {
		t.Errorf("%d steps", len(steps))
	}
	if status, _, f := get(t, srv2.URL+"/api/file/chant?model=my-chants&x="+xs[0].Ref); status != 200 || strings.TrimSpace(string(f)) != xs[0].View.Text {
		t.Errorf("the chant's file: %d %q, want %q", status, f, xs[0].View.Text)
	}
	if status, _, f := get(t, srv2.URL+"/api/audio?model=my-chants&x="+xs[0].Ref); status != 404 {
		t.Errorf("a chant's audio: %d %q", status, f)
	}
}

// TestServeCheckpointAttributes serves a checkpoint with attribute vectors beside it, one
// without, and one whose vectors are of another size.
func TestServeCheckpointAttributes(t *testing.T) {
	reg := builtinDomains()
	m, err := reg.Open("mel2-tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	with, without, wrong := filepath.Join(dir, "with.safetensors"), filepath.Join(dir, "without.safetensors"), filepath.Join(dir, "wrong.safetensors")
	for _, ck := range []string{with, without, wrong} {
		if err := models.SaveCheckpoint(ck, m.Params(), nil, m.Meta); err != nil {
			t.Fatal(err)
		}
	}
	a := latent.NewAttributes(64)
	a.Set("brightness", make([]float32, 64))
	var buf bytes.Buffer
	a.WriteJSON(&buf)
	os.WriteFile(filepath.Join(dir, "with.attributes.json"), buf.Bytes(), 0o644)
	small := latent.NewAttributes(2)
	small.Set("brightness", []float32{1, 2})
	buf.Reset()
	small.WriteJSON(&buf)
	os.WriteFile(filepath.Join(dir, "wrong.attributes.json"), buf.Bytes(), 0o644)

	s, err := newExplorer(reg, &serveOptions{Models: []string{with, without}, MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, sm := range s.models {
		got[sm.id] = s.modelInfo(sm).Attributes
	}
	if !slices.Equal(got["with"], []string{"brightness"}) || len(got["without"]) != 0 || !slices.Equal(got["mel2-tiny"], []string{"density", "pitch", "stepwise"}) {
		t.Errorf("attributes served: %v", got)
	}
	if _, err := newExplorer(reg, &serveOptions{Models: []string{wrong}, MaxUpload: 1 << 20}); err == nil || !strings.Contains(err.Error(), "the attribute vectors of "+wrong) {
		t.Errorf("vectors of size 2 beside a model of z 64: %v", err)
	}
}

// TestServeConditions: a model that takes conditions lists them for the page, takes its
// own with every call and refuses others; a model that takes none refuses any.
func TestServeConditions(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	_, _, body := get(t, srv.URL+"/api/models")
	var ms []modelJSON
	json.Unmarshal(body, &ms)
	for _, m := range ms {
		if want := m.ID == "mel2-chords" || m.ID == "mel2-meters" || m.ID == "hier16-meters"; (len(m.Conditions) == 1) != want {
			t.Errorf("%s takes conditions %v", m.ID, m.Conditions)
		}
	}
	for _, tc := range []struct {
		url    string
		status int
		want   string
	}{
		{"/api/sample?model=mel2-chords&cond.chords=C+Am+F+G", 200, `"name":"sample 1`},
		{"/api/sample?model=mel2-chords&cond.meter=3/4", 400, `mel2-chords takes no condition \"meter\"`},
		{"/api/sample?model=mel2-tiny&cond.chords=C", 400, `mel2-tiny takes no conditions, so cond.chords cannot be given`},
	} {
		if status, _, body := get(t, srv.URL+tc.url); status != tc.status || !bytes.Contains(body, []byte(tc.want)) {
			t.Errorf("GET %s: %d %.200s; want %d saying %q", tc.url, status, body, tc.status, tc.want)
		}
	}
}

// TestBuiltinAttributes: every built-in model of a domain that learns attribute vectors
// ships them, of its latent size, with the domain's measures.
func TestBuiltinAttributes(t *testing.T) {
	reg := builtinDomains()
	const melody, digit = "density pitch stepwise", "digit0 digit1 digit2 digit3 digit4 digit5 digit6 digit7 digit8 digit9"
	want := map[string]string{"mel2-tiny": melody, "hier16-c64": melody, "hier16-meters": melody, "mel2-meters": melody, "mel2-chords": melody, "drums2": "density openness syncopation", "mnist-conv32": digit, "mnist-conv": digit, "mnist-conv2": digit}
	for _, name := range reg.Builtin() {
		m, err := reg.Open(name, "")
		if err != nil {
			t.Fatal(err)
		}
		a, err := reg.BuiltinAttributes(name)
		if m.Meta.Task != "" {
			continue // a task model restores inputs; it has no latent space to slide in
		}
		if _, learns := m.Domain.(domain.Attributer); err != nil || learns != (a != nil) {
			t.Fatalf("%s: attributes %v, %v; its domain learns them: %v", name, a, err, learns)
		}
		if a == nil {
			continue
		}
		if a.Dim != m.Z() || strings.Join(a.Names(), " ") != want[name] {
			t.Errorf("%s: attributes of size %d named %v; want size %d, %s", name, a.Dim, a.Names(), m.Z(), want[name])
		}
	}
	if _, err := reg.BuiltinAttributes("nope"); err == nil || !strings.Contains(err.Error(), `no built-in model "nope"`) {
		t.Errorf("attributes of no model: %v", err)
	}
}

func TestServeUpload(t *testing.T) {
	// Uploads are read in memory: the server writes nothing to disk, so that a SIGKILL
	// leaves nothing behind.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, srv := newTestExplorer(t, 4<<10)
	twoBars := starterTune(2)
	var png bytes.Buffer
	if err := digits.New().Write(&png, []domain.Example{{Value: make([]float32, 28*28)}}, domain.Layout{}); err != nil {
		t.Fatal(err)
	}
	var waltz bytes.Buffer
	if err := midi.WriteMelodiesWith(&waltz, midi.WriteOptions{Meters: []midi.Meter{{Num: 3, Den: 4}}}, twoBars); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model, name string
		data        []byte
		fields      map[string]string
		status      int
		want        string
	}{
		{"mel2-tiny", "tune.mid", melodyBytes(t, twoBars), nil, 200, `"where":"the first 2-bar window with notes"`},
		{"mel2-tiny", "tune.mid", melodyBytes(t, make(midi.Melody, 16), twoBars), map[string]string{"bar": "2"}, 200, `"where":"bars 2–3"`},
		{"mel2-tiny", "tune.mid", melodyBytes(t, twoBars), map[string]string{"bar": "9"}, 400, "bar 9 is past the end"},
		{"mel2-tiny", "tune.mid", melodyBytes(t, twoBars), map[string]string{"bar": "x"}, 400, `bar \"x\"`},
		{"mel2-tiny", "tune.mid", melodyBytes(t, twoBars), map[string]string{"track": "7"}, 400, "track"},
		{"mel2-tiny", "notes.txt", []byte("not a MIDI file"), nil, 400, "notes.txt: byte 0: not a Standard MIDI File"},
		{"mel2-tiny", "../../../escape.mid", []byte("MThd"), nil, 400, "escape.mid"},
		{"mel2-tiny", "big.mid", bytes.Repeat([]byte{0}, 5<<10), nil, 413, "big.mid is larger than the 4 KiB this page accepts"},
		{"mel2-tiny", "huge.mid", bytes.Repeat([]byte{0}, 200<<10), nil, 413, "4 KiB"},
		// A waltz: a model of 4/4 windows refuses it at once, saying why; the model of
		// every meter reads it in 3/4.
		{"mel2-tiny", "waltz.mid", waltz.Bytes(), nil, 400, "is 24 sixteenths of 3/4; mel2-tiny reads windows of 32"},
		{"mel2-meters", "waltz.mid", waltz.Bytes(), nil, 200, `"meter":"3/4"`},
		{"drums2", "tune.mid", melodyBytes(t, twoBars), nil, 400, "drums"},
		{"mnist-conv", "blank.png", png.Bytes(), nil, 200, `"kind":"picture"`},
		{"mnist-conv", "blank.png", png.Bytes(), map[string]string{"bar": "2"}, 400, "a picture has no bars"},
	} {
		t.Run(tc.model+" "+tc.name+fmt.Sprint(tc.fields), func(t *testing.T) {
			status, res := postFile(t, srv.URL+"/api/upload?model="+tc.model, tc.name, tc.data, tc.fields)
			got, _ := json.Marshal(res)
			if status != tc.status || !strings.Contains(string(got), tc.want) {
				t.Errorf("upload %s: %d %s; want %d containing %q", tc.name, status, got, tc.status, tc.want)
			}
		})
	}
	if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
		t.Errorf("the server wrote %v into the temporary folder (%v)", left, err)
	}
}

func TestServeCommand(t *testing.T) {
	for _, tc := range []struct{ argv, want string }{
		{"serve --addr nonsense", "want HOST:PORT"},
		{"serve --max-upload 10", "at least 1024"},
		{"serve extra", "takes no"},
	} {
		code, _, errb := musae(t, strings.Fields(tc.argv)...)
		if code == exitOK || !strings.Contains(errb, tc.want) {
			t.Errorf("%s: exit %d, %q; want an error saying %q", tc.argv, code, errb, tc.want)
		}
	}

	// It serves until the context ends, then stops cleanly.
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, builtinDomains(), &serveOptions{Addr: "127.0.0.1:0", MaxUpload: 1 << 20}, &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "http://") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "(models mnist-conv32, mnist-conv, mnist-conv2, mel2-meters, mel2-chords, mel2-tiny, drums2, groove2, hier16-meters, hier16-c64)") {
		t.Errorf("serve says %q", out.String())
	}
	var addr string
	fmt.Sscanf(out.String()[strings.Index(out.String(), "http://"):], "http://%s", &addr)
	status, _, _ := get(t, "http://"+strings.TrimSuffix(addr, "/")+"/api/models")
	if status != 200 {
		t.Errorf("GET /api/models: %d", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
	if errb.String() != "" {
		t.Errorf("stderr on loopback: %q", errb.String())
	}
	// A checkpoint that is not one is refused before anything is served.
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("not a checkpoint"), 0o644)
	if err := runServe(context.Background(), builtinDomains(), &serveOptions{Addr: "127.0.0.1:0", Models: []string{bad}, MaxUpload: 1 << 20}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "bad.safetensors") {
		t.Errorf("serve --model %s: %v", bad, err)
	}
}

// syncBuffer is a bytes.Buffer that a server goroutine writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// starterTune is the i-th of the melody domain's tunes to start from.
func starterTune(i int) midi.Melody {
	return melody.New().Starters()[i].Value.(midi.Melody)
}

// TestServeQPMRange follows an uploaded tune's tempo through the page's calls: what the
// upload answers is what the tempo control shows and what every other call takes.
func TestServeQPMRange(t *testing.T) {
	// The range is what midi writes, no more and no less.
	for _, qpm := range []float64{serveMinQPM, serveMaxQPM} {
		if err := midi.WriteMelodies(io.Discard, qpm, starterTune(0)); err != nil {
			t.Errorf("the page plays %g qpm, but midi does not write it: %v", qpm, err)
		}
	}
	for _, qpm := range []float64{serveMinQPM - 0.5, serveMaxQPM + 0.5} {
		if err := midi.WriteMelodies(io.Discard, qpm, starterTune(0)); err == nil {
			t.Errorf("midi writes %g qpm, outside serveMinQPM–serveMaxQPM: widen them to midi's range", qpm)
		}
	}
	_, srv := newTestExplorer(t, 64<<10)
	if _, _, page := get(t, srv.URL+"/"); !bytes.Contains(page, []byte(fmt.Sprintf(`id="qpm" min="%d" max="%d"`, serveMinQPM, serveMaxQPM))) {
		t.Errorf("the page's tempo control does not take %d–%d qpm", serveMinQPM, serveMaxQPM)
	}
	for _, tc := range []struct {
		name  string
		file  []byte
		qpm   float64
		where string
	}{
		{"400 qpm", withTempo(t, starterTune(2), 150_000), 400, ""},
		{"1000 qpm", withTempo(t, starterTune(2), 60_000), 1000, ""},
		{"5000 qpm", withTempo(t, starterTune(2), 12_000), serveMaxQPM, "tempo of 5000 qpm is outside the 4..1000 qpm that musae writes"},
		{"3.6 qpm", withTempo(t, starterTune(2), 0xFFFFFF), serveMinQPM, "tempo of 3.576 qpm is outside the 4..1000 qpm that musae writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, res := postFile(t, srv.URL+"/api/upload?model=mel2-tiny", "fast.mid", tc.file, nil)
			qpm, _ := res["qpm"].(float64)
			where, _ := res["where"].(string)
			if status != 200 || qpm != tc.qpm || !strings.Contains(where, tc.where) {
				t.Fatalf("upload: %d, qpm %v, where %q; want 200, %g qpm, where saying %q", status, res["qpm"], where, tc.qpm, tc.where)
			}
			x, _ := res["ref"].(string)
			// The page rounds it into the tempo control, which every call then sends.
			q := fmt.Sprint(math.Round(qpm))
			for _, u := range []string{
				"/api/audio?model=mel2-tiny&x=" + x + "&qpm=" + q,
				"/api/file/mid?model=mel2-tiny&x=" + x + "&qpm=" + q,
				"/api/file/musicxml?model=mel2-tiny&x=" + x + "&qpm=" + q,
				"/api/file/abc?model=mel2-tiny&x=" + x + "&qpm=" + q,
			} {
				if status, _, body := get(t, srv.URL+u); status != 200 {
					t.Errorf("GET %.40s…&qpm=%s: %d %.200s", u, q, status, body)
				}
			}
		})
	}
	for _, q := range []string{"3.9", "1000.5", "NaN", "Inf"} {
		if status, _, _ := get(t, srv.URL+"/api/file/mid?model=mel2-tiny&x="+ref{z: make([]float32, 64)}.String()+"&qpm="+q); status != 400 {
			t.Errorf("GET /api/file/mid at %s qpm: %d, want 400", q, status)
		}
	}
}

func TestMapLatent(t *testing.T) {
	// The centres of the map's corner cells are the corners of image.ManifoldZ.
	const n = 16
	half := 0.5 / n
	for _, tc := range []struct {
		x, y   float64
		z0, z1 float64
	}{
		{half, half, -1.6449, 1.6449},
		{1 - half, 1 - half, 1.6449, -1.6449},
		{0.5, 0.5, 0, 0},
	} {
		z := mapLatent(tc.x, tc.y, n)
		if d0, d1 := float64(z[0])-tc.z0, float64(z[1])-tc.z1; d0*d0+d1*d1 > 1e-6 {
			t.Errorf("mapLatent(%g, %g) = %v, want (%g, %g)", tc.x, tc.y, z, tc.z0, tc.z1)
		}
	}
	// Beyond the centres it goes on, bounded.
	if z := mapLatent(0, 0, n); z[0] > -1.6449 || z[0] < -3.1 {
		t.Errorf("mapLatent(0, 0) = %v", z)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "localhost": true, "::1": true, "127.0.0.2": true,
		"0.0.0.0": false, "": false, "::": false, "192.168.1.10": false, "example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 64 << 10: "64 KiB", 3 << 19: "1.5 MiB", 900: "900 bytes", 5<<10 + 512: "5.5 KiB"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"step 3 of 9":      "step-3-of-9",
		"../../etc/passwd": "etcpasswd",
		"":                 "musae",
		"Frère Jacques":    "Frre-Jacques",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServeHost asks with the Host headers that DNS rebinding gives (another site's name,
// pointed at the server) and with the server's own names.
func TestServeHost(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		host   string
		status int
	}{
		{"evil.example", 421},
		{fmt.Sprintf("evil.example:%d", port), 421},
		{fmt.Sprintf("127.0.0.1:%d", port+1), 421},
		{"127.0.0.1", 421}, // port 80
		{fmt.Sprintf("localhost.evil.example:%d", port), 421},
		{fmt.Sprintf("127.0.0.1:%d", port), 200},
		{fmt.Sprintf("localhost:%d", port), 200},
		{fmt.Sprintf("LocalHost:%d", port), 200},
		{fmt.Sprintf("[::1]:%d", port), 200},
	} {
		for _, path := range []string{"/api/sample?n=1&model=mel2-tiny", "/", "/static/app.js"} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("GET %s with Host %s: %d %.120s; want %d", path, tc.host, res.StatusCode, body, tc.status)
			}
			if tc.status == 421 && !bytes.Contains(body, []byte("is not this server's address")) {
				t.Errorf("GET %s with Host %s: the refusal says %q", path, tc.host, body)
			}
		}
	}
}

// TestServeCrossOrigin uploads as another site's page would, through a visitor's browser,
// and as the page itself does.
func TestServeCrossOrigin(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	tune := melodyBytes(t, starterTune(2))
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"another site's page", map[string]string{"Origin": "http://evil.example"}, 403},
		{"another site's page, modern browser", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"another port of this machine", map[string]string{"Origin": "http://127.0.0.1:1"}, 403},
		{"a sandboxed frame", map[string]string{"Origin": "null"}, 403},
		{"no Origin, cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"no Origin, same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"an old browser", map[string]string{"Referer": "http://evil.example/form.html"}, 403},
		{"a forged Sec-Fetch-Site", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, 403},
		{"https to this port", map[string]string{"Origin": "https://" + srv.Listener.Addr().String()}, 403},
		{"the page by another of its names", map[string]string{"Origin": strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}, 200},
		{"the page", map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin", "Referer": srv.URL + "/"}, 200},
		{"the page, Origin only", map[string]string{"Origin": srv.URL}, 200},
		{"the page, an old browser", map[string]string{"Referer": srv.URL + "/"}, 200},
		{"curl", nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, res := postFileFrom(t, srv.URL+"/api/upload?model=mel2-tiny", "tune.mid", tune, nil, tc.header)
			if status != tc.status {
				t.Errorf("upload from %s (%v): %d %v; want %d", tc.name, tc.header, status, res["error"], tc.status)
			}
			if msg, _ := res["error"].(string); tc.status == 403 && !strings.Contains(msg, "is refused: only the page at "+srv.URL+"/ may send one") {
				t.Errorf("upload from %s: the refusal says %q", tc.name, msg)
			}
		})
	}
}

func TestSiteGuard(t *testing.T) {
	tcp := func(s string) net.Addr {
		a, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		addr, bound, home string
		allow, refuse     []string
	}{
		{"127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/",
			[]string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2:8080"},
			[]string{"evil.example:8080", "192.168.1.10:8080", "127.0.0.1:8081", "localhost", "", "[::1]", ":8080"}},
		{"localhost", "127.0.0.1:80", "http://localhost:80/",
			[]string{"localhost", "localhost:80", "127.0.0.1", "[::1]"},
			[]string{"evil.example", "evil.example:80"}},
		{"192.168.1.10", "192.168.1.10:8080", "http://192.168.1.10:8080/",
			[]string{"192.168.1.10:8080", "localhost:8080", "127.0.0.1:8080"},
			[]string{"192.168.1.11:8080", "evil.example:8080", "192.168.1.10:80"}},
		{"box.lan", "192.168.1.10:8080", "http://box.lan:8080/",
			[]string{"box.lan:8080", "BOX.LAN:8080", "192.168.1.10:8080"},
			[]string{"evil.example:8080", "box.lan.evil.example:8080"}},
		{"0.0.0.0", "0.0.0.0:8080", "http://127.0.0.1:8080/",
			[]string{"192.168.1.10:8080", "[fe80::1]:8080", "localhost:8080"},
			[]string{"box.lan:8080", "evil.example:8080", "192.168.1.10:8081"}},
		{"", "[::]:8080", "http://127.0.0.1:8080/",
			[]string{"10.0.0.1:8080", "[::1]:8080"},
			[]string{"evil.example:8080"}},
	} {
		g := newSiteGuard(tc.addr, tcp(tc.bound))
		if g.home != tc.home {
			t.Errorf("--addr %s:%s: the page is at %s, want %s", tc.addr, g.port, g.home, tc.home)
		}
		for _, h := range tc.allow {
			if !g.allows(h) {
				t.Errorf("--addr %s bound at %s refuses Host %q", tc.addr, tc.bound, h)
			}
		}
		for _, h := range tc.refuse {
			if g.allows(h) {
				t.Errorf("--addr %s bound at %s answers Host %q", tc.addr, tc.bound, h)
			}
		}
	}

	// Bound to every interface, any IP is a Host it answers, but a POST is ours only
	// from the origin the page was loaded from: an attacker's page on another IP at the
	// same port is another site.
	g := newSiteGuard("0.0.0.0", tcp("0.0.0.0:8080"))
	for _, tc := range []struct {
		host, origin string
		ok           bool
	}{
		{"192.168.1.10:8080", "http://192.168.1.10:8080", true},
		{"localhost:8080", "http://LOCALHOST:8080", true},
		{"192.168.1.10:8080", "http://203.0.113.9:8080", false},
		{"127.0.0.1:8080", "http://localhost:8080", true},
		{"127.0.0.1:8080", "http://192.168.1.10:8080", false},
		{"127.0.0.1:8080", "null", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://"+tc.host+"/api/upload", nil)
		r.Header.Set("Origin", tc.origin)
		if err := g.check(r); (err == nil) != tc.ok {
			t.Errorf("POST to %s from %s: %v, want allowed %v", tc.host, tc.origin, err, tc.ok)
		}
	}
}

// withTempo is a file of melody m whose tempo is us µs a quarter, which may be one that
// midi.WriteMelodies refuses to write.
func withTempo(t *testing.T, m midi.Melody, us int) []byte {
	t.Helper()
	b := melodyBytes(t, m)
	at := bytes.Index(b, []byte{0xFF, 0x51, 0x03})
	if at < 0 {
		t.Fatal("no tempo in a written file")
	}
	b[at+3], b[at+4], b[at+5] = byte(us>>16), byte(us>>8), byte(us)
	return b
}

// TestServeRefusesTaskModels: the page explores VAEs; the built-in task models (denoise,
// elaborate) are left out of its menu, and one given with --model is refused by name.
func TestServeRefusesTaskModels(t *testing.T) {
	reg := builtinDomains()
	m, err := reg.Open("mel2-denoise", "")
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "fixer.safetensors")
	if err := models.SaveCheckpoint(ck, m.VAE.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	s, err := newExplorer(reg, &serveOptions{MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.describe(); strings.Contains(got, "mel2-denoise") || strings.Contains(got, "mel2-elaborate") {
		t.Errorf("serving %s", got)
	}
	_, err = newExplorer(reg, &serveOptions{Models: []string{ck}, MaxUpload: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "fixer.safetensors is a denoise model") {
		t.Errorf("serving a denoise checkpoint: %v", err)
	}
}

// TestServeModelConditions: the page's field per condition is what the conditioning API
// says each built-in model takes: the meter for mel2-meters, the chords for mel2-chords,
// none for mel2-tiny.
func TestServeModelConditions(t *testing.T) {
	reg := builtinDomains()
	for name, want := range map[string]string{"mel2-tiny": "", "mel2-meters": "meter Meter 4/4;", "mel2-chords": "chords Chords C Am F G;"} {
		m, err := reg.Open(name, "")
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, c := range modelConditions(m) {
			got += c.Name + " " + c.Label + " " + c.Placeholder + ";"
		}
		if got != want {
			t.Errorf("%s: fields %q, want %q", name, got, want)
		}
	}
	// A request decodes under its fields: mel2-chords samples as long as the progression
	// (4 bars: two rolls' worth of steps), mel2-meters in the meter; without chords,
	// mel2-chords is refused as a bad request that says so.
	_, srv := newTestExplorer(t, 64<<10)
	if status, _, body := get(t, srv.URL+"/api/sample?model=mel2-chords"); status != 400 || !bytes.Contains(body, []byte("mel2-chords needs --chords")) {
		t.Errorf("sample of mel2-chords: %d %.200s", status, body)
	}
	for _, tc := range []struct{ url, want string }{
		{"/api/sample?model=mel2-chords&n=1&cond.chords=C+Am+F+G", `"steps":64`},
		{"/api/sample?model=mel2-meters&n=1&cond.meter=6/8", `"steps":24`},
		{"/api/sample?model=mel2-meters&n=1&cond.meter=", `"steps":32`},
	} {
		status, _, body := get(t, srv.URL+tc.url)
		var items []itemJSON
		if status != 200 || json.Unmarshal(body, &items) != nil || len(items) != 1 {
			t.Fatalf("GET %s: %d %.300s", tc.url, status, body)
		}
		if !bytes.Contains(body, []byte(tc.want)) {
			t.Errorf("GET %s: %.600s; want %s", tc.url, body, tc.want)
		}
	}
}
