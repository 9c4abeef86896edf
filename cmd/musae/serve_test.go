package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"musae/latent/domain"
	"musae/midi"
)

// newTestExplorer serves the built-in models from an httptest server on 127.0.0.1, guarded
// as `musae serve --addr 127.0.0.1:PORT` is.
func newTestExplorer(t *testing.T, maxUpload int64) (*explorer, *httptest.Server) {
	t.Helper()
	s, err := newExplorer(builtinDomains(), &serveOptions{DigitModel: "mnist-conv2", MaxUpload: maxUpload})
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

func TestServeAPI(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	ode := formatClasses(exampleTunes[0].melody())
	twinkle := formatClasses(exampleTunes[1].melody())
	for _, tc := range []struct {
		url, status, ctype, want string
	}{
		{"/", "200", "text/html", `melodies: <b>mel2-tiny</b>`},
		{"/static/app.js", "200", "javascript", "async function interpolate"},
		{"/static/style.css", "200", "text/css", ".slider-row"},
		// The page's template is run by "/", never served as it is.
		{"/static/index.html", "404", "text/plain", "not found"},
		{"/static/../index.html", "404", "text/plain", "not found"},
		{"/static/", "404", "text/plain", "not found"},
		{"/api/examples", "200", "application/json", `"name":"Ode to Joy"`},
		{"/api/interpolate?a=" + ode + "&b=" + twinkle + "&steps=3", "200", "application/json", `"name":"step 3 of 3"`},
		{"/api/interpolate?a=" + ode + "&b=" + twinkle + "&steps=1", "400", "application/json", "steps \\\"1\\\": want a number from 2 to 33"},
		{"/api/interpolate?a=" + ode + "&b=" + twinkle + "&mode=cubic", "400", "application/json", "cubic"},
		{"/api/interpolate?a=1,2&b=" + twinkle, "400", "application/json", "melody a: a melody has 32 steps"},
		{"/api/interpolate?a=" + strings.Replace(ode, "45", "95", 1) + "&b=" + twinkle, "400", "application/json", "melody a:"},
		{"/api/sample?n=2&temperature=0.7&seed=3", "200", "application/json", `"name":"sample 2 (seed 3, T 0.7)"`},
		{"/api/sample?n=1000", "400", "application/json", "want a number from 1 to 16"},
		{"/api/sample?temperature=NaN", "400", "application/json", "temperature"},
		{"/api/roll.png?m=" + ode, "200", "image/png", "\x89PNG"},
		{"/api/roll.png?m=" + ode + "&lo=60", "400", "application/json", "give both"},
		{"/api/melody/wav?m=" + ode + "&qpm=120", "200", "audio/wav", "RIFF"},
		{"/api/melody/wav?m=" + ode + "&qpm=5000", "400", "application/json", "qpm"},
		{"/api/melody/mid?m=" + ode + "&name=../../etc/passwd", "200", "audio/midi", "MThd"},
		{"/api/melody/musicxml?m=" + ode + "&name=Ode", "200", "musicxml", "<work-title>Ode</work-title>"},
		{"/api/melody/abc?m=" + ode + "&name=Ode&qpm=90", "200", "text/vnd.abc", "Q:1/4=90"},
		{"/api/melody/ogg?m=" + ode, "404", "application/json", "no format"},
		{"/api/digits/map.png", "200", "image/png", "\x89PNG"},
		{"/api/digits/decode?x=0.25&y=0.75", "200", "application/json", `"png":"data:image/png;base64,`},
		{"/api/digits/decode?x=2", "400", "application/json", "want a number from 0 to 1"},
		{"/api/nothing", "404", "text/plain", "not found"},
	} {
		t.Run(tc.url[:min(len(tc.url), 40)], func(t *testing.T) {
			status, ctype, body := get(t, srv.URL+tc.url)
			if fmt.Sprint(status) != tc.status || !strings.Contains(ctype, tc.ctype) || !bytes.Contains(body, []byte(tc.want)) {
				t.Errorf("GET %s: %d %s %.200q; want %s %s containing %q", tc.url, status, ctype, body, tc.status, tc.ctype, tc.want)
			}
		})
	}
}

func TestServeInterpolateEnds(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	a, b := exampleTunes[0].melody(), exampleTunes[1].melody()
	_, _, body := get(t, srv.URL+"/api/interpolate?steps=4&a="+formatClasses(a)+"&b="+formatClasses(b))
	var res struct {
		Steps []melodyJSON
		Range [2]int
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 4 {
		t.Fatalf("%d steps, want 4", len(res.Steps))
	}
	// The steps are what `musae interpolate` decodes: greedy decodings along the slerp.
	m := testExplorerModel(t)
	mu, _ := encodeMelodies(m, []midi.Melody{a, b})
	want := decodeMelodies(m, [][]float32{mu[0]}, 0, nil)[0]
	if res.Steps[0].Classes != formatClasses(want) {
		t.Errorf("step 1 is %s, want A's reconstruction %s", res.Steps[0].Classes, formatClasses(want))
	}
	if res.Steps[1].Classes == res.Steps[3].Classes {
		t.Error("steps 2 and 4 are the same melody")
	}
	// The shared range covers every step's notes and the inputs'.
	for _, s := range res.Steps {
		for _, n := range s.Notes {
			if n.Pitch < res.Range[0] || n.Pitch > res.Range[1] {
				t.Errorf("%s: %s outside the shared range %v", s.Name, n.Name, res.Range)
			}
		}
	}
}

// TestServeConcurrent asks for decodings from many goroutines at once: the models are not
// safe for concurrent use, so the answers must be those of one request at a time.
func TestServeConcurrent(t *testing.T) {
	_, srv := newTestExplorer(t, 64<<10)
	urls := []string{
		"/api/interpolate?steps=5&a=" + formatClasses(exampleTunes[0].melody()) + "&b=" + formatClasses(exampleTunes[3].melody()),
		"/api/sample?n=3&seed=9&temperature=0.8",
		"/api/digits/decode?x=0.3&y=0.6",
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
					errs <- fmt.Sprintf("%s answered differently under load", urls[i][:20])
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

func testExplorerModel(t *testing.T) *domain.Model {
	t.Helper()
	m, err := openMelodyModel(builtinDomains(), "")
	if err != nil {
		t.Fatal(err)
	}
	return m
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

func TestServeUpload(t *testing.T) {
	// Uploads are read in memory: the server writes nothing to disk, so that a SIGKILL
	// leaves nothing behind.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, srv := newTestExplorer(t, 4<<10)
	twoBars := exampleTunes[2].melody()
	var waltz bytes.Buffer
	if err := midi.WriteMelodiesWith(&waltz, midi.WriteOptions{Meters: []midi.Meter{{Num: 3, Den: 4}}}, twoBars); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		fields map[string]string
		status int
		want   string
	}{
		{"tune.mid", melodyBytes(t, twoBars), nil, 200, `"where":"the first 2-bar window with notes"`},
		{"tune.mid", melodyBytes(t, make(midi.Melody, 16), twoBars), map[string]string{"bar": "2"}, 200, `"where":"bars 2–3"`},
		{"tune.mid", melodyBytes(t, twoBars), map[string]string{"bar": "9"}, 400, "bar 9 is past the end"},
		{"tune.mid", melodyBytes(t, twoBars), map[string]string{"bar": "x"}, 400, `bar \"x\"`},
		{"tune.mid", melodyBytes(t, twoBars), map[string]string{"track": "7"}, 400, "track"},
		{"notes.txt", []byte("not a MIDI file"), nil, 400, "notes.txt: byte 0: not a Standard MIDI File"},
		// A waltz, which the default model of 4/4 windows cannot read: refused at once.
		{"waltz.mid", waltz.Bytes(), nil, 400, "is 24 sixteenths of 3/4; mel2-tiny reads windows of 32"},
		{"../../../escape.mid", []byte("MThd"), nil, 400, "escape.mid"},
		{"big.mid", bytes.Repeat([]byte{0}, 5<<10), nil, 413, "big.mid is larger than the 4 KiB this page accepts"},
		{"huge.mid", bytes.Repeat([]byte{0}, 200<<10), nil, 413, "4 KiB"},
	} {
		t.Run(tc.name+fmt.Sprint(tc.fields), func(t *testing.T) {
			status, res := postFile(t, srv.URL+"/api/upload", tc.name, tc.data, tc.fields)
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

	// It serves until the context ends, then stops cleanly and removes its folder.
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, builtinDomains(), &serveOptions{Addr: "127.0.0.1:0", DigitModel: "mnist-conv2", MaxUpload: 1 << 20}, &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "http://") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var addr string
	fmt.Sscanf(out.String()[strings.Index(out.String(), "http://"):], "http://%s", &addr)
	status, _, _ := get(t, "http://"+strings.TrimSuffix(addr, "/")+"/api/examples")
	if status != 200 {
		t.Errorf("GET /api/examples: %d", status)
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
		"":                 "melody",
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
		for _, path := range []string{"/api/sample?n=1", "/", "/static/app.js"} {
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
	tune := melodyBytes(t, exampleTunes[2].melody())
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
			status, res := postFileFrom(t, srv.URL+"/api/upload", "tune.mid", tune, nil, tc.header)
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

// TestServeQPMRange follows an uploaded tune's tempo through the page's calls: what the
// upload answers is what the tempo control shows and what every other call takes.
func TestServeQPMRange(t *testing.T) {
	// The range is what midi writes, no more and no less.
	for _, qpm := range []float64{serveMinQPM, serveMaxQPM} {
		if err := midi.WriteMelodies(io.Discard, qpm, exampleTunes[0].melody()); err != nil {
			t.Errorf("the page plays %g qpm, but midi does not write it: %v", qpm, err)
		}
	}
	for _, qpm := range []float64{serveMinQPM - 0.5, serveMaxQPM + 0.5} {
		if err := midi.WriteMelodies(io.Discard, qpm, exampleTunes[0].melody()); err == nil {
			t.Errorf("midi writes %g qpm, outside serveMinQPM–serveMaxQPM: widen them to midi's range", qpm)
		}
	}
	_, srv := newTestExplorer(t, 64<<10)
	if _, _, page := get(t, srv.URL+"/"); !bytes.Contains(page, []byte(fmt.Sprintf(`id="qpm" min="%d" max="%d"`, serveMinQPM, serveMaxQPM))) {
		t.Errorf("the page's tempo control does not take %d–%d qpm", serveMinQPM, serveMaxQPM)
	}
	tune := exampleTunes[2].melody()
	other := formatClasses(exampleTunes[0].melody())
	for _, tc := range []struct {
		name  string
		file  []byte
		qpm   float64
		where string
	}{
		{"400 qpm", withTempo(t, tune, 150_000), 400, ""},
		{"1000 qpm", withTempo(t, tune, 60_000), 1000, ""},
		{"5000 qpm", withTempo(t, tune, 12_000), serveMaxQPM, "tempo of 5000 qpm is outside the 4..1000 qpm that musae writes"},
		{"3.6 qpm", withTempo(t, tune, 0xFFFFFF), serveMinQPM, "tempo of 3.576 qpm is outside the 4..1000 qpm that musae writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, res := postFile(t, srv.URL+"/api/upload", "fast.mid", tc.file, nil)
			qpm, _ := res["qpm"].(float64)
			where, _ := res["where"].(string)
			if status != 200 || qpm != tc.qpm || !strings.Contains(where, tc.where) {
				t.Fatalf("upload: %d, qpm %v, where %q; want 200, %g qpm, where saying %q", status, res["qpm"], where, tc.qpm, tc.where)
			}
			classes, _ := res["classes"].(string)
			// pick("A", ...) rounds it into the tempo control, which every call then sends.
			q := fmt.Sprint(math.Round(qpm))
			for _, u := range []string{
				"/api/interpolate?a=" + classes + "&b=" + other + "&steps=3&qpm=" + q,
				"/api/melody/wav?m=" + classes + "&qpm=" + q,
				"/api/melody/mid?m=" + classes + "&qpm=" + q,
				"/api/melody/musicxml?m=" + classes + "&qpm=" + q,
				"/api/melody/abc?m=" + classes + "&qpm=" + q,
			} {
				if status, _, body := get(t, srv.URL+u); status != 200 {
					t.Errorf("GET %.40s…&qpm=%s: %d %.200s", u, q, status, body)
				}
			}
		})
	}
	for _, q := range []string{"3.9", "1000.5", "NaN", "Inf"} {
		if status, _, _ := get(t, srv.URL+"/api/melody/mid?m="+other+"&qpm="+q); status != 400 {
			t.Errorf("GET /api/melody/mid at %s qpm: %d, want 400", q, status)
		}
	}
}
