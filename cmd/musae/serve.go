package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/latent"
	"musae/latent/domain"
	"musae/midi"
)

//go:embed web
var webFiles embed.FS

type serveOptions struct {
	Addr, MelodyModel, DigitModel string
	MaxUpload                     int64
}

func newServeCmd(reg *domain.Registry, runF func(*serveOptions) error) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Explore the latent spaces in the browser: morph, sample and listen to melodies, click through the digit map",
		Long: `Serve a local web page for exploring the models:

  - pick two melodies (built-in tunes, your own MIDI files, or samples) and drag a slider
    through their interpolation, seeing each step's piano roll and hearing it;
  - sample new melodies at a chosen temperature;
  - click in the 2-D digit latent map to decode a digit there.

The page binds to loopback unless --addr says otherwise. It answers only requests that
name its own address (the Host header: the --addr host, or 127.0.0.1, localhost and [::1]
at its port), and takes uploads only from its own page (the Origin header), so that pages
of other sites cannot use it, not even through DNS rebinding. Uploaded files are limited
to --max-upload bytes and are read in memory: nothing is written to disk.`,
		Args: noArgs("serve"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := net.SplitHostPort(o.Addr); err != nil {
				return usagef("--addr %q: want HOST:PORT, such as 127.0.0.1:8080", o.Addr)
			}
			if o.MaxUpload < 1024 {
				return usagef("--max-upload must be at least 1024 bytes")
			}
			if runF != nil {
				return runF(o)
			}
			return runServe(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT; port 0 picks a free one)")
	f.StringVar(&o.MelodyModel, "melody-model", "", "melody checkpoint or built-in name (default: the built-in melody model)")
	f.StringVar(&o.DigitModel, "mnist-model", "mnist-conv2", "digit model with a 2-D latent, for the map")
	f.Int64Var(&o.MaxUpload, "max-upload", 1<<20, "largest MIDI file accepted, in bytes")
	return cmd
}

func runServe(ctx context.Context, reg *domain.Registry, o *serveOptions, stdout, stderr io.Writer) error {
	s, err := newExplorer(reg, o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w (another port: --addr 127.0.0.1:8081; any free one: --addr 127.0.0.1:0)", err)
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	if !isLoopback(host) {
		fmt.Fprintf(stderr, "warning: %s is reachable from other machines; anyone who can reach it can use the page and upload files\n", ln.Addr())
	}
	guard := newSiteGuard(host, ln.Addr())
	srv := &http.Server{
		Handler:           s.Handler(guard),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(shut)
		case <-done:
		}
	}()
	defer close(done)
	fmt.Fprintf(stdout, "musae explorer on %s (%s); Ctrl-C stops it\n", guard.home, s.describe())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// explorer is the web page's server: the models and the handlers. The models are not safe
// for concurrent use, so every call into one holds mu.
type explorer struct {
	mu        sync.Mutex
	melody    *domain.Model // of a domain that plays in time, whose examples are midi.Melody
	digits    *domain.Model // of a domain of pictures; nil when the model has no 2-D latent
	digitNote string        // why there is no map, when digits is nil
	maxUpload int64
	page      *template.Template
	digitPNG  []byte // the digit map, drawn on its first request
}

func newExplorer(reg *domain.Registry, o *serveOptions) (*explorer, error) {
	mel, err := openMelodyModel(reg, o.MelodyModel)
	if err != nil {
		return nil, err
	}
	s := &explorer{melody: mel, maxUpload: o.MaxUpload}
	dig, pics, err := openPictureModel(reg, o.DigitModel)
	switch {
	case err != nil:
		return nil, err
	case !isDigitSize(pics):
		s.digitNote = fmt.Sprintf("%s draws pictures of another size than %d×%d; the map needs digits", dig.Meta.Model, digitRows, digitCols)
	case dig.VAE.Z != 2:
		s.digitNote = fmt.Sprintf("%s has a %d-D latent; the map needs a 2-D one (--mnist-model mnist-conv2)", dig.Meta.Model, dig.VAE.Z)
	default:
		s.digits = dig
	}
	s.page, err = template.ParseFS(webFiles, "web/index.html")
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *explorer) describe() string {
	d := "melodies by " + s.melody.Meta.Model
	if s.digits != nil {
		d += ", digits by " + s.digits.Meta.Model
	}
	return d
}

// Handler routes the page, its assets and its API, for requests that guard lets through.
func (s *explorer) Handler(guard *siteGuard) http.Handler {
	mux := http.NewServeMux()
	// Only the files of web/static are served as they are: web/index.html is a template,
	// run by index, and folders are not listed.
	static, _ := fs.Sub(webFiles, "web/static")
	mux.HandleFunc("GET /{$}", s.index)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(filesOnly{static})))
	mux.HandleFunc("GET /api/examples", s.examples)
	mux.HandleFunc("POST /api/upload", s.upload)
	mux.HandleFunc("GET /api/interpolate", s.interpolate)
	mux.HandleFunc("GET /api/sample", s.sample)
	mux.HandleFunc("GET /api/roll.png", s.roll)
	mux.HandleFunc("GET /api/melody/{format}", s.melodyFile)
	mux.HandleFunc("GET /api/digits/map.png", s.digitMap)
	mux.HandleFunc("GET /api/digits/decode", s.digitAt)
	return securityHeaders(guard.Handler(mux))
}

