package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"

	"musae/midi"
)

// lick is a 2-bar window with 16ths, eighths, a held note, rests and a repeated pitch.
func lick() midi.Melody {
	c, o := midi.NoteOnClass, midi.NoteOff
	return midi.Melody{
		c(60), c(62), c(64), c(65), c(67), 0, c(67), 0, c(69), 0, 0, 0, o, 0, c(72), 0,
		c(71), 0, 0, 0, 0, 0, 0, 0, c(67), c(65), o, 0, c(64), 0, 0, 0,
	}
}

func TestFromNotesInvertsNotes(t *testing.T) {
	c := midi.NoteOnClass
	for _, m := range []midi.Melody{lick(), tune(60, 2), {midi.NoteOff, 0, c(60), midi.NoteOff, midi.NoteOff, c(61)}, make(midi.Melody, 8)} {
		if got := FromNotes(m.Notes(), len(m)); !slices.Equal(got, m.Canonical()) {
			t.Errorf("FromNotes(%v.Notes()) = %v, want the canonical melody %v", m, got, m.Canonical())
		}
	}
}

func TestCorrupt(t *testing.T) {
	m := lick()
	if got, dmg := Corrupt(m, Corruption{}, rand.New(rand.NewPCG(1, 2))); !slices.Equal(got, m.Canonical()) || slices.ContainsFunc(dmg, func(d Damage) bool { return d != 0 }) {
		t.Errorf("no corruption gave %v (damage %v), want the melody as it was", got, dmg)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	clean := m.Notes()
	var deleted, shifted, moved, notes int
	for range 500 {
		got, dmg := Corrupt(m, DefaultCorruption, rng)
		if len(got) != len(m) || len(dmg) != len(clean) {
			t.Fatalf("Corrupt gave %d steps and %d damages, want %d and %d", len(got), len(dmg), len(m), len(clean))
		}
		out := got.Notes()
		k := 0 // the notes left, in order
		for i, n := range clean {
			notes++
			d := dmg[i]
			if d&Deleted != 0 {
				deleted++
				if d != Deleted {
					t.Fatalf("a deleted note was also damaged otherwise: %b", d)
				}
				continue
			}
			o := out[k]
			k++
			switch dp := o.Pitch - n.Pitch; {
			case d&Shifted != 0:
				shifted++
				if dp == 0 || dp < -2 || dp > 2 {
					t.Fatalf("note %d shifted by %d, want ±1 or ±2", i, dp)
				}
			case dp != 0:
				t.Fatalf("note %d moved by %d semitones without Shifted", i, dp)
			}
			switch ds := o.Start - n.Start; {
			case d&Moved != 0:
				moved++
				if ds != 1 && ds != -1 {
					t.Fatalf("note %d's onset moved %d steps, want ±1", i, ds)
				}
			case ds != 0:
				t.Fatalf("note %d's onset moved %d steps without Moved", i, ds)
			}
		}
		if k != len(out) {
			t.Fatalf("%d notes out, %d clean notes left", len(out), k)
		}
	}
	for _, c := range []struct {
		what string
		n    int
		p    float64
	}{{"deleted", deleted, DefaultCorruption.Delete}, {"shifted", shifted, DefaultCorruption.Shift * (1 - DefaultCorruption.Delete)}} {
		if got := float64(c.n) / float64(notes); got < 0.8*c.p || got > 1.2*c.p {
			t.Errorf("%.3f of notes %s, want about %.3f", got, c.what, c.p)
		}
	}
	if moved == 0 {
		t.Error("no note moved")
	}
}

func TestSkeleton(t *testing.T) {
	c, o := midi.NoteOnClass, midi.NoteOff
	// Beats of lick: 60 (16ths 60 62 64 65), 67, 69 held, rest from step 12 to 14 (72
	// starts off the beat), 71 held two beats, rest at 20 (71 still sounds), 67, 64.
	want := midi.Melody{
		c(60), 0, 0, 0, c(67), 0, 0, 0, c(69), 0, 0, 0, o, 0, 0, 0,
		c(71), 0, 0, 0, 0, 0, 0, 0, c(67), 0, 0, 0, c(64), 0, 0, 0,
	}
	if got := Skeleton(lick()); !slices.Equal(got, want) {
		t.Errorf("Skeleton(lick) =\n%v\nwant\n%v", got, want)
	}
	if got := Skeleton(want); !slices.Equal(got, want) {
		t.Errorf("a skeleton's skeleton changed: %v", got)
	}
}

func TestRestoreSetFill(t *testing.T) {
	ws := []midi.Melody{lick(), tune(60, 2)}
	for _, task := range MelodyTasks {
		b := MelodyBatch(ws)
		RestoreSet{MelodySet: MelodySet{Windows: ws}, Task: task}.Fill(b, []int{0, 1}, rand.New(rand.NewPCG(5, 6)))
		for i, w := range ws {
			var in midi.Melody
			for st, c := range b.Input[i*b.T : (i+1)*b.T] {
				in = append(in, int(c))
				if b.X[(i*b.T+st)*b.D+int(c)] != 1 {
					t.Fatalf("%s: X is not the input's one-hot encoding at step %d", task, st)
				}
			}
			for tt, c := range b.Classes[i*b.T : (i+1)*b.T] {
				if int(c) != w[tt] {
					t.Fatalf("%s: target step %d is %d, want the clean window's %d", task, tt, c, w[tt])
				}
			}
			if task == TaskElaborate && !slices.Equal(in, Skeleton(w)) {
				t.Errorf("%s: input %v, want the skeleton %v", task, in, Skeleton(w))
			}
			if task == TaskDenoise && slices.Equal(in, w.Canonical()) && i == 0 {
				t.Errorf("%s: the lick came through undamaged with seed (5, 6)", task)
			}
		}
	}
}

func TestRestoreScore(t *testing.T) {
	c := midi.NoteOnClass
	clean := midi.Melody{c(60), 0, c(62), 0, c(64), 0, c(65), 0}
	in := midi.Melody{c(60), 0, c(63), 0, 0, c(64), c(65), 0} // 62 shifted, 64 moved
	out := midi.Melody{c(60), 0, c(62), 0, 0, c(64), c(67), 0}
	dmg := []Damage{0, Shifted, Moved, 0}
	var s RestoreScore
	s.Add(clean, in, out, dmg)
	f := s.Figures()
	// Restored: 62 (of 62 and 64); kept: 60 (of 60 and 65); 3 of 8 steps differ; hits
	// 60 and 62 of 4 onsets each way.
	for k, want := range map[string]float64{"restored": 0.5, "restored_shifted": 1, "restored_moved": 0, "kept": 0.5, "step_accuracy": 5.0 / 8, "note_f1": 0.5, "onsets_per_window": 4, "clean_onsets": 4} {
		if f[k] != want {
			t.Errorf("%s = %g, want %g", k, f[k], want)
		}
	}
	var e RestoreScore
	e.Add(clean, Skeleton(clean), midi.Melody{c(60), c(59), c(62), 0, c(64), 0, c(67), 0}, nil)
	// Skeleton 60 (beat 0) and 64 (beat 1): 60 sounds at step 0, 64 at step 4.
	if got := e.Figures()["skeleton_kept"]; got != 1 {
		t.Errorf("skeleton_kept = %g, want 1", got)
	}
	e.Add(clean, Skeleton(clean), midi.Melody{c(60), 0, 0, 0, 0, 0, 0, 0}, nil) // 60 held over beat 1
	if got := e.Figures()["skeleton_kept"]; got != 0.75 {
		t.Errorf("skeleton_kept = %g, want 0.75", got)
	}
}
