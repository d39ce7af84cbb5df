package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tgphone/tgphone/media"
)

// ErrWAVFormat reports a WAV file that is not 48 kHz mono 16-bit PCM.
var ErrWAVFormat = errors.New("wav must be 48 kHz mono 16-bit PCM")

// ReadWAV reads a 48 kHz mono 16-bit PCM WAV file.
func ReadWAV(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read wav: %w", err)
	}
	pcm, err := ParseWAV(b)
	if err != nil {
		return nil, fmt.Errorf("read wav %s: %w", path, err)
	}
	return pcm, nil
}

// ParseWAV parses WAV bytes (RIFF chunks; fmt then data).
func ParseWAV(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file", ErrWAVFormat)
	}
	gotFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		if size > len(body) {
			size = len(body) // files streamed without a final size
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, fmt.Errorf("%w: short fmt chunk", ErrWAVFormat)
			}
			format := binary.LittleEndian.Uint16(body)
			ch := binary.LittleEndian.Uint16(body[2:])
			rate := binary.LittleEndian.Uint32(body[4:])
			bits := binary.LittleEndian.Uint16(body[14:])
			if (format != 1 && format != 0xfffe) || ch != 1 || rate != media.SampleRate || bits != 16 {
				return nil, fmt.Errorf("%w: format %d, %d ch, %d Hz, %d bit", ErrWAVFormat, format, ch, rate, bits)
			}
			gotFmt = true
		case "data":
			if !gotFmt {
				return nil, fmt.Errorf("%w: data before fmt", ErrWAVFormat)
			}
			pcm := make([]int16, size/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		off += 8 + size + size&1
	}
	return nil, fmt.Errorf("%w: no data chunk", ErrWAVFormat)
}

// WAVWriter streams 48 kHz mono 16-bit PCM to a WAV file.
type WAVWriter struct {
	f *os.File
	n int
}

// CreateWAV creates path and writes a header that Close completes.
func CreateWAV(path string) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create wav: %w", err)
	}
	w := &WAVWriter{f: f}
	if _, err := f.Write(wavHeader(0)); err != nil {
		f.Close()
		return nil, fmt.Errorf("write wav header: %w", err)
	}
	return w, nil
}

func wavHeader(dataBytes int) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+dataBytes))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], media.SampleRate)
	binary.LittleEndian.PutUint32(h[28:], media.SampleRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(dataBytes))
	return h
}

// Write appends samples.
func (w *WAVWriter) Write(pcm []int16) error {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("write wav: %w", err)
	}
	w.n += len(b)
	return nil
}

// Close fixes the header sizes and closes the file.
func (w *WAVWriter) Close() error {
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		w.f.Close()
		return fmt.Errorf("seek wav: %w", err)
	}
	if _, err := w.f.Write(wavHeader(w.n)); err != nil {
		w.f.Close()
		return fmt.Errorf("finish wav: %w", err)
	}
	return w.f.Close()
}