// siteGuard keeps other sites' pages from using the server through a visitor's browser.
// It refuses a request whose Host is not one of the server's own names, which a page that
// DNS rebinding has pointed at the server would send (its own site's name); and a
// state-changing request (POST, ...) sent from another site's page, which a browser marks
// with Origin, Sec-Fetch-Site or Referer. Clients that send none of the three, such as
// curl, are not browsers at the mercy of another site, and pass.
type siteGuard struct {
	port  string          // the port the server listens on
	names map[string]bool // the host names and IP addresses it answers to, in lower case
	anyIP bool            // it listens on every interface: any IP address names it
	home  string          // the page's address, for messages
}

// newSiteGuard is the guard of a server that listens at bound, asked for with --addr host.
// It answers to the loopback names (localhost, 127.0.0.1, [::1], ...), to host and to the
// address bound, all at the bound port; listening on every interface (0.0.0.0, [::] or
// no host), it answers to any IP address too, since a page reached by address, not by
// name, is the server's own.
func newSiteGuard(host string, bound net.Addr) *siteGuard {
	ip, port, _ := net.SplitHostPort(bound.String())
	g := &siteGuard{port: port, names: map[string]bool{"localhost": true}}
	for _, h := range []string{host, ip} {
		if h != "" {
			g.names[strings.ToLower(h)] = true
		}
	}
	homeHost := host
	if addr := net.ParseIP(ip); addr != nil && addr.IsUnspecified() {
		g.anyIP = true
		if addr := net.ParseIP(host); host == "" || addr != nil && addr.IsUnspecified() {
			homeHost = "127.0.0.1"
		}
	}
	g.home = "http://" + net.JoinHostPort(homeHost, port) + "/"
	return g
}

// allows says whether hostport, a Host header, names this server.
func (g *siteGuard) allows(hostport string) bool { return g.named(hostport, g.anyIP) }

// named says whether hostport names this server: one of its names or a loopback address
// at its port, or, with anyIP, any address at its port.
func (g *siteGuard) named(hostport string, anyIP bool) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: the scheme's, 80 for http; an IPv6 address keeps its brackets.
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), "80"
	}
	if port != g.port || host == "" {
		return false
	}
	host = strings.ToLower(host)
	if g.names[host] {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || anyIP)
}

