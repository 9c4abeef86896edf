package midi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// MaxFileSize is the largest input Read accepts; no real Standard MIDI File comes near it.
const MaxFileSize = 64 << 20

// File is a Standard MIDI File as read by Read: its tracks with their events at absolute
// ticks, and the tempo map and time signatures gathered from all tracks.
type File struct {
	Format   int // 0, 1 or 2
	Division int // ticks per quarter note; 0 when the file is timed by SMPTE
	SMPTE    SMPTE
	Tracks   []Track
	// QPM is the tempo melodies taken from the file are written at: its first tempo, in
	// quarter notes per minute, brought within MinQPM..MaxQPM with a warning when it is
	// outside; 120 when the file has none. Tempos keeps the tempo as the file has it.
	QPM      float64
	Tempos   []Tempo   // tempo changes of all tracks, in time order
	TimeSigs []TimeSig // time signatures of all tracks, in time order
	// KeySigs are the key signatures of all tracks, in time order; malformed ones (more
	// than 7 sharps or flats, a mode other than major or minor) are left out.
	KeySigs []KeySig
	// Warnings lists what Read repaired or ignored to read the file, each naming the byte
	// offset and the problem (a truncated track, data bytes above 127, trailing garbage).
	// At most maxWarnings are kept; the last one then says how many more there were.
	Warnings []string

	moreWarnings int
}

const maxWarnings = 50

// SMPTE is the time division of a file timed by SMPTE frames rather than quarter notes.
type SMPTE struct {
	FramesPerSecond int // 24, 25, 29 (drop frame, 29.97) or 30
	TicksPerFrame   int
}

// Track is one MTrk chunk.
type Track struct {
	Index  int    // position among the file's tracks, from 0
	Name   string // the first track-name meta event, "" when there is none
	Offset int    // byte offset of the MTrk chunk in the input
	Events []Event
	End    int64 // tick of the end-of-track event, or of the last event when it is missing
}

// Event is one event of a track. Channel messages keep their status byte and data bytes;
// meta and system-exclusive events keep their payload in Data.
type Event struct {
	Tick   int64 // absolute time in ticks from the start of the track
	Offset int   // byte offset of the event's delta time in the input
	Status byte  // 0x80–0xEF channel message, 0xF0 or 0xF7 system exclusive, 0xFF meta
	Meta   byte  // the meta type when Status is 0xFF
	Data1  byte  // first data byte of a channel message (the key of a note)
	Data2  byte  // second data byte of a channel message (the velocity of a note)
	Data   []byte
}

// Tempo is a tempo change.
type Tempo struct {
	Tick int64
	QPM  float64 // quarter notes per minute
}

// TimeSig is a time signature (meter) change.
type TimeSig struct {
	Tick     int64
	Num, Den int // 6/8 is Num 6, Den 8
}

// Channel message kinds, the high nibble of the status byte.
const (
	kindNoteOff       = 0x80
	kindNoteOn        = 0x90
	kindProgramChange = 0xC0
)

// Meta event types that musae reads.
const (
	metaTrackName = 0x03
	metaEndTrack  = 0x2F
	metaTempo     = 0x51
	metaTimeSig   = 0x58
	metaKeySig    = 0x59
)

// IsChannel reports whether e is a channel message (note, controller, program, ...).
func (e Event) IsChannel() bool { return e.Status >= 0x80 && e.Status < 0xF0 }

// Channel is the MIDI channel of a channel message, 0–15 (shown to people as 1–16).
func (e Event) Channel() int { return int(e.Status & 0x0F) }

// Kind is the high nibble of a channel message's status: 0x80 note-off, 0x90 note-on, ...
func (e Event) Kind() byte { return e.Status & 0xF0 }

// ReadFile reads the Standard MIDI File at path. Errors name the file.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("midi: %w", err)
	}
	defer fh.Close()
	return ReadNamed(fh, path)
}

// ReadNamed is Read for a file known by name (an upload, an embedded file), which its
// errors name as ReadFile's name the path.
func ReadNamed(r io.Reader, name string) (*File, error) {
	f, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("midi: read %s: %w", name, err)
	}
	return f, nil
}

// Read reads a Standard MIDI File of format 0, 1 or 2, timed by ticks per quarter note or
// by SMPTE frames. It reads what is sound and records what it repaired in File.Warnings;
// it returns an error, naming the byte offset, only when nothing usable can be read. It
// never panics.
func Read(r io.Reader) (*File, error) {
	f, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("midi: read: %w", err)
	}
	return f, nil
}

