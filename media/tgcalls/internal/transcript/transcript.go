// Package transcript loads the tgcalls signalling transcripts (golden vectors
// of real tgcalls↔tgcalls calls, copied from ../shared/testdata/tgcalls into
// media/tgcalls/signaling/testdata/tgcalls) for the replay tests of the
// signalling framings, and the captures of the engines' replay tests
// (ReadRaw). It is test support: nothing in the app imports it.
package transcript

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Dir is the directory holding the transcript copies.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "signaling", "testdata", "tgcalls")
}

// Key is the call key of every transcript: the bytes 00 01 .. ff.
func Key() [256]byte {
	var k [256]byte
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

// File is one transcript (tgcalls-<version>.json).
type File struct {
	Version  string  `json:"version"`
	Framing  string  `json:"framing"`
	KeyHex   string  `json:"key_hex"`
	Outgoing string  `json:"outgoing_side"`
	Frames   []Frame `json:"frames"`
}

// Frame is one signalling packet as tgcalls emitted it.
type Frame struct {
	Index        int        `json:"index"`
	From         string     `json:"from"` // "caller" or "callee"
	TMs          float64    `json:"t_ms"`
	Len          int        `json:"len"`
	Omitted      bool       `json:"omitted"`
	Summary      string     `json:"summary"`
	EncryptedHex string     `json:"encrypted_hex"` // raw and reliable framings
	FrameHex     string     `json:"frame_hex"`     // sctp framing
	Decrypted    *Decrypted `json:"decrypted"`
	Messages     []Message  `json:"messages"` // sctp: reassembled user messages
}

// Decrypted is a frame's (or user message's) plaintext.
type Decrypted struct {
	Seq          uint32       `json:"seq"`
	BodyHex      string       `json:"body_hex"`
	Gzip         bool         `json:"gzip"`
	GunzippedHex string       `json:"gunzipped_hex"`
	Messages     []RelMessage `json:"messages"` // reliable framing
}

// RelMessage is one message inside a reliable-framing packet.
type RelMessage struct {
	Seq     uint32 `json:"seq"`
	Type    string `json:"type"` // custom, ack, empty
	BodyHex string `json:"body_hex"`
	Resend  bool   `json:"resend"`
}

// Message is one SCTP user message of the sctp framing.
type Message struct {
	TSNs         []uint32  `json:"tsns"`
	Stream       int       `json:"stream"`
	PPID         int       `json:"ppid"`
	EncryptedHex string    `json:"encrypted_hex"`
	Decrypted    Decrypted `json:"decrypted"`
}

// Load reads tgcalls-<name>.json.
func Load(name string) (*File, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), "tgcalls-"+name+".json"))
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("transcript %s: %w", name, err)
	}
	return &f, nil
}

// Bytes is the frame as sent (nil for an omitted frame).
func (fr Frame) Bytes() []byte {
	h := fr.EncryptedHex
	if h == "" {
		h = fr.FrameHex
	}
	return MustHex(h)
}

// Sent returns the frames one side sent, in order, omitted ones included.
func (f *File) Sent(side string) []Frame {
	var out []Frame
	for _, fr := range f.Frames {
		if fr.From == side {
			out = append(out, fr)
		}
	}
	return out
}

// RawFrame is one line of raw/<version>/<side>.sig.jsonl: a complete capture.
type RawFrame struct {
	Dir    string `json:"dir"` // "out": this side sent it; "in": received
	N      int    `json:"n"`
	MonoNs int64  `json:"mono_ns"`
	Len    int    `json:"len"`
	Hex    string `json:"hex"`
}

// Bytes is the frame's bytes.
func (r RawFrame) Bytes() []byte { return MustHex(r.Hex) }

// LoadRaw reads raw/<version>/<side>.sig.jsonl.
func LoadRaw(version, side string) ([]RawFrame, error) {
	return ReadRaw(filepath.Join(Dir(), "raw", version, side+".sig.jsonl"))
}

// ReadRaw reads a complete capture in the lines of raw/<version>/<side>.sig.jsonl
// (the engines' replay tests keep theirs in their own testdata). A line
// whose hex does not decode to its len bytes is an error.
func ReadRaw(path string) ([]RawFrame, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []RawFrame
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r RawFrame
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if b, err := hex.DecodeString(r.Hex); err != nil || len(b) != r.Len {
			return nil, fmt.Errorf("%s: frame %d (%.40q) is not %d bytes of hex: %v", path, r.N, r.Hex, r.Len, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Out returns the frames a side sent, in order.
func Out(frames []RawFrame) [][]byte {
	var out [][]byte
	for _, r := range frames {
		if r.Dir == "out" {
			out = append(out, r.Bytes())
		}
	}
	return out
}

// MustHex decodes hex or panics (the files are checked in).
func MustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Other is the other side.
func Other(side string) string {
	if side == "caller" {
		return "callee"
	}
	return "caller"
}
