package domain

// Viewer is implemented by domains whose examples a page can show, play and send to a MIDI
// port, as musae serve does. View describes an example in one of the few shapes such a
// page draws (ViewRoll, ViewGrid, ViewPicture), so that a new domain whose examples are
// notes, drum hits or pictures appears there with no change to the page. The sound itself
// comes from Timed.Audio.
type Viewer interface {
	Domain
	View(x Example) (View, error)
}

// Starter is implemented by domains that have examples to start from with no files of the
// user's: the openings of public-domain tunes, basic beats. Each example's Source names it.
type Starter interface {
	Domain
	Starters() []Example
}

// The kinds of View.
const (
	ViewRoll    = "roll"    // a piano roll: Notes over Steps
	ViewGrid    = "grid"    // a drum grid: a row per Lane, Notes in their lanes
	ViewPicture = "picture" // Rows × Cols Pixels
	ViewText    = "text"    // Text only, for a domain that draws nothing
)

// View is an example as a page shows it. Music (ViewRoll, ViewGrid) is on a grid of Steps
// steps, StepsPerQuarter to a quarter note and StepsPerBar to a bar of Meter; each of its
// Notes is a MIDI note on Channel, so that the page can send it to a MIDI port as it is.
type View struct {
	Kind string `json:"kind"`
	// Text is the example in a line, for people and screen readers: its notes by name,
	// its hits per drum.
	Text string `json:"text"`

	Steps           int    `json:"steps,omitempty"`
	StepsPerQuarter int    `json:"stepsPerQuarter,omitempty"`
	StepsPerBar     int    `json:"stepsPerBar,omitempty"`
	Meter           string `json:"meter,omitempty"` // "4/4", "6/8"
	// Channel is the MIDI channel the notes play on, 0–15 (9 for General MIDI drums).
	Channel int        `json:"channel"`
	Notes   []ViewNote `json:"notes,omitempty"`
	// Lanes are a grid's rows, top first: a drum each, with the key it plays.
	Lanes []Lane `json:"lanes,omitempty"`

	// Rows × Cols intensities in [0, 1], row-major, for a picture.
	Rows   int       `json:"rows,omitempty"`
	Cols   int       `json:"cols,omitempty"`
	Pixels []float32 `json:"pixels,omitempty"`
}

// ViewNote is a note of a View: its MIDI key, named in scientific pitch (60 = C4) or by
// drum, sounding over steps [Start, End) at Velocity (1–127), Offset steps off its grid
// line (a drummer's timing, in [-0.5, 0.5)), in Lane of a grid.
type ViewNote struct {
	Pitch    int     `json:"pitch"`
	Name     string  `json:"name"`
	Start    int     `json:"start"`
	End      int     `json:"end"`
	Velocity int     `json:"velocity"`
	Offset   float64 `json:"offset,omitempty"`
	Lane     int     `json:"lane,omitempty"`
}

// Lane is a row of a drum grid: the drum's name and the MIDI key it plays.
type Lane struct {
	Name  string `json:"name"`
	Pitch int    `json:"pitch"`
}