// check says why r is refused, or returns nil.
func (g *siteGuard) check(r *http.Request) error {
	if !g.allows(r.Host) {
		return &requestError{http.StatusMisdirectedRequest, fmt.Sprintf("serve: Host %q is not this server's address; it answers at %s (other names are refused, so that another site cannot reach it through DNS rebinding)", r.Host, g.home)}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		// They change nothing, and another site's page cannot read their answers.
		return nil
	}
	// The page's own requests come from the origin it was loaded from: the Host they are
	// sent to, or another of the server's names. Bound to 0.0.0.0, the Host check takes
	// every IP address, but an origin at another IP is another site's page.
	ours := func(u string) bool {
		p, err := url.Parse(u)
		return err == nil && p.Scheme == "http" && (strings.EqualFold(p.Host, r.Host) || g.named(p.Host, false))
	}
	// Browsers say where a request comes from by Origin; those from before 2020 send it
	// only across sites, with Sec-Fetch-Site (since 2023) or Referer to fall back on.
	var from string
	if o := r.Header.Get("Origin"); o != "" {
		if !ours(o) {
			from = o + ", another site,"
		}
	} else if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site != "same-origin" && site != "none" {
			from = "a page of another site (Sec-Fetch-Site: " + site + ")"
		}
	} else if ref := r.Header.Get("Referer"); ref != "" && !ours(ref) {
		from = ref + ", another site,"
	}
	if from != "" {
		return &requestError{http.StatusForbidden, fmt.Sprintf("serve: a %s request from %s is refused: only the page at %s may send one", r.Method, from, g.home)}
	}
	return nil
}

// Handler answers the requests that check refuses with its reason, and passes the others to h.
func (g *siteGuard) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.check(r); err != nil {
			fail(w, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// filesOnly is a file system whose folders cannot be opened, so that a file server of it
// lists none.
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}

// securityHeaders keeps the page from being framed or loading anything from elsewhere.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func (s *explorer) index(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := s.page.Execute(&buf, map[string]any{
		"MelodyModel":   s.melody.Meta.Model,
		"DigitModel":    s.digitModelName(),
		"DigitNote":     s.digitNote,
		"MaxUpload":     s.maxUpload,
		"MaxUploadSize": sizeLabel(s.maxUpload),
		"Steps":         serveDefaultSteps,
		"MinQPM":        serveMinQPM,
		"MaxQPM":        serveMaxQPM,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

func (s *explorer) digitModelName() string {
	if s.digits == nil {
		return ""
	}
	return s.digits.Meta.Model
}

// Limits on what one request may ask for.
const (
	serveDefaultSteps = 9
	serveMaxSteps     = 33
	serveMaxSamples   = 16
	serveMaxTemp      = 2
	serveMapCells     = 16
)

// serveMinQPM and serveMaxQPM bound the tempo everywhere in the page: the tempo control,
// every call that takes a qpm, and an upload's tempo (moved into the range when the file
// says more or less). They are the tempos midi.WriteMelodies writes, so that every
// tempo the page plays downloads as MIDI too.
const (
	serveMinQPM = midi.MinQPM
	serveMaxQPM = midi.MaxQPM
)

// melodyJSON is a melody as the page sees it: its classes (what the other calls take back),
// its notes with scientific pitch names, and its step grid for reading.
type melodyJSON struct {
	Name    string     `json:"name"`
	Classes string     `json:"classes"`
	QPM     float64    `json:"qpm"`
	Notes   []noteJSON `json:"notes"`
	Grid    string     `json:"grid"`
	Where   string     `json:"where,omitempty"`
}

// noteJSON is a note: its pitch, named in scientific pitch, and its steps [start, end).
type noteJSON struct {
	Pitch int    `json:"pitch"`
	Name  string `json:"name"`
	Steps [2]int `json:"steps"`
}

func melodyView(name string, m midi.Melody, qpm float64) melodyJSON {
	v := melodyJSON{Name: name, Classes: formatClasses(m), QPM: qpm, Grid: m.String(), Notes: []noteJSON{}}
	for _, n := range m.Notes() {
		v.Notes = append(v.Notes, noteJSON{Pitch: n.Pitch, Name: midi.PitchName(n.Pitch), Steps: [2]int{n.Start, n.End}})
	}
	return v
}

func formatClasses(m midi.Melody) string {
	var b strings.Builder
	for i, c := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c))
	}
	return b.String()
}

