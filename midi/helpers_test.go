package midi

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// ev is a raw event for building test files: its bytes (status and data, or a whole meta
// or sysex event) at an absolute tick.
type ev struct {
	tick int
	b    []byte
}

func on(tick, ch, key, vel int) ev  { return ev{tick, []byte{byte(0x90 | ch), byte(key), byte(vel)}} }
func off(tick, ch, key int) ev      { return ev{tick, []byte{byte(0x80 | ch), byte(key), 0}} }
func prog(tick, ch, program int) ev { return ev{tick, []byte{byte(0xC0 | ch), byte(program)}} }
func meta(tick, typ int, data ...byte) ev {
	return ev{tick, append(append([]byte{0xFF, byte(typ)}, vlq(uint32(len(data)))...), data...)}
}
func name(s string) ev { return meta(0, metaTrackName, []byte(s)...) }
func timeSig(tick, num, log2den int) ev {
	return meta(tick, metaTimeSig, byte(num), byte(log2den), 24, 8)
}
func tempo(tick int, usPerQuarter int) ev {
	return meta(tick, metaTempo, byte(usPerQuarter>>16), byte(usPerQuarter>>8), byte(usPerQuarter))
}

func vlq(v uint32) []byte {
	b := []byte{byte(v & 0x7F)}
	for v >>= 7; v > 0; v >>= 7 {
		b = append([]byte{byte(v&0x7F | 0x80)}, b...)
	}
	return b
}

// header is an MThd chunk.
func header(format, ntrks, division int) []byte {
	b := []byte("MThd\x00\x00\x00\x06")
	b = binary.BigEndian.AppendUint16(b, uint16(format))
	b = binary.BigEndian.AppendUint16(b, uint16(ntrks))
	return binary.BigEndian.AppendUint16(b, uint16(division))
}

// chunk wraps body in a chunk header with its true length.
func chunk(tag string, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte(tag), uint32(len(body))), body...)
}

// trackBody encodes events (in tick order) with delta times, ending with end-of-track.
func trackBody(evs ...ev) []byte {
	var b []byte
	now := 0
	for _, e := range evs {
		b = append(b, vlq(uint32(e.tick-now))...)
		b = append(b, e.b...)
		now = e.tick
	}
	return append(b, 0, 0xFF, 0x2F, 0)
}

// smfBytes builds a whole file of format 1 (0 with one track) at the given division.
func smfBytes(division int, tracks ...[]ev) []byte {
	format := 1
	if len(tracks) == 1 {
		format = 0
	}
	b := header(format, len(tracks), division)
	for _, t := range tracks {
		b = append(b, chunk("MTrk", trackBody(t...))...)
	}
	return b
}

func mustRead(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return f
}

// mel builds a melody from a compact notation: pitch names start notes, "-" holds,
// "." is NoEvent in a rest, "x" is NoteOff.
func mel(t testing.TB, steps ...string) Melody {
	t.Helper()
	var m Melody
	for _, s := range steps {
		switch s {
		case "-", ".":
			m = append(m, NoEvent)
		case "x":
			m = append(m, NoteOff)
		default:
			p, ok := pitchByName[s]
			if !ok {
				t.Fatalf("mel: bad step %q", s)
			}
			m = append(m, NoteOnClass(p))
		}
	}
	return m
}

var pitchByName = func() map[string]int {
	m := map[string]int{}
	for p := 0; p < 128; p++ {
		m[PitchName(p)] = p
	}
	return m
}()
