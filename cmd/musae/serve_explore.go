package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"musae/image"
	"musae/latent"
	"musae/latent/domain"
	"musae/midi"
)

// explorer is the web page's server: the models it offers and the handlers. A model is not
// safe for concurrent use, so every call into one holds that model's lock, and only its:
// requests for different models run side by side.
type explorer struct {
	models    []*servedModel // in the menu's order: by domain, as the registry lists them
	maxUpload int64
	page      *template.Template
	// conditions says what a model's decoder is conditioned on (chords, a meter); see
	// modelConditions.
	conditions func(*domain.Model) []conditionJSON
}

// servedModel is a model the page offers, with its own lock.
type servedModel struct {
	id    string // what the page calls it: the built-in name, or the checkpoint's file name
	mu    sync.Mutex
	m     *domain.Model
	attrs *latent.Attributes // nil when there are none to slide along
	png   []byte             // the latent map, drawn on its first request; under mu
}

func newExplorer(reg *domain.Registry, o *serveOptions) (*explorer, error) {
	s := &explorer{maxUpload: o.MaxUpload, conditions: modelConditions}
	order := map[string]int{}
	for i, name := range reg.Names() {
		order[name] = i
	}
	seen := map[string]bool{}
	add := func(ref string, builtin bool) error {
		m, err := reg.Open(ref, "")
		if err != nil {
			return err
		}
		if m.Meta.Task != "" { // a model of a task restores inputs; the page explores VAEs
			if builtin {
				return nil
			}
			return fmt.Errorf("serve: %s is a %s model, which restores inputs rather than exploring a latent space (run musae %s)", ref, m.Meta.Task, m.Meta.Task)
		}
		id := ref
		if !builtin {
			id = strings.TrimSuffix(filepath.Base(ref), filepath.Ext(ref))
		}
		for base, k := id, 2; seen[id]; k++ {
			id = fmt.Sprintf("%s-%d", base, k)
		}
		seen[id] = true
		sm := &servedModel{id: id, m: m}
		if builtin {
			sm.attrs, err = reg.BuiltinAttributes(ref)
		} else {
			sm.attrs, err = attributesBeside(ref)
		}
		if err != nil {
			return err
		}
		if sm.attrs != nil {
			if err := sm.attrs.CheckDim(m.Z()); err != nil {
				return fmt.Errorf("the attribute vectors of %s: %w", ref, err)
			}
		}
		s.models = append(s.models, sm)
		return nil
	}
	for _, name := range reg.Builtin() {
		if err := add(name, true); err != nil {
			return nil, err
		}
	}
	for _, ref := range o.Models {
		if reg.IsBuiltin(ref) {
			continue // served already
		}
		if err := add(ref, false); err != nil {
			return nil, err
		}
	}
	// By domain in the registry's order, each domain's default model first; the models
	// given with --model after the built-in ones of their domain.
	rank := func(sm *servedModel) int {
		if sm.m.Meta.Model == sm.m.Domain.Info().Models[0] {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(s.models, func(a, b *servedModel) int {
		if d := order[a.m.Meta.Domain] - order[b.m.Meta.Domain]; d != 0 {
			return d
		}
		return rank(a) - rank(b)
	})
	if len(s.models) == 0 {
		return nil, fmt.Errorf("serve: no models to serve: there are no built-in ones; give a checkpoint with --model")
	}
	var err error
	s.page, err = template.ParseFS(webFiles, "web/index.html")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// attributesBeside reads the attribute vectors beside a checkpoint, CHECKPOINT's name with
// .attributes.json for its extension (as built-in models keep theirs), or nil when there
// is no such file.
func attributesBeside(checkpoint string) (*latent.Attributes, error) {
	path := strings.TrimSuffix(checkpoint, filepath.Ext(checkpoint)) + ".attributes.json"
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := latent.ReadAttributes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func (s *explorer) describe() string {
	var ids []string
	for _, sm := range s.models {
		ids = append(ids, sm.id)
	}
	return "models " + strings.Join(ids, ", ")
}

// Handler routes the page, its assets and its API, for requests that guard lets through.
func (s *explorer) Handler(guard *siteGuard) http.Handler {
	mux := http.NewServeMux()
	// Only the files of web/static are served as they are: web/index.html is a template,
	// run by index, and folders are not listed.
	static, _ := fs.Sub(webFiles, "web/static")
	mux.HandleFunc("GET /{$}", s.index)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(filesOnly{static})))
	mux.HandleFunc("GET /api/models", s.listModels)
	mux.HandleFunc("GET /api/starters", s.withModel(s.starters))
	mux.HandleFunc("POST /api/upload", s.withModel(s.upload))
	mux.HandleFunc("GET /api/sample", s.withModel(s.sample))
	mux.HandleFunc("GET /api/interpolate", s.withModel(s.interpolate))
	mux.HandleFunc("GET /api/palette", s.withModel(s.palette))
	mux.HandleFunc("GET /api/attribute", s.withModel(s.attribute))
	mux.HandleFunc("GET /api/item", s.withModel(s.item))
	mux.HandleFunc("GET /api/audio", s.withModel(s.audio))
	mux.HandleFunc("GET /api/file/{format}", s.withModel(s.file))
	mux.HandleFunc("GET /api/map.png", s.withModel(s.latentMap))
	mux.HandleFunc("GET /api/map", s.withModel(s.mapAt))
	return securityHeaders(guard.Handler(mux))
}

func (s *explorer) index(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := s.page.Execute(&buf, map[string]any{
		"MaxUpload":     s.maxUpload,
		"MaxUploadSize": sizeLabel(s.maxUpload),
		"Steps":         serveDefaultSteps,
		"MaxSteps":      serveMaxSteps,
		"MaxSamples":    serveMaxSamples,
		"MinQPM":        serveMinQPM,
		"MaxQPM":        serveMaxQPM,
		"Models":        s.models,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// ID is the model's name in the page (for the template).
func (sm *servedModel) ID() string { return sm.id }

// Label names the model in the menu: "mel2-tiny (melodies)".
func (sm *servedModel) Label() string { return sm.id + " (" + sm.m.Domain.Info().Noun + ")" }

// Limits on what one request may ask for.
const (
	serveDefaultSteps = 9
	serveMaxSteps     = 33
	serveMaxSamples   = 16
	serveMaxPalette   = 9 // cells on a side
	serveMaxTemp      = 2
	serveMapCells     = 16
	serveMaxAmount    = 8  // the largest multiple of an attribute vector added
	serveMaxLatent    = 64 // the largest latent value a request may hold
)

// serveMinQPM and serveMaxQPM bound the tempo everywhere in the page: the tempo control,
// every call that takes a qpm, and an upload's tempo (moved into the range when the file
// says more or less). They are the tempos midi writes, so that every tempo the page plays
// downloads as MIDI too.
const (
	serveMinQPM = midi.MinQPM
	serveMaxQPM = midi.MaxQPM
)

// modelJSON is a model as the page's menu knows it: what its examples are, what it can do.
type modelJSON struct {
	ID         string          `json:"id"`
	Model      string          `json:"model"`
	Domain     string          `json:"domain"`
	Noun       string          `json:"noun"`
	About      string          `json:"about"`
	Z          int             `json:"z"`
	Timed      bool            `json:"timed"`   // its examples play: audio and MIDI
	Sampled    bool            `json:"sampled"` // it decodes at a temperature
	Temp       float64         `json:"temperature"`
	TempUse    string          `json:"temperatureUse"`
	Inputs     []string        `json:"inputs"`  // file extensions it reads
	Formats    []string        `json:"formats"` // those it writes, without the dot
	Attributes []string        `json:"attributes"`
	Conditions []conditionJSON `json:"conditions"`
	Map        bool            `json:"map"` // a picture model with a 2-D latent: a latent map
}

// conditionJSON is a condition a model's decoder takes, for which the page shows a field:
// its name in requests (cond.NAME=...), its label and an example value.
type conditionJSON struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Placeholder string `json:"placeholder"`
}

// modelConditions are the conditions m takes (domain.Model.Takes: a meter, chords), for
// each of which the page shows a labelled field (only for such models) and sends its value
// with every request of that model as cond.NAME; a request with a condition the model does
// not take is refused (checkConditions), and every item of the request is decoded under
// them (requestConditions; the model's defaults where a field is empty).
func modelConditions(m *domain.Model) []conditionJSON {
	var out []conditionJSON
	for _, c := range m.Takes() {
		ph := c.Default // what an empty field means
		if ph == "" {
			ph = c.Example
		}
		out = append(out, conditionJSON{Name: c.Name, Label: strings.ToUpper(c.Name[:1]) + c.Name[1:], Placeholder: ph})
	}
	return out
}

func (s *explorer) modelInfo(sm *servedModel) modelJSON {
	m := sm.m
	info := m.Domain.Info()
	mj := modelJSON{
		ID: sm.id, Model: m.Meta.Model, Domain: info.Name, Noun: info.Noun, About: m.String(), Z: m.Z(),
		Timed: isTimed(m.Domain), Sampled: isSampled(m.Domain), Temp: info.Temperature, TempUse: info.TemperatureUse,
		Inputs: info.Inputs, Attributes: []string{}, Conditions: s.conditions(m),
	}
	for _, ext := range info.Outputs {
		mj.Formats = append(mj.Formats, strings.TrimPrefix(ext, "."))
	}
	if sm.attrs != nil {
		mj.Attributes = sm.attrs.Names()
	}
	if mj.Conditions == nil {
		mj.Conditions = []conditionJSON{}
	}
	if p, ok := m.Domain.(domain.Pictures); ok && m.Z() == 2 {
		rows, cols := p.Size()
		mj.Map = rows*cols <= 64*64
	}
	return mj
}

func (s *explorer) listModels(w http.ResponseWriter, r *http.Request) {
	out := []modelJSON{}
	for _, sm := range s.models {
		out = append(out, s.modelInfo(sm))
	}
	writeJSON(w, out)
}

// withModel finds the model a request names (model=ID, in the URL: an upload's body is
// read by readUploadForm alone, in memory) for h.
func (s *explorer) withModel(h func(http.ResponseWriter, *http.Request, *servedModel)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("model")
		for _, sm := range s.models {
			if sm.id == id {
				if err := s.checkConditions(r, sm); err != nil {
					fail(w, err)
					return
				}
				h(w, r, sm)
				return
			}
		}
		var ids []string
		for _, sm := range s.models {
			ids = append(ids, sm.id)
		}
		fail(w, &requestError{http.StatusNotFound, fmt.Sprintf("no model %q: this page serves %s", id, strings.Join(ids, ", "))})
	}
}

// checkConditions refuses conditions (cond.NAME) that sm's model does not take.
func (s *explorer) checkConditions(r *http.Request, sm *servedModel) error {
	takes := map[string]bool{}
	for _, c := range s.conditions(sm.m) {
		takes[c.Name] = true
	}
	for k := range r.URL.Query() {
		if name, ok := strings.CutPrefix(k, "cond."); ok && !takes[name] {
			if len(takes) == 0 {
				return badRequest("%s takes no conditions, so %s cannot be given", sm.id, k)
			}
			return badRequest("%s takes no condition %q", sm.id, name)
		}
	}
	return nil
}

// itemJSON is an example as the page holds it: its name, how to decode it again (Ref,
// which every other call takes back), and how it looks.
type itemJSON struct {
	Name     string      `json:"name"`
	Where    string      `json:"where,omitempty"`
	Ref      string      `json:"ref"`
	QPM      float64     `json:"qpm,omitempty"` // an input's own tempo
	View     domain.View `json:"view"`
	Measures string      `json:"measures,omitempty"`
}

// ref is what an item is decoded from: a latent point, decoded at a temperature with
// its own seed. Its text form is the point's float32 values, little-endian, in
// unpadded URL-safe base64, then "~T~SEED" when T > 0: an item decodes the same way in
// every call (the page's view, its sound, its download), and the server keeps nothing.
type ref struct {
	z    []float32
	temp float64
	seed uint64
}

func (r ref) String() string {
	b := make([]byte, 4*len(r.z))
	for i, v := range r.z {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	s := base64.RawURLEncoding.EncodeToString(b)
	if r.temp > 0 {
		s += "~" + strconv.FormatFloat(r.temp, 'g', -1, 64) + "~" + strconv.FormatUint(r.seed, 10)
	}
	return s
}

// parseRef reads a ref of a model with latent size z.
func parseRef(s string, z int) (ref, error) {
	parts := strings.Split(s, "~")
	if len(parts) != 1 && len(parts) != 3 {
		return ref{}, fmt.Errorf("want a latent point, or one with ~TEMPERATURE~SEED")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || len(b) != 4*z {
		return ref{}, fmt.Errorf("want %d latent values (%d bytes in URL-safe base64), got %d bytes", z, 4*z, len(b))
	}
	r := ref{z: make([]float32, z)}
	for i := range r.z {
		v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(v)) || math.Abs(float64(v)) > serveMaxLatent {
			return ref{}, fmt.Errorf("latent value %d is %v; want a number from %d to %d", i+1, v, -serveMaxLatent, serveMaxLatent)
		}
		r.z[i] = v
	}
	if len(parts) == 3 {
		if r.temp, err = strconv.ParseFloat(parts[1], 64); err != nil || !(r.temp >= 0 && r.temp <= serveMaxTemp) {
			return ref{}, fmt.Errorf("temperature %q: want a number from 0 to %d", parts[1], serveMaxTemp)
		}
		if r.seed, err = strconv.ParseUint(parts[2], 10, 64); err != nil {
			return ref{}, fmt.Errorf("seed %q: want a whole number", parts[2])
		}
	}
	return r, nil
}

// ref reads the ref parameter called name.
func (q *query) ref(name string, sm *servedModel) ref {
	if q.err != nil {
		return ref{}
	}
	v := q.r.URL.Query().Get(name)
	if v == "" {
		q.err = badRequest("no %s: give the ref of an item", name)
		return ref{}
	}
	r, err := parseRef(v, sm.m.Z())
	if err != nil {
		q.err = badRequest("%s: %v", name, err)
	}
	return r
}

// temperature reads a decoding temperature for a model that decodes at one (0 for one
// that does not).
func (q *query) temperature(sm *servedModel, def float64) float64 {
	t := q.float("temperature", def, 0, serveMaxTemp)
	if !isSampled(sm.m.Domain) {
		return 0
	}
	return t
}

// requestConditions are the conditions a request gives (cond.NAME=VALUE, those with a
// value; checkConditions has refused those its model does not take): what it decodes
// under.
func requestConditions(r *http.Request) domain.Conditions {
	var out domain.Conditions
	for k, vs := range r.URL.Query() {
		if name, ok := strings.CutPrefix(k, "cond."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			if out == nil {
				out = domain.Conditions{}
			}
			out[name] = strings.TrimSpace(vs[0])
		}
	}
	return out
}

// decodeRef decodes the example r is under cond (nil: the model's defaults), holding only
// sm's lock.
func (sm *servedModel) decodeRef(cond domain.Conditions, r ref) (domain.Example, error) {
	var rng *rand.Rand
	if r.temp > 0 {
		rng = rand.New(rand.NewPCG(r.seed, 0x6578706c))
	}
	sm.mu.Lock()
	xs, err := sm.m.DecodeUnder([][]float32{r.z}, cond, r.temp, rng)
	sm.mu.Unlock()
	if err != nil {
		return domain.Example{}, err
	}
	return xs[0], nil
}

// decodeItems decodes refs to items named by name(i). The refs decoded greedily (at
// temperature 0) go in one batch, which gives what each gives alone (TestServeRefs); the
// others each draw from their own seed.
func (sm *servedModel) decodeItems(cond domain.Conditions, refs []ref, name func(i int) string) ([]itemJSON, error) {
	xs := make([]domain.Example, len(refs))
	var greedy [][]float32
	var at []int
	for i, r := range refs {
		if r.temp == 0 {
			greedy, at = append(greedy, r.z), append(at, i)
			continue
		}
		x, err := sm.decodeRef(cond, r)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	if len(greedy) > 0 {
		sm.mu.Lock()
		conds := make([]domain.Conditions, len(greedy))
		for i := range conds {
			conds[i] = cond
		}
		gs, err := sm.m.DecodeEachContext(context.Background(), greedy, conds, 0, nil)
		sm.mu.Unlock()
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			xs[i] = gs[k]
		}
	}
	out := make([]itemJSON, 0, len(refs))
	for i, x := range xs {
		it, err := sm.itemOf(x, refs[i])
		if err != nil {
			return nil, err
		}
		it.Name = name(i)
		out = append(out, it)
	}
	return out, nil
}

// itemOf is example x as an item that decodes from r.
func (sm *servedModel) itemOf(x domain.Example, r ref) (itemJSON, error) {
	v, err := viewOf(sm.m.Domain, x)
	if err != nil {
		return itemJSON{}, err
	}
	it := itemJSON{Ref: r.String(), View: v, Where: x.Where}
	if ms, ok := sm.m.Domain.(domain.Measurer); ok {
		it.Measures = ms.Describe(x)
	}
	return it, nil
}

// viewOf is how the page shows x: its domain's View, or for a domain that draws nothing,
// the text of its file when that is a line or a few of text.
func viewOf(d domain.Domain, x domain.Example) (domain.View, error) {
	if v, ok := d.(domain.Viewer); ok {
		return v.View(x)
	}
	var buf bytes.Buffer
	if err := d.Write(&buf, []domain.Example{x}, domain.Layout{}); err != nil {
		return domain.View{}, err
	}
	text := strings.TrimSpace(buf.String())
	if !utf8.ValidString(text) || len(text) > 400 || strings.ContainsFunc(text, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' }) {
		text = d.Info().OutputKind
	}
	return domain.View{Kind: domain.ViewText, Text: text}, nil
}

// encodeItems encodes examples (inputs) to items that show them as they are and decode
// from their posterior means: each under its own conditions, cond filling in those it
// lacks (domain.Model.EncodeUnder).
func (sm *servedModel) encodeItems(cond domain.Conditions, xs []domain.Example) ([]itemJSON, error) {
	sm.mu.Lock()
	mu, _, err := sm.m.EncodeUnder(context.Background(), xs, cond)
	sm.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]itemJSON, len(xs))
	for i, x := range xs {
		it, err := sm.itemOf(x, ref{z: mu[i]})
		if err != nil {
			return nil, err
		}
		it.Name, it.QPM = x.Source, x.QPM
		out[i] = it
	}
	return out, nil
}

// starters are the items to start from: the domain's own (domain.Starter), else samples.
func (s *explorer) starters(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	st, ok := sm.m.Domain.(domain.Starter)
	if !ok {
		info := sm.m.Domain.Info()
		items, err := sm.samples(requestConditions(r), 4, info.Temperature, 1)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, items)
		return
	}
	items, err := sm.encodeItems(requestConditions(r), st.Starters())
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items)
}

