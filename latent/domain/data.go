package domain

import "os"

// TrainedOn reports whether dir is the folder m was trained on (Meta.Data) by any path to
// it: relative, or through a link.
func (m *Model) TrainedOn(dir string) bool {
	if m.Meta.Data == "" {
		return false
	}
	a, errA := os.Stat(dir)
	b, errB := os.Stat(m.Meta.Data)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// DataTrack is the track to read from the MIDI files of dir: track where one is given,
// else the track m was trained on where dir is its training folder (TrainedOn), else ""
// (the domain's own choice).
func (m *Model) DataTrack(dir, track string) string {
	if track == "" && m.TrainedOn(dir) {
		return m.Meta.Track
	}
	return track
}

// EvalData is the data an Eval of a model scores.
type EvalData struct {
	Dir       string // DataOptions.Dir, or else the folder the model was trained on
	Split     string // DataOptions.Split, or else "validation": "validation", "train" or "all"
	Track     string // the track to read (Model.DataTrack)
	TrainedOn bool   // Dir is the folder the model was trained on
}

// EvalData resolves the data an Eval of m scores from o, the folder split into training
// and validation files as training splits it. It refuses, as input errors, no o.Dir where
// m's training folder is unknown or not here, and a split other than validation, train or
// all; what names the examples in those messages ("drums", "melodies"), of the domain
// ("--split "x": for grooves, ...").
func (m *Model) EvalData(o DataOptions, what, of string) (EvalData, error) {
	d := EvalData{Dir: o.Dir, Split: o.Split}
	if d.Dir == "" {
		if m.Meta.Data == "" {
			return d, Inputf("say which %s to score: --data DIR", what)
		}
		if _, err := os.Stat(m.Meta.Data); err != nil {
			return d, Inputf("%s was trained on %s, which is not here; say which %s to score: --data DIR", m.Meta.Model, m.Meta.Data, what)
		}
		d.Dir = m.Meta.Data
	}
	if d.Split == "" {
		d.Split = "validation"
	}
	switch d.Split {
	case "validation", "train", "all":
	default:
		return d, Inputf("--split %q: for %s, want validation, train or all", d.Split, of)
	}
	d.TrainedOn = m.TrainedOn(d.Dir)
	d.Track = m.DataTrack(d.Dir, o.Track)
	return d, nil
}
