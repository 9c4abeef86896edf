package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"musae/midi"
)

func TestDatasetsOptions(t *testing.T) {
	tests := []struct {
		argv    string
		sub     string
		want    datasetsOptions
		wantErr string
	}{
		{argv: "stats songs", sub: "stats", want: datasetsOptions{Dir: "songs", ValidationShare: 0.1, Bars: 2}},
		{argv: "stats songs --bars 16", sub: "stats", want: datasetsOptions{Dir: "songs", ValidationShare: 0.1, Bars: 16}},
		{argv: "stats songs --bars 0", wantErr: "--bars 0: want a window of 1 to 64 bars"},
		{argv: "stats songs --track MELODY --seed 7 --validation-share 0.2 --skipped --no-cache", sub: "stats",
			want: datasetsOptions{Dir: "songs", Track: "MELODY", Seed: 7, ValidationShare: 0.2, ListSkipped: true, NoCache: true, Bars: 2}},
		{argv: "export songs -o w.safetensors --any-meter --all-programs --align --cache-dir /tmp/c -t 1", sub: "export",
			want: datasetsOptions{Dir: "songs", Output: "w.safetensors", AnyMeter: true, AllPrograms: true, AlignGrid: true, CacheDir: "/tmp/c", Track: "1", ValidationShare: 0.1, Bars: 2}},
		{argv: "stats songs --own-meter", sub: "stats", want: datasetsOptions{Dir: "songs", ValidationShare: 0.1, OwnMeter: true, Bars: 2}},
		{argv: "export songs", wantErr: "export needs -o FILE.safetensors"},
		{argv: "stats", wantErr: "stats takes one folder, got 0 arguments"},
		{argv: "stats a b", wantErr: "got 2 arguments"},
		{argv: "stats a --validation-share 2", wantErr: "--validation-share 2"},
		{argv: "count a", wantErr: `unknown datasets command "count"`},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			var got *datasetsOptions
			var which string
			capture := func(name string) func(context.Context, *datasetsOptions, io.Writer, io.Writer) error {
				return func(_ context.Context, o *datasetsOptions, _, _ io.Writer) error { got, which = o, name; return nil }
			}
			cmd := newDatasetsCmdWith(capture("stats"), capture("export"))
			cmd.SetArgs(strings.Fields(tt.argv))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("error %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if which != tt.sub || *got != tt.want {
				t.Errorf("%s %+v, want %s %+v", which, *got, tt.sub, tt.want)
			}
		})
	}
}