// samples draws n items from the prior with seed, as Domain.Sample does at temp: for a
// model that decodes at a temperature, points of the standard normal decoded at temp, each
// with a seed of its own; for one that does not, points of the normal scaled by temp.
func (sm *servedModel) samples(cond domain.Conditions, n int, temp float64, seed uint64) ([]itemJSON, error) {
	rng := rand.New(rand.NewPCG(seed, 0x73616d))
	refs := make([]ref, n)
	if isSampled(sm.m.Domain) {
		for i, z := range latent.SamplePrior(n, sm.m.Z(), 1, rng) {
			refs[i] = ref{z: z, temp: temp, seed: seed*serveMaxSamples + uint64(i)}
		}
	} else {
		for i, z := range latent.SamplePrior(n, sm.m.Z(), temp, rng) {
			refs[i] = ref{z: z}
		}
	}
	return sm.decodeItems(cond, refs, func(i int) string { return fmt.Sprintf("sample %d (seed %d, T %g)", i+1, seed, temp) })
}

func (s *explorer) sample(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	q := &query{r: r}
	n := q.int("n", 4, 1, serveMaxSamples)
	temp := q.float("temperature", sm.m.Domain.Info().Temperature, 0, serveMaxTemp)
	seed := uint64(q.int("seed", 1, 0, math.MaxInt32))
	if q.err != nil {
		fail(w, q.err)
		return
	}
	items, err := sm.samples(requestConditions(r), n, temp, seed)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items)
}