// parseClasses reads a melody of the model's window length from a request.
func parseClasses(s string) (midi.Melody, error) {
	fields := strings.Split(s, ",")
	if len(fields) != midi.WindowSteps {
		return nil, fmt.Errorf("a melody has %d steps (classes 0–%d separated by commas), not %d", midi.WindowSteps, midi.NumClasses-1, len(fields))
	}
	m := make(midi.Melody, len(fields))
	for i, f := range fields {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("step %d: %q is not a class number", i+1, f)
		}
		m[i] = c
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// requestError is a problem with what the page sent; the page shows its message.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &requestError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// fail answers with the error as JSON {"error": ...}: the request's fault (4xx) with its
// message, anything else as a server error.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var re *requestError
	if errors.As(err, &re) {
		status = re.status
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func (s *explorer) examples(w http.ResponseWriter, r *http.Request) {
	var out []melodyJSON
	for _, t := range exampleTunes {
		out = append(out, melodyView(t.name, t.melody(), t.qpm))
	}
	writeJSON(w, out)
}

// upload reads a MIDI file from a multipart form (field "file"; "track" and "bar" as the
// command line's --track and --bar) into its 2-bar window.
func (s *explorer) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+64<<10)
	v, err := s.readUpload(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, v)
}

// uploadForm is what an upload's form holds.
type uploadForm struct {
	name, track, bar string
	data             []byte // the file, read whole: midi.Read would read it whole anyway
}

// readUploadForm reads the form part by part, in memory: unlike r.FormFile, which keeps
// parts over 32 MB in temporary files, it writes nothing to disk, so that nothing can be
// left behind there, not even by a SIGKILL.
func (s *explorer) readUploadForm(r *http.Request) (uploadForm, error) {
	var f uploadForm
	tooBig := func(what string) error {
		return &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is larger than the %s this page accepts", what, sizeLabel(s.maxUpload))}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, badRequest("no MIDI file in the upload: %v", err)
	}
	haveFile := false
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return f, tooBig("the upload")
		case err == io.EOF && !haveFile:
			return f, badRequest("no MIDI file in the upload: no field \"file\"")
		case err == io.EOF:
			return f, nil
		case err != nil:
			return f, badRequest("the upload is not a well-formed multipart form: %v", err)
		}
		field, limit := part.FormName(), int64(1<<10)
		if field == "file" {
			limit = s.maxUpload
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		part.Close()
		switch {
		case errors.As(err, &mbe):
			return f, tooBig("the upload")
		case err != nil:
			return f, badRequest("the upload is not a well-formed multipart form: %v", err)
		case int64(len(b)) > limit && field == "file":
			return f, tooBig(uploadName(part.FileName()))
		case int64(len(b)) > limit:
			return f, badRequest("field %q is longer than %d bytes", field, limit)
		}
		switch field {
		case "file":
			if haveFile {
				return f, badRequest("the upload holds more than one file; send one at a time")
			}
			haveFile, f.name, f.data = true, uploadName(part.FileName()), b
		case "track":
			f.track = string(b)
		case "bar":
			f.bar = string(b)
		}
	}
}

// uploadName is the name an upload is shown by: its own, without any folders.
func uploadName(name string) string {
	name = filepath.Base(name)
	if name == "." || name == "/" || name == "" {
		return "upload.mid"
	}
	return name
}

