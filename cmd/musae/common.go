package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"musae/image"
	"musae/latent/domain"
)

// batchSize is how many examples the verbs encode, decode or score at a time: the memory
// stays that of one batch however many there are, and Ctrl-C is seen between batches,
// a fraction of a second apart even for the conv models on a busy machine.
const batchSize = domain.BatchSize

// isTerminal reports whether w is a terminal, where progress bars belong.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// addTemperatureFlag registers --temperature for a verb that decodes melodies greedily
// unless told otherwise.
func addTemperatureFlag(f *pflag.FlagSet, t *float64) {
	f.Float64Var(t, "temperature", 0, "melodies: 0 decodes greedily; above 0 samples")
}

// checkTemperature validates a --temperature value.
func checkTemperature(t float64) error {
	if t < 0 {
		return usagef("--temperature must not be negative")
	}
	return nil
}

// plotLog draws the curves of a training log (models.LogColumns) into a PNG.
func plotLog(csvPath, pngPath string) error {
	f, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("read %s: %w", csvPath, err)
	}
	if len(rows) < 2 {
		return nil
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	series := map[string]*image.Series{}
	order := []string{"train loss", "train reconstruction", "train kl", "validation loss"}
	for _, name := range order {
		series[name] = &image.Series{Name: name}
	}
	for _, r := range rows[1:] {
		x, _ := strconv.ParseFloat(r[col["step"]], 64)
		for _, term := range []string{"loss", "reconstruction", "kl"} {
			s := series[r[col["split"]]+" "+term]
			if s == nil {
				continue
			}
			y, err := strconv.ParseFloat(r[col[term]], 64)
			if err != nil {
				continue
			}
			s.X, s.Y = append(s.X, x), append(s.Y, y)
		}
	}
	var list []image.Series
	for _, name := range order {
		if len(series[name].X) > 0 {
			list = append(list, *series[name])
		}
	}
	return image.LossCurves(pngPath, list, "training", "step")
}

// withExt replaces the extension of path with ext.
func withExt(path, ext string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ext
}

// clockTime writes seconds as minutes and seconds to a tenth, 3:07.5, with hours from
// an hour on, 2:00:00.0.
func clockTime(secs float64) string {
	m := int(secs) / 60
	if m >= 60 {
		return fmt.Sprintf("%d:%02d:%04.1f", m/60, m%60, secs-float64(m*60))
	}
	return fmt.Sprintf("%d:%04.1f", m, secs-float64(m*60))
}

// optionalFloat is a float flag whose default depends on what is known only later (the
// domain): its help shows no "(default X)" of its own, so that the one default the usage
// text names is the true one; a sentinel such as -1 would show as "(default -1)".
type optionalFloat struct {
	v   float64
	set bool
}

func (f *optionalFloat) String() string {
	if !f.set {
		return ""
	}
	return strconv.FormatFloat(f.v, 'g', -1, 64)
}

func (f *optionalFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	f.v, f.set = v, true
	return nil
}

func (f *optionalFloat) Type() string { return "float" }

// or returns the flag's value, or d when it was not given.
func (f optionalFloat) or(d float64) float64 {
	if !f.set {
		return d
	}
	return f.v
}