// upload reads a file from a multipart form (field "file"; "track" and "bar" as the
// command line's --track and --bar) into the example the model's domain reads from it.
func (s *explorer) upload(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+64<<10)
	form, err := s.readUploadForm(r)
	if err != nil {
		fail(w, err)
		return
	}
	bar := 0
	if b := form.bar; b != "" {
		if bar, err = strconv.Atoi(b); err != nil || bar < 1 {
			fail(w, badRequest("bar %q: want a bar number from 1", b))
			return
		}
	}
	x, err := sm.m.Domain.Read(bytes.NewReader(form.data), form.name, domain.ReadOptions{Track: form.track, Bar: bar})
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "--track ", "track ")
		msg = strings.ReplaceAll(msg, "--bar ", "bar ")
		fail(w, badRequest("%s", msg))
		return
	}
	// midi.Read has brought a file's tempo within serveMinQPM..serveMaxQPM, and Where
	// carries its warning when it had to.
	if math.IsNaN(x.QPM) || x.QPM <= 0 && isTimed(sm.m.Domain) {
		x.QPM = midi.DefaultQPM
	}
	x.Source = withExt(form.name, "")
	items, err := sm.encodeItems(requestConditions(r), []domain.Example{x})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items[0])
}

// interpolate interpolates between the latent points of items a and b, as `musae
// interpolate` does between its inputs' posterior means, and decodes each step.
func (s *explorer) interpolate(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	q := &query{r: r}
	a, b := q.ref("a", sm), q.ref("b", sm)
	steps := q.int("steps", serveDefaultSteps, 2, serveMaxSteps)
	temp := q.temperature(sm, 0)
	seed := uint64(q.int("seed", 1, 0, math.MaxInt32))
	mode := r.URL.Query().Get("mode")
	if mode == "" {
		mode = "slerp"
	}
	if q.err != nil {
		fail(w, q.err)
		return
	}
	zs, err := latent.Interpolate(a.z, b.z, steps, mode)
	if err != nil {
		fail(w, badRequest("%v", err))
		return
	}
	items, err := sm.decodeItems(requestConditions(r), derived(zs, temp, seed), func(i int) string { return fmt.Sprintf("step %d of %d", i+1, steps) })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items)
}