func (s *explorer) readUpload(r *http.Request) (melodyJSON, error) {
	form, err := s.readUploadForm(r)
	if err != nil {
		return melodyJSON{}, err
	}
	bar := 0
	if b := form.bar; b != "" {
		if bar, err = strconv.Atoi(b); err != nil || bar < 1 {
			return melodyJSON{}, badRequest("bar %q: want a bar number from 1", b)
		}
	}
	in, err := s.melody.Domain.Read(bytes.NewReader(form.data), form.name, domain.ReadOptions{Track: form.track, Bar: bar})
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "--track ", "track ")
		msg = strings.ReplaceAll(msg, "--bar ", "bar ")
		return melodyJSON{}, badRequest("%s", msg)
	}
	// The page posts the window back to be encoded: refuse one the model cannot read (a
	// waltz's 24 steps, for a model of 4/4 windows) now, saying why.
	s.mu.Lock()
	_, _, err = s.melody.Encode([]domain.Example{in})
	s.mu.Unlock()
	if err != nil {
		return melodyJSON{}, badRequest("%s", strings.ReplaceAll(err.Error(), "(mel2-meters) read it", "(mel2-meters, musae serve --melody-model mel2-meters) read it"))
	}
	// midi.Read has brought the file's tempo within serveMinQPM..serveMaxQPM, and Where
	// carries its warning when it had to.
	qpm := in.QPM
	if math.IsNaN(qpm) {
		qpm = midi.DefaultQPM
	}
	v := melodyView(withExt(form.name, ""), in.Value.(midi.Melody), qpm)
	v.Where = in.Where
	return v, nil
}

// sizeLabel writes a size in bytes for people: 1 MiB, 64 KiB, 1.5 MiB, 900 bytes.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', -1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// query reads the request's numeric parameters, each with a default and bounds.
type query struct {
	r   *http.Request
	err error
}

func (q *query) float(name string, def, lo, hi float64) float64 {
	s := q.r.FormValue(name)
	if s == "" || q.err != nil {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		q.err = badRequest("%s %q: want a number from %g to %g", name, s, lo, hi)
		return def
	}
	return v
}

func (q *query) int(name string, def, lo, hi int) int {
	return int(q.float(name, float64(def), float64(lo), float64(hi)))
}

func (q *query) melody(name string) midi.Melody {
	if q.err != nil {
		return nil
	}
	m, err := parseClasses(q.r.FormValue(name))
	if err != nil {
		q.err = badRequest("melody %s: %v", name, err)
	}
	return m
}

// interpolate encodes melodies a and b, interpolates between their posterior means and
// decodes each step, as `musae interpolate` does.
func (s *explorer) interpolate(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	a, b := q.melody("a"), q.melody("b")
	steps := q.int("steps", serveDefaultSteps, 2, serveMaxSteps)
	temp := q.float("temperature", 0, 0, serveMaxTemp)
	seed := uint64(q.int("seed", 1, 0, math.MaxInt32))
	qpm := q.float("qpm", midi.DefaultQPM, serveMinQPM, serveMaxQPM)
	mode := r.FormValue("mode")
	if mode == "" {
		mode = "slerp"
	}
	if q.err != nil {
		fail(w, q.err)
		return
	}
	s.mu.Lock()
	mu, _ := encodeMelodies(s.melody, []midi.Melody{a, b})
	zs, err := latent.Interpolate(mu[0], mu[1], steps, mode)
	var mels []midi.Melody
	if err == nil {
		mels = decodeMelodies(s.melody, zs, temp, rand.New(rand.NewPCG(seed, 0x696e74)))
	}
	s.mu.Unlock()
	if err != nil {
		fail(w, badRequest("%v", err))
		return
	}
	var all []image.RollNote
	out := struct {
		Steps  []melodyJSON `json:"steps"`
		Range  [2]int       `json:"range"`
		Inputs []melodyJSON `json:"inputs"`
	}{Inputs: []melodyJSON{melodyView("A", a, qpm), melodyView("B", b, qpm)}}
	for i, m := range mels {
		out.Steps = append(out.Steps, melodyView(fmt.Sprintf("step %d of %d", i+1, len(mels)), m, qpm))
		all = append(all, rollNotes(m)...)
	}
	for _, m := range []midi.Melody{a, b} {
		all = append(all, rollNotes(m)...)
	}
	out.Range[0], out.Range[1] = image.RollRange(all)
	writeJSON(w, out)
}