func TestDatasetsRun(t *testing.T) {
	dir := t.TempDir()
	for i := range 12 {
		var m midi.Melody
		for j := range 16 { // four bars of quarter notes
			m = append(m, midi.NoteOnClass(55+i+j), 0, 0, 0)
		}
		if err := midi.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.mid", i)), 120, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.mid"), []byte("nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"datasets", "stats", dir, "--cache-dir", cache, "--validation-share", "0.25"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"files         13 MIDI files: 12 gave windows",
		"1 skipped",
		"windows       ",
		"pitch range   G3–A5",
		"note density  4.00 onsets per bar",
		"    1  not a readable MIDI file",
		"bad.mid: byte 0: not a Standard MIDI File (no MThd header)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stats output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "(0 of 13 files from the cache)") {
		t.Errorf("stderr %q does not report a cold load", errb.String())
	}
	// In their own meter: a waltz too, counted by meter.
	writeWaltz := func(name string) {
		var m midi.Melody
		for j := range 12 { // four bars of 3/4
			m = append(m, midi.NoteOnClass(60+j), 0, 0, 0)
		}
		if err := midi.WriteFileWith(filepath.Join(dir, name), midi.WriteOptions{Meters: []midi.Meter{{Num: 3, Den: 4}}}, m); err != nil {
			t.Fatal(err)
		}
	}
	writeWaltz("waltz.mid")
	out.Reset()
	if code := run(context.Background(), []string{"datasets", "stats", dir, "--own-meter", "--validation-share", "0"}, &out, io.Discard); code != exitOK {
		t.Fatalf("--own-meter: exit %d", code)
	}
	for _, want := range []string{
		"files         14 MIDI files: 13 gave windows",
		"(each file's own meter: 2 bars, or the bars that fill 32 sixteenths; on 16ths, hop 1 bar;",
		"meters        4/4           36 windows from 12 files\n",
		"              3/4            3 windows from 1 files\n",
		"note density  4.00 onsets per 16 steps;",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--own-meter output lacks %q:\n%s", want, out.String())
		}
	}
	// Exported in their own meter: padded to the longest, with lengths, pulses and meters.
	own := filepath.Join(t.TempDir(), "own.safetensors")
	if code := run(context.Background(), []string{"datasets", "export", dir, "--own-meter", "-o", own, "--validation-share", "0"}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("export --own-meter: exit %d", code)
	}
	if data, err := os.ReadFile(own); err != nil {
		t.Fatal(err)
	} else if st, err := safetensors.Deserialize(data); err != nil {
		t.Fatal(err)
	} else {
		tr, _ := st.Tensor("train")
		steps, _ := st.Tensor("train_steps")
		pulses, _ := st.Tensor("train_pulses")
		meter, _ := st.Tensor("train_meter")
		_, meta, _ := safetensors.ReadMetadata(data)
		i64 := func(b []byte, i int) int64 { return int64(binary.LittleEndian.Uint64(b[8*i:])) }
		if !slices.Equal(tr.Shape(), []uint64{39, 32}) || !slices.Equal(pulses.Shape(), []uint64{39, 32}) || steps.Shape()[0] != 39 || meter.Shape()[0] != 39 || meta.Metadata()["meters"] != "4/4,3/4" {
			t.Fatalf("train %v, pulses %v, steps %v, meter %v, meters %q", tr.Shape(), pulses.Shape(), steps.Shape(), meter.Shape(), meta.Metadata()["meters"])
		}
		// The waltz's windows (the last three, after the tunes t00..t11) are 24 steps of
		// 3/4, padded with -1: the bar's downbeat, then beats every 4 steps.
		w := 38
		if i64(steps.Data(), w) != 24 || i64(meter.Data(), w) != 1 || i64(tr.Data(), w*32+24) != -1 || i64(pulses.Data(), w*32+24) != -1 ||
			i64(pulses.Data(), w*32) != int64(midi.PulseBar) || i64(pulses.Data(), w*32+4) != int64(midi.PulseBeat) || i64(pulses.Data(), w*32+12) != int64(midi.PulseBar) {
			t.Errorf("the waltz's last window: steps %d, meter %d, step 24 class %d", i64(steps.Data(), w), i64(meter.Data(), w), i64(tr.Data(), w*32+24))
		}
	}
	if err := os.Remove(filepath.Join(dir, "waltz.mid")); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "w.safetensors")
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"datasets", "export", dir, "-o", dst, "--cache-dir", cache, "--validation-share", "0.25"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "(13 of 13 files from the cache)") {
		t.Errorf("stderr %q does not report a warm load", errb.String())
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(data)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := st.Tensor("train")
	va, _ := st.Tensor("validation")
	if n := tr.Shape()[0] + va.Shape()[0]; n != 36 || tr.Shape()[1] != 32 || va.Shape()[0] == 0 || tr.DType() != safetensors.I64 {
		t.Errorf("train %v %v, validation %v: want 36 windows of 32 I64 in all, some held out", tr.DType(), tr.Shape(), va.Shape())
	}
	if want := fmt.Sprintf("wrote %s: %d train and %d validation windows of 32 steps from 12 files (1 skipped)", dst, tr.Shape()[0], va.Shape()[0]); !strings.Contains(out.String(), want) {
		t.Errorf("export said %q, want %q", out.String(), want)
	}
	if _, meta, err := safetensors.ReadMetadata(data); err != nil || meta.Metadata()["seed"] != "0" || meta.Metadata()["validation_share"] != "0.25" {
		t.Errorf("metadata %v, %v", meta.Metadata(), err)
	}
	// The same inputs give the same bytes.
	dst2 := filepath.Join(t.TempDir(), "w.safetensors")
	if code := run(context.Background(), []string{"datasets", "export", dir, "-o", dst2, "--no-cache", "--validation-share", "0.25"}, io.Discard, io.Discard); code != exitOK {
		t.Fatal("second export failed")
	}
	if data2, _ := os.ReadFile(dst2); !bytes.Equal(data, data2) {
		t.Error("two exports of the same corpus differ")
	}
	// An export that finds nothing fails and writes nothing.
	empty := t.TempDir()
	dst3 := filepath.Join(t.TempDir(), "none.safetensors")
	errb.Reset()
	if code := run(context.Background(), []string{"datasets", "export", empty, "-o", dst3, "--no-cache"}, io.Discard, &errb); code != exitFailure || !strings.Contains(errb.String(), "no training windows") {
		t.Errorf("empty export: exit %d, %q", code, errb.String())
	}
	if _, err := os.Stat(dst3); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty export left a file: %v", err)
	}
}