// derived are the refs of points a call computed, decoded at temp with seeds from seed.
func derived(zs [][]float32, temp float64, seed uint64) []ref {
	refs := make([]ref, len(zs))
	for i, z := range zs {
		refs[i] = ref{z: z}
		if temp > 0 {
			refs[i].temp, refs[i].seed = temp, seed*1000+uint64(i)
		}
	}
	return refs
}

// palette blends four items at the corners of an n×n grid (MusicVAE's 4-corner palette),
// bilinearly as magenta.js does (latent.Grid "lerp"), corners c0 top-left, c1 top-right,
// c2 bottom-left, c3 bottom-right; the cells come row by row from the top-left.
func (s *explorer) palette(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	q := &query{r: r}
	var corners [4][]float32
	for i := range corners {
		corners[i] = q.ref(fmt.Sprintf("c%d", i), sm).z
	}
	n := q.int("n", 5, 2, serveMaxPalette)
	temp := q.temperature(sm, 0)
	seed := uint64(q.int("seed", 1, 0, math.MaxInt32))
	if q.err != nil {
		fail(w, q.err)
		return
	}
	zs, err := latent.Grid(corners, n, n, "lerp")
	if err != nil {
		fail(w, badRequest("%v", err))
		return
	}
	items, err := sm.decodeItems(requestConditions(r), derived(zs, temp, seed), func(i int) string { return fmt.Sprintf("palette row %d, column %d", i/n+1, i%n+1) })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items)
}