func rollNotes(m midi.Melody) []image.RollNote {
	var ns []image.RollNote
	for _, n := range m.Notes() {
		ns = append(ns, image.RollNote{Pitch: n.Pitch, Start: n.Start, End: n.End})
	}
	return ns
}

func (s *explorer) sample(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	n := q.int("n", 4, 1, serveMaxSamples)
	temp := q.float("temperature", 0.5, 0, serveMaxTemp)
	seed := uint64(q.int("seed", 1, 0, math.MaxInt32))
	if q.err != nil {
		fail(w, q.err)
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0x73616d))
	s.mu.Lock()
	mels := decodeMelodies(s.melody, latent.SamplePrior(n, s.melody.VAE.Z, 1, rng), temp, rng)
	s.mu.Unlock()
	out := []melodyJSON{}
	for i, m := range mels {
		out = append(out, melodyView(fmt.Sprintf("sample %d (seed %d, T %g)", i+1, seed, temp), m, midi.DefaultQPM))
	}
	writeJSON(w, out)
}

// roll draws melody m as a piano roll, over pitches lo..hi when given.
func (s *explorer) roll(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	m := q.melody("m")
	lo := q.int("lo", -1, 0, 127)
	hi := q.int("hi", -1, 0, 127)
	if q.err == nil && (lo < 0) != (hi < 0) || hi < lo {
		q.err = badRequest("lo and hi: give both, lo ≤ hi")
	}
	if q.err != nil {
		fail(w, q.err)
		return
	}
	notes := rollNotes(m)
	if lo < 0 {
		lo, hi = image.RollRange(notes)
	}
	var buf bytes.Buffer
	if err := image.EncodePNG(&buf, image.PianoRollRange(notes, len(m), midi.StepsPerBar, 1, lo, hi)); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(buf.Bytes())
}

// melodyFormats are the files a melody is offered as: its media type, and whether the
// page downloads it (rather than plays or shows it).
var melodyFormats = map[string]struct {
	mime     string
	download bool
}{
	"wav":      {"audio/wav", false},
	"mid":      {"audio/midi", true},
	"musicxml": {"application/vnd.recordare.musicxml+xml", true},
	"abc":      {"text/vnd.abc; charset=utf-8", true},
}

// melodyFile writes melody m at qpm as a WAV (for the page's audio), or for download as
// MIDI, MusicXML or ABC, under the name given.
func (s *explorer) melodyFile(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	kind, ok := melodyFormats[format]
	if !ok {
		fail(w, &requestError{http.StatusNotFound, fmt.Sprintf("no format %q: wav, mid, musicxml or abc", format)})
		return
	}
	q := &query{r: r}
	m := q.melody("m")
	qpm := q.float("qpm", midi.DefaultQPM, serveMinQPM, serveMaxQPM)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	name := safeFileName(r.FormValue("name"))
	var buf bytes.Buffer
	var err error
	switch format {
	case "wav":
		var a *midi.Audio
		if a, err = midi.MelodyAudio(qpm, midi.RenderOptions{}, m); err == nil {
			err = a.WriteWAV(r.Context(), &buf)
		}
	case "mid":
		err = midi.WriteMelodies(&buf, qpm, m)
	case "musicxml", "abc":
		var b []byte
		key := midi.EstimateKey(m) // spelled in the key its notes suggest
		opt := midi.NotationOptions{Title: r.FormValue("name"), QPM: qpm, Key: &key}
		if format == "abc" {
			b, err = m.ABC(opt)
		} else {
			b, err = m.MusicXML(opt)
		}
		buf.Write(b)
	}
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", kind.mime)
	w.Header().Set("Cache-Control", "max-age=3600")
	if kind.download {
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+format))
	}
	// ServeContent answers the range requests with which browsers fetch audio.
	http.ServeContent(w, r, name+"."+format, time.Time{}, bytes.NewReader(buf.Bytes()))
}

