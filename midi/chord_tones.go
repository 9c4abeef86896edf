package midi

// ChordTones counts how a melody sits on its chords: of the notes whose onset falls on a
// strong beat (the first and third beats of each 16-step bar: steps 0 and 8) under a
// chord, how many are tones of it, and the same over every onset under a chord. chords
// holds the chord at each step of m (ChordsPerStep); steps past it, and steps with no
// chord, are not counted.
type ChordTones struct {
	Strong, StrongTones int // onsets on beats 1 and 3, and those that are chord tones
	Notes, Tones        int // every onset, and those that are chord tones
}

// Add counts the notes of m under chords.
func (s *ChordTones) Add(m Melody, chords []Chord) {
	for t, c := range m {
		p, ok := ClassPitch(c)
		if !ok || t >= len(chords) || chords[t].Kind == NoChord {
			continue
		}
		tone := chords[t].Has(p % 12)
		s.Notes++
		if tone {
			s.Tones++
		}
		if t%StepsPerBar == 0 || t%StepsPerBar == StepsPerBar/2 {
			s.Strong++
			if tone {
				s.StrongTones++
			}
		}
	}
}

// StrongShare is the share of strong-beat onsets that are chord tones.
func (s ChordTones) StrongShare() float64 { return share(s.StrongTones, s.Strong) }

// Share is the share of all onsets that are chord tones.
func (s ChordTones) Share() float64 { return share(s.Tones, s.Notes) }