// attribute moves item x along the model's attribute vectors, amount.NAME=A adding A
// times vector NAME to its latent point (as `musae attribute apply` adds to a posterior
// mean), and decodes the result at x's own temperature and seed.
func (s *explorer) attribute(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	q := &query{r: r}
	x, moves := q.moved("x", sm)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	items, err := sm.decodeItems(requestConditions(r), []ref{x}, func(int) string {
		if len(moves) == 0 {
			return "unchanged"
		}
		return strings.Join(moves, ", ")
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items[0])
}

// moved reads the ref called name moved by the request's amount.NAME parameters, and
// says what moved it ("density +1.5").
func (q *query) moved(name string, sm *servedModel) (ref, []string) {
	x := q.ref(name, sm)
	if q.err != nil {
		return x, nil
	}
	var moves []string
	params := q.r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(params)) {
		attr, ok := strings.CutPrefix(k, "amount.")
		if !ok {
			continue
		}
		if sm.attrs == nil {
			q.err = badRequest("%s has no attribute vectors", sm.id)
			return x, nil
		}
		v, err := sm.attrs.Vector(attr)
		if err != nil {
			q.err = badRequest("%s: %v", sm.id, err)
			return x, nil
		}
		if a := q.float(k, 0, -serveMaxAmount, serveMaxAmount); a != 0 && q.err == nil {
			x.z = latent.Add(x.z, latent.Scale(v, a))
			moves = append(moves, fmt.Sprintf("%s %+g", attr, a))
		}
	}
	return x, moves
}