func read(r io.Reader) (f *File, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d MiB, not a MIDI file", MaxFileSize>>20)
	}
	defer func() {
		// The parser is ours and is fuzzed, but a panic must never cross this boundary.
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("internal error while parsing: %v", p)
		}
	}()
	return parse(data)
}

var (
	tagMThd = []byte("MThd")
	tagMTrk = []byte("MTrk")
)

// parse decodes a whole file held in memory.
func parse(data []byte) (*File, error) {
	base := 0
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "RMID" {
		// An RMID file wraps an SMF in a RIFF "data" chunk.
		i := bytes.Index(data, tagMThd)
		if i < 0 {
			return nil, errors.New("byte 0: RIFF RMID file without an MThd header")
		}
		base = i
	}
	if len(data)-base < 4 || !bytes.Equal(data[base:base+4], tagMThd) {
		return nil, fmt.Errorf("byte %d: not a Standard MIDI File (no MThd header)", base)
	}
	if len(data)-base < 14 {
		return nil, fmt.Errorf("byte %d: file ends inside the MThd header (%d bytes, 14 needed)", base, len(data)-base)
	}
	hlen := int(binary.BigEndian.Uint32(data[base+4:]))
	if hlen < 6 {
		return nil, fmt.Errorf("byte %d: MThd header length %d, at least 6 expected", base+4, hlen)
	}
	f := &File{
		Format: int(binary.BigEndian.Uint16(data[base+8:])),
		QPM:    120,
	}
	ntrks := int(binary.BigEndian.Uint16(data[base+10:]))
	div := binary.BigEndian.Uint16(data[base+12:])
	if div&0x8000 != 0 {
		fps := -int(int8(div >> 8))
		tpf := int(div & 0xFF)
		switch {
		case fps != 24 && fps != 25 && fps != 29 && fps != 30:
			return nil, fmt.Errorf("byte %d: SMPTE division with %d frames per second (24, 25, 29 or 30 expected)", base+12, fps)
		case tpf == 0:
			return nil, fmt.Errorf("byte %d: SMPTE division with 0 ticks per frame", base+12)
		}
		f.SMPTE = SMPTE{FramesPerSecond: fps, TicksPerFrame: tpf}
	} else {
		if div == 0 {
			return nil, fmt.Errorf("byte %d: division of 0 ticks per quarter note", base+12)
		}
		f.Division = int(div)
	}
	if f.Format > 2 {
		f.warnf(base+8, "unknown format %d, read as format 1", f.Format)
		f.Format = 1
	}

	pos := base + 8 + hlen
	if pos > len(data) {
		f.warnf(base+4, "MThd header length %d runs past the end of the file", hlen)
		pos = len(data)
	}
	for pos < len(data) {
		if len(data)-pos < 8 {
			f.warnf(pos, "%d trailing bytes ignored", len(data)-pos)
			break
		}
		tag := data[pos : pos+4]
		if bytes.Equal(tag, tagMThd) {
			f.warnf(pos, "a second MThd header (two files joined?); the rest of the file (%d bytes) is ignored", len(data)-pos)
			break
		}
		if !bytes.Equal(tag, tagMTrk) {
			if !printable(tag) {
				// A wrong chunk length leaves us in the middle of something: look ahead
				// for the next track rather than give up on the rest of the file.
				next := bytes.Index(data[pos:], tagMTrk)
				if next < 0 {
					f.warnf(pos, "garbage where a chunk header was expected; the rest of the file (%d bytes) is ignored", len(data)-pos)
					break
				}
				f.warnf(pos, "garbage where a chunk header was expected; skipped %d bytes to the next MTrk", next)
				pos += next
				continue
			}
			n := int64(binary.BigEndian.Uint32(data[pos+4:]))
			f.warnf(pos, "unknown chunk %q of %d bytes skipped", tag, n)
			if n > int64(len(data)-pos-8) {
				break
			}
			pos += 8 + int(n)
			continue
		}
		n := int64(binary.BigEndian.Uint32(data[pos+4:]))
		end := int64(pos) + 8 + n
		if end > int64(len(data)) {
			f.warnf(pos, "track %d: chunk says %d bytes but only %d remain; reading what is there", len(f.Tracks), n, len(data)-pos-8)
			end = int64(len(data))
		}
		f.parseTrack(data, pos, int(end))
		pos = int(end)
	}
	if len(f.Tracks) == 0 {
		return nil, fmt.Errorf("byte %d: no MTrk chunk", base+8+min(hlen, len(data)-base-8))
	}
	if len(f.Tracks) != ntrks {
		f.warnf(base+10, "header announces %d tracks, the file has %d", ntrks, len(f.Tracks))
	}
	f.gatherTimeMaps()
	if f.moreWarnings > 0 {
		f.Warnings = append(f.Warnings, fmt.Sprintf("... and %d more warnings", f.moreWarnings))
	}
	return f, nil
}

