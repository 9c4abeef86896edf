package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/latent/domain"
)

//go:embed web
var webFiles embed.FS

type serveOptions struct {
	Addr string
	// Models are checkpoints (or built-in names) offered besides the built-in models.
	Models    []string
	MaxUpload int64
}

func newServeCmd(reg *domain.Registry, runF func(*serveOptions) error) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--model CHECKPOINT]...",
		Short: "Explore every model in the browser: morph, sample, attribute sliders, a 4-corner palette, MIDI out",
		Long: `Serve a local web page for exploring the models: every built-in model (and each --model
checkpoint), of every domain, chosen from a menu. For each:

  - pick inputs (built-in tunes and beats, your own files, or samples from the prior) and
    drag a slider through the interpolation between two of them;
  - move an input along its attribute vectors (note density, pitch, syncopation, ...) with
    sliders, and hear the result as you drag;
  - blend four inputs at the corners of a palette grid, and click a cell to hear it;
  - play any result, send it to a MIDI output port (the browser's Web MIDI, so that a DAW
    listening on a virtual port receives it), or download it (MIDI, MusicXML, ABC, PNG);
  - for a picture model with a 2-D latent, click in its latent map.

Each domain shows its examples through domain.Viewer (a piano roll, a drum grid, a
picture) and sounds through domain.Timed; a new domain appears in the menu with no change
here. Requests for different models never wait on one another.

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
	f.StringArrayVar(&o.Models, "model", nil, "a checkpoint to offer besides the built-in models (repeatable); its attribute vectors, for the sliders, are read from NAME.attributes.json beside NAME.safetensors when there is one (musae attribute compute -o ...)")
	f.Int64Var(&o.MaxUpload, "max-upload", 1<<20, "largest uploaded file accepted, in bytes")
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
	} else if domain.IsInputError(err) {
		status = http.StatusBadRequest // what was asked for cannot be done (mel2-chords without chords)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
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
	s := q.r.URL.Query().Get(name)
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
		return "musae"
	}
	return b.String()
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
