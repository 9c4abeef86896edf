package melody

import (
	"fmt"
	"strconv"
	"strings"

	"musae/latent/domain"
	"musae/midi"
)

// MeterCondition names the meter among an example's conditions ("meter": "6/8").
const MeterCondition = "meter"

// DefaultMeter is what a model of every meter decodes under when not told.
const DefaultMeter = "4/4"

// Controls is the number of control features per step of the meter condition
// (midi.MeterControls; rnn.MeterControls, which the rnn configs use, is the same number).
const Controls = midi.NumMeterControls

// meterCondition describes the meter for flags and help (conditioned.go).
var meterCondition = domain.Condition{
	Name:    MeterCondition,
	Usage:   "melodies: the meter of what is decoded (4/4, 3/4, 6/8, 9/8, 12/8, 2/4, 5/4, 4/2 …: two bars, or the bars that fill 32 sixteenths, at most 48) with a model of every meter (mel2-meters)",
	Default: DefaultMeter,
}

// meterControls writes the meter's controls of x's window of n steps (midi.MeterControls:
// the pulse of each step, one-hot, whether its meter is compound, where it lies in its bar
// and in the window).
func meterControls(dst []float32, x domain.Example, n int) error {
	meters, _, err := meterOf(x)
	if err != nil {
		return domain.Inputf("%w", err)
	}
	midi.MeterControls(dst, meters, n)
	return nil
}

// MeterText writes a window's meters (by step from its start, as midi.MeterWindow.Meters
// gives them) as the meter condition's text: "6/8", or with a change of meter inside the
// window each later meter with the step it starts at: "3/4+2/4@12".
func MeterText(meters []midi.Meter) string {
	var b strings.Builder
	for i, m := range meters {
		if i > 0 {
			fmt.Fprintf(&b, "+%s@%d", m, m.Step)
			continue
		}
		b.WriteString(m.String())
	}
	return b.String()
}

// ParseMeter reads the meter condition's text (MeterText's: "6/8", "3/4+2/4@12") into the
// window's meters and its length in steps (midi.OwnWindowSpan: the bars of the first
// meter's window, laid out through the changes). An error says what is wrong with it.
func ParseMeter(s string) ([]midi.Meter, int, error) {
	meters, err := ParseMeters(s)
	if err != nil {
		return nil, 0, err
	}
	bars, steps := midi.OwnWindowSpan(meters)
	if bars == nil {
		return nil, 0, fmt.Errorf("meter %q: its bars make no window of at most %d sixteenths (a bar must be a whole number of them)", s, midi.MaxOwnWindowSteps)
	}
	return meters, steps, nil
}

// ParseMeters reads the meter condition's text (MeterText's) into its meters, by step,
// whatever window they make. An error says what is wrong with it.
func ParseMeters(s string) ([]midi.Meter, error) {
	var meters []midi.Meter
	for i, part := range strings.Split(strings.TrimSpace(s), "+") {
		at := 0
		if i > 0 {
			p, step, ok := strings.Cut(part, "@")
			n, err := strconv.Atoi(step)
			if !ok || err != nil || n <= meters[len(meters)-1].Step {
				return nil, fmt.Errorf("meter %q: a later meter is written M@STEP, STEP the 16th it starts at, after the one before", s)
			}
			part, at = p, n
		}
		num, den, ok := strings.Cut(strings.TrimSpace(part), "/")
		n, err1 := strconv.Atoi(num)
		d, err2 := strconv.Atoi(den)
		if !ok || err1 != nil || err2 != nil || n < 1 || n > 64 || d < 1 || d > 64 || d&(d-1) != 0 {
			return nil, fmt.Errorf("meter %q: want a time signature such as 3/4 or 6/8 (a beat count over 1, 2, 4, 8, 16, 32 or 64)", s)
		}
		meters = append(meters, midi.Meter{Step: at, Num: n, Den: d})
	}
	return meters, nil
}

// meterOf returns the meters and the text of an example's meter condition (4/4 when it has
// none: a melody made by a program, or decoded by a model of 4/4 windows).
func meterOf(x domain.Example) ([]midi.Meter, string, error) {
	text := x.Conditions[MeterCondition]
	if text == "" {
		text = DefaultMeter
	}
	ms, _, err := ParseMeter(text)
	if err != nil {
		return nil, "", fmt.Errorf("melody: example %s: %w", x.Source, err)
	}
	return ms, text, nil
}