// item decodes the item x.
func (s *explorer) item(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	q := &query{r: r}
	x := q.ref("x", sm)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	items, err := sm.decodeItems(requestConditions(r), []ref{x}, func(int) string { return safeFileName(r.URL.Query().Get("name")) })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items[0])
}

// audio plays item x at qpm, moved as attribute moves it (amount.NAME=A), so that the
// page can ask for a slider's sound and its view at once: a WAV of the domain's
// synthesiser (domain.Timed).
func (s *explorer) audio(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	timed, ok := sm.m.Domain.(domain.Timed)
	if !ok {
		fail(w, &requestError{http.StatusNotFound, fmt.Sprintf("%s are not heard: %s has no audio", sm.m.Domain.Info().Noun, sm.id)})
		return
	}
	q := &query{r: r}
	x, _ := q.moved("x", sm)
	qpm := q.float("qpm", midi.DefaultQPM, serveMinQPM, serveMaxQPM)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	ex, err := sm.decodeRef(requestConditions(r), x)
	if err != nil {
		fail(w, err)
		return
	}
	sound, err := timed.Audio([]domain.Example{ex}, qpm)
	if err != nil {
		fail(w, err)
		return
	}
	var buf bytes.Buffer
	if err := sound.WriteWAV(r.Context(), &buf); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "max-age=3600")
	http.ServeContent(w, r, "sound.wav", time.Time{}, bytes.NewReader(buf.Bytes()))
}