// safeFileName keeps letters, digits, '-' and '_' of a name offered for download.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "melody"
	}
	return b.String()
}

func (s *explorer) noDigits(w http.ResponseWriter) bool {
	if s.digits == nil {
		fail(w, &requestError{http.StatusNotFound, s.digitNote})
		return true
	}
	return false
}

// digitMap draws the digit model's decodings over its latent plane (image.Manifold).
func (s *explorer) digitMap(w http.ResponseWriter, r *http.Request) {
	if s.noDigits(w) {
		return
	}
	// The map never changes while the server runs: draw it once.
	s.mu.Lock()
	if s.digitPNG == nil {
		img := image.Manifold(func(z [][]float32) [][]float32 { return s.decodeDigits(z) }, serveMapCells, digitRows, digitCols)
		var buf bytes.Buffer
		if err := image.EncodePNG(&buf, img); err != nil {
			s.mu.Unlock()
			fail(w, err)
			return
		}
		s.digitPNG = buf.Bytes()
	}
	png := s.digitPNG
	s.mu.Unlock()
	// Not cached by the browser: another run of the server may serve another model at
	// this address.
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// mapLatent turns a place on the map, x and y from 0 to 1 across and down the picture,
// into the latent point there: the map's cell centres sit at the normal quantiles that
// image.ManifoldZ gives them, and between and beyond them the quantile follows linearly.
func mapLatent(x, y float64, n int) []float32 {
	at := func(f float64) float64 {
		c := f*float64(n) - 0.5 // in cells, 0 at the first centre
		p := 0.05 + 0.9*c/float64(n-1)
		return image.NormalQuantile(min(max(p, 0.001), 0.999))
	}
	return []float32{float32(at(x)), float32(at(1 - y))}
}

// digitAt decodes the digit at a place on the map: {"z": [z0, z1], "png": data URL}.
func (s *explorer) digitAt(w http.ResponseWriter, r *http.Request) {
	if s.noDigits(w) {
		return
	}
	q := &query{r: r}
	x := q.float("x", 0.5, 0, 1)
	y := q.float("y", 0.5, 0, 1)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	z := mapLatent(x, y, serveMapCells)
	s.mu.Lock()
	pix := s.decodeDigits([][]float32{z})[0]
	s.mu.Unlock()
	var buf bytes.Buffer
	if err := image.EncodePNG(&buf, image.Upscale(image.ToGray(pix, digitRows, digitCols), 4)); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, map[string]any{
		"z":   z,
		"png": "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	})
}

// The digit map's pictures are MNIST's size; a model of pictures of another size draws
// no map.
const digitRows, digitCols = 28, 28

func isDigitSize(p domain.Pictures) bool {
	rows, cols := p.Size()
	return rows == digitRows && cols == digitCols
}

// openMelodyModel opens the page's melody model: ref, or the default model of the first
// domain that plays in time. Its domain must decode to midi.Melody.
func openMelodyModel(reg *domain.Registry, ref string) (*domain.Model, error) {
	name := ""
	if ref == "" {
		for _, d := range reg.Domains() {
			if isTimed(d) {
				name = d.Info().Name
				break
			}
		}
	}
	m, err := reg.Open(ref, name)
	if err != nil {
		return nil, err
	}
	xs, err := m.Decode([][]float32{make([]float32, m.VAE.Z)}, 0, nil)
	if err != nil {
		return nil, err
	}
	if _, ok := xs[0].Value.(midi.Melody); !ok || !isTimed(m.Domain) {
		return nil, fmt.Errorf("serve: %s is a %s model, not a melody one", m.Meta.Model, m.Meta.Domain)
	}
	return m, nil
}

// encodeMelodies returns the posterior means and log-variances of melodies.
func encodeMelodies(m *domain.Model, ms []midi.Melody) (mu, logvar [][]float32) {
	xs := make([]domain.Example, len(ms))
	for i, mel := range ms {
		xs[i] = domain.Example{Value: mel}
	}
	mu, logvar, err := m.Encode(xs)
	if err != nil {
		panic(err) // openMelodyModel saw that the model reads melodies
	}
	return mu, logvar
}

// decodeMelodies decodes latent vectors to melodies, greedily at temperature 0.
func decodeMelodies(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) []midi.Melody {
	xs, err := m.Decode(zs, temperature, rng)
	if err != nil {
		panic(err) // openMelodyModel saw that the model decodes melodies
	}
	out := make([]midi.Melody, len(xs))
	for i, x := range xs {
		out[i] = x.Value.(midi.Melody)
	}
	return out
}

// decodeDigits decodes latent vectors of the digit model to pictures.
func (s *explorer) decodeDigits(zs [][]float32) [][]float32 {
	ps, err := decodePictures(context.Background(), s.digits, zs)
	if err != nil {
		panic(err) // newExplorer saw that the model decodes pictures
	}
	return ps
}

// exampleTune is a built-in two-bar melody to start from: notes as pitch (−1 for a rest)
// and length in sixteenths, filling 32 steps.
type exampleTune struct {
	name  string
	qpm   float64
	notes [][2]int
}

func (t exampleTune) melody() midi.Melody {
	m := make(midi.Melody, 0, midi.WindowSteps)
	for _, n := range t.notes {
		first := midi.NoteOff
		if n[0] >= 0 {
			first = midi.NoteOnClass(n[0])
		}
		m = append(m, first)
		for range n[1] - 1 {
			m = append(m, midi.NoEvent)
		}
	}
	if len(m) != midi.WindowSteps {
		panic(fmt.Sprintf("example %q has %d steps", t.name, len(m)))
	}
	return m.Canonical()
}

// exampleTunes are the openings of public-domain tunes, in C.
var exampleTunes = []exampleTune{
	{"Ode to Joy", 120, [][2]int{{64, 4}, {64, 4}, {65, 4}, {67, 4}, {67, 4}, {65, 4}, {64, 4}, {62, 4}}},
	{"Twinkle, Twinkle", 110, [][2]int{{60, 4}, {60, 4}, {67, 4}, {67, 4}, {69, 4}, {69, 4}, {67, 8}}},
	{"Frère Jacques", 120, [][2]int{{60, 4}, {62, 4}, {64, 4}, {60, 4}, {60, 4}, {62, 4}, {64, 4}, {60, 4}}},
	{"Au clair de la lune", 100, [][2]int{{60, 4}, {60, 4}, {60, 4}, {62, 4}, {64, 8}, {62, 8}}},
	{"When the Saints", 120, [][2]int{{-1, 4}, {60, 4}, {64, 4}, {65, 4}, {67, 14}, {-1, 2}}},
	{"Mary Had a Little Lamb", 120, [][2]int{{64, 3}, {62, 1}, {60, 2}, {62, 2}, {64, 2}, {64, 2}, {64, 4}, {62, 2}, {62, 2}, {62, 4}, {64, 2}, {67, 2}, {67, 4}}},
	{"Scale up and down", 120, [][2]int{{60, 2}, {62, 2}, {64, 2}, {65, 2}, {67, 2}, {69, 2}, {71, 2}, {72, 2}, {71, 2}, {69, 2}, {67, 2}, {65, 2}, {64, 2}, {62, 2}, {60, 4}}},
}