func printable(tag []byte) bool {
	for _, c := range tag {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

func (f *File) warnf(offset int, format string, a ...any) {
	if len(f.Warnings) >= maxWarnings {
		f.moreWarnings++
		return
	}
	f.Warnings = append(f.Warnings, fmt.Sprintf("byte %d: ", offset)+fmt.Sprintf(format, a...))
}

// channelDataLen is the number of data bytes that follow a channel status, by kind.
func channelDataLen(status byte) int {
	switch status & 0xF0 {
	case 0xC0, 0xD0:
		return 1
	}
	return 2
}

// parseTrack decodes the MTrk chunk at data[chunk:end] and appends it to f.Tracks. A
// problem cuts the track at the last whole event and becomes a warning.
func (f *File) parseTrack(data []byte, chunk, end int) {
	t := Track{Index: len(f.Tracks), Offset: chunk}
	var (
		pos       = chunk + 8
		tick      int64
		running   byte
		clamped   int
		firstClip = -1
		ended     bool
	)
	cut := func(at int, format string, a ...any) {
		f.warnf(at, "track %d: "+format+"; kept the %d events before it", append([]any{t.Index}, append(a, len(t.Events))...)...)
	}
loop:
	for pos < end {
		start := pos
		delta, n := readVLQ(data[pos:end])
		switch {
		case n == 0:
			cut(start, "ends inside a delta time")
			break loop
		case n < 0:
			cut(start, "delta time longer than 4 bytes")
			break loop
		}
		pos += n
		tick += int64(delta)
		if pos >= end {
			cut(start, "ends after a delta time, before its event")
			break
		}
		status := data[pos]
		if status >= 0x80 {
			pos++
		} else {
			if running == 0 {
				cut(pos, "data byte 0x%02X with no running status", status)
				break
			}
			status = running
		}
		ev := Event{Tick: tick, Offset: start, Status: status}
		switch {
		case status < 0xF0:
			k := channelDataLen(status)
			if end-pos < k {
				cut(start, "ends inside a channel message")
				break loop
			}
			d := data[pos : pos+k]
			for i := range d {
				if d[i] > 0x7F {
					// A data byte above 127 in a file is a writer's bug (a velocity
					// computed out of range); the message length is fixed by its
					// status, so keep reading and clamp, as tolerant players do.
					if firstClip < 0 {
						firstClip = pos + i
					}
					clamped++
				}
			}
			ev.Data1 = min(d[0], 0x7F)
			if k == 2 {
				ev.Data2 = min(d[1], 0x7F)
			}
			pos += k
			running = status
		case status == 0xFF:
			if pos >= end {
				cut(start, "ends inside a meta event")
				break loop
			}
			ev.Meta = data[pos]
			pos++
			l, n := readVLQ(data[pos:end])
			if n <= 0 {
				cut(start, "ends inside the length of a meta event")
				break loop
			}
			pos += n
			if int64(l) > int64(end-pos) {
				cut(start, "meta event 0x%02X of %d bytes runs past the end of the track (%d bytes left)", ev.Meta, l, end-pos)
				break loop
			}
			ev.Data = data[pos : pos+int(l) : pos+int(l)]
			pos += int(l)
			running = 0 // meta events cancel running status
			if ev.Meta == metaEndTrack {
				t.End = tick
				ended = true
			}
		case status == 0xF0 || status == 0xF7:
			l, n := readVLQ(data[pos:end])
			if n <= 0 {
				cut(start, "ends inside the length of a system-exclusive event")
				break loop
			}
			pos += n
			if int64(l) > int64(end-pos) {
				cut(start, "system-exclusive event of %d bytes runs past the end of the track (%d bytes left)", l, end-pos)
				break loop
			}
			ev.Data = data[pos : pos+int(l) : pos+int(l)]
			pos += int(l)
			running = 0
		default:
			// System common and real-time bytes have no place in a file; skip them with
			// their data so that one stray byte does not cost the rest of the track.
			skip := map[byte]int{0xF1: 1, 0xF2: 2, 0xF3: 1}[status]
			if end-pos < skip {
				cut(start, "ends inside a system message")
				break loop
			}
			f.warnf(pos-1, "track %d: status byte 0x%02X is not allowed in a file; skipped", t.Index, status)
			pos += skip
			running = 0
			continue
		}
		if ev.Meta == metaEndTrack && status == 0xFF {
			if pos < end {
				f.warnf(pos, "track %d: %d bytes after the end-of-track event ignored", t.Index, end-pos)
			}
			break
		}
		if status == 0xFF && ev.Meta == metaTrackName && t.Name == "" {
			t.Name = strings.TrimSpace(strings.TrimRight(string(ev.Data), "\x00"))
		}
		t.Events = append(t.Events, ev)
	}
	if clamped > 0 {
		f.warnf(firstClip, "track %d: %d data bytes above 127 clamped to 127", t.Index, clamped)
	}
	if !ended {
		t.End = tick
		f.warnf(end, "track %d has no end-of-track event", t.Index)
	}
	f.Tracks = append(f.Tracks, t)
}

// readVLQ decodes a variable-length quantity at the start of b. n is the number of bytes
// used, 0 when b ends inside the quantity, -1 when it is longer than the 4 bytes the
// format allows.
func readVLQ(b []byte) (v uint32, n int) {
	for i := 0; i < 4; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint32(b[i]&0x7F)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

// gatherTimeMaps collects tempo and time-signature meta events from all tracks.
func (f *File) gatherTimeMaps() {
	// The first tempo (the earliest, the first of its tick): its byte offset and track.
	first, firstTrack := -1, 0
	var firstTick int64
	for _, t := range f.Tracks {
		for _, e := range t.Events {
			if e.Status != 0xFF {
				continue
			}
			switch e.Meta {
			case metaTempo:
				if len(e.Data) < 3 {
					f.warnf(e.Offset, "track %d: tempo event with %d data bytes ignored", t.Index, len(e.Data))
					continue
				}
				us := int(e.Data[0])<<16 | int(e.Data[1])<<8 | int(e.Data[2])
				if us == 0 {
					f.warnf(e.Offset, "track %d: tempo of 0 µs per quarter note ignored", t.Index)
					continue
				}
				f.Tempos = append(f.Tempos, Tempo{Tick: e.Tick, QPM: 60e6 / float64(us)})
				if first < 0 || e.Tick < firstTick {
					first, firstTrack, firstTick = e.Offset, t.Index, e.Tick
				}
			case metaTimeSig:
				if len(e.Data) < 2 || e.Data[0] == 0 || e.Data[1] > 6 {
					f.warnf(e.Offset, "track %d: malformed time signature % X ignored", t.Index, e.Data)
					continue
				}
				f.TimeSigs = append(f.TimeSigs, TimeSig{Tick: e.Tick, Num: int(e.Data[0]), Den: 1 << e.Data[1]})
			case metaKeySig:
				if len(e.Data) >= 2 && int8(e.Data[0]) >= -7 && int8(e.Data[0]) <= 7 && e.Data[1] <= 1 {
					f.KeySigs = append(f.KeySigs, KeySig{Tick: e.Tick, Key: Key{Fifths: int(int8(e.Data[0])), Minor: e.Data[1] == 1}})
				}
			}
		}
	}
	sort.SliceStable(f.Tempos, func(i, j int) bool { return f.Tempos[i].Tick < f.Tempos[j].Tick })
	sort.SliceStable(f.TimeSigs, func(i, j int) bool { return f.TimeSigs[i].Tick < f.TimeSigs[j].Tick })
	sort.SliceStable(f.KeySigs, func(i, j int) bool { return f.KeySigs[i].Tick < f.KeySigs[j].Tick })
	if len(f.Tempos) > 0 {
		f.QPM = f.Tempos[0].QPM
	}
	// Melodies read from the file are written at its tempo: one that cannot be written
	// is brought within range here, where the file is named, rather than refused when
	// some output is written.
	if q := min(max(f.QPM, MinQPM), MaxQPM); q != f.QPM {
		f.warnf(first, "track %d: tempo of %.4g qpm is outside the %d..%d qpm that musae writes; melodies from the file are written at %d qpm", firstTrack, f.QPM, MinQPM, MaxQPM, int(q))
		f.QPM = q
	}
}