// fileTypes are the media types of the files the page offers for download, by extension.
var fileTypes = map[string]string{
	".mid":      "audio/midi",
	".midi":     "audio/midi",
	".musicxml": "application/vnd.recordare.musicxml+xml",
	".abc":      "text/vnd.abc; charset=utf-8",
	".png":      "image/png",
}

// file writes item x as a file of one of the domain's formats (Info.Outputs), at qpm,
// for download under the name given.
func (s *explorer) file(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	info := sm.m.Domain.Info()
	ext := "." + r.PathValue("format")
	if !slices.Contains(info.Outputs, ext) {
		fail(w, &requestError{http.StatusNotFound, fmt.Sprintf("no format %q: %s are written as %s", r.PathValue("format"), info.Noun, strings.Join(info.Outputs, ", "))})
		return
	}
	q := &query{r: r}
	x := q.ref("x", sm)
	qpm := q.float("qpm", midi.DefaultQPM, serveMinQPM, serveMaxQPM)
	if q.err != nil {
		fail(w, q.err)
		return
	}
	ex, err := sm.decodeRef(requestConditions(r), x)
	if err != nil {
		fail(w, err)
		return
	}
	name := safeFileName(r.URL.Query().Get("name"))
	var buf bytes.Buffer
	if err := sm.m.Domain.Write(&buf, []domain.Example{ex}, domain.Layout{QPM: qpm, Format: ext, Title: r.URL.Query().Get("name")}); err != nil {
		fail(w, err)
		return
	}
	mime, ok := fileTypes[ext]
	if !ok {
		mime = "application/octet-stream"
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+ext))
	http.ServeContent(w, r, name+ext, time.Time{}, bytes.NewReader(buf.Bytes()))
}

// noMap refuses a map of a model that has none.
func (s *explorer) noMap(w http.ResponseWriter, sm *servedModel) bool {
	if !s.modelInfo(sm).Map {
		fail(w, &requestError{http.StatusNotFound, fmt.Sprintf("%s has no latent map: that needs a picture model with a 2-D latent, and its latent is %d-D", sm.id, sm.m.Z())})
		return true
	}
	return false
}

// latentMap draws the model's decodings over its latent plane (image.Manifold).
func (s *explorer) latentMap(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	if s.noMap(w, sm) {
		return
	}
	rows, cols := sm.m.Domain.(domain.Pictures).Size()
	// The map never changes while the server runs: draw it once.
	sm.mu.Lock()
	if sm.png == nil {
		var derr error
		img := image.Manifold(func(z [][]float32) [][]float32 {
			ps, err := decodePictures(context.Background(), sm.m, z)
			if err != nil {
				derr = err
				return make([][]float32, len(z))
			}
			return ps
		}, serveMapCells, rows, cols)
		var buf bytes.Buffer
		if err := image.EncodePNG(&buf, img); err != nil || derr != nil {
			sm.mu.Unlock()
			fail(w, fmt.Errorf("serve: the map of %s: %w", sm.id, errors.Join(derr, err)))
			return
		}
		sm.png = buf.Bytes()
	}
	png := sm.png
	sm.mu.Unlock()
	// Not cached by the browser: another run of the server may serve another model at
	// this address under the same name.
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// mapAt is the item at a place on the map, x and y from 0 to 1 across and down.
func (s *explorer) mapAt(w http.ResponseWriter, r *http.Request, sm *servedModel) {
	if s.noMap(w, sm) {
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
	items, err := sm.decodeItems(requestConditions(r), []ref{{z: z}}, func(int) string { return fmt.Sprintf("z = (%.2f, %.2f)", z[0], z[1]) })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, items[0])
}
