package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/hraban/opus.v2"
)

// Ogg Opus (RFC 7845) in RFC 3533 pages. No Ogg package is in the module
// graph and the container is small, so the pages are written here.

// oggCRCTable is the Ogg CRC-32: polynomial 0x04c11db7, not reflected,
// initial value 0, no final xor (RFC 3533 §6) — not hash/crc32's IEEE form.
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(crc uint32, b []byte) uint32 {
	for _, x := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^x]
	}
	return crc
}

// Page header flags (RFC 3533 §6).
const (
	oggContinued = 0x01
	oggBOS       = 0x02
	oggEOS       = 0x04
)

// maxPageSegments is the most lacing values a page's segment table holds.
const maxPageSegments = 255

// oggFlushPackets bounds how much audio waits in memory for its page: a
// page a second, so a crash or a full disk loses at most that much.
const oggFlushPackets = 50

// OpusTags is the comment header's content (RFC 7845 §5.2): the vendor
// string and user comments of the form NAME=value.
type OpusTags struct {
	Vendor   string
	Comments []string
}

// OggOpusWriter writes one mono or stereo Opus stream as an Ogg Opus file.
// Packets never span pages: a page is written when oggFlushPackets packets
// or its 255 segments are reached, and at Close.
type OggOpusWriter struct {
	w        io.Writer
	serial   uint32
	seq      uint32
	preSkip  int
	granule  int64 // 48 kHz samples of every packet written; the first preSkip are the encoder's delay
	pending  [][]byte
	segments int
	page     []byte
	closed   bool
	err      error
}

// ErrOggClosed is returned for writes after Close or after a write failed.
var ErrOggClosed = errors.New("ogg opus writer closed")

// NewOggOpusWriter writes the identification header (OpusHead) and the
// comment header (OpusTags) to w, each on its own page as RFC 7845 §3
// requires. preSkip is the encoder's lookahead in 48 kHz samples;
// inputRate is informational (the rate the audio was captured at).
func NewOggOpusWriter(w io.Writer, serial uint32, channels, preSkip, inputRate int, tags OpusTags) (*OggOpusWriter, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("ogg opus: %d channels, want 1 or 2", channels)
	}
	if preSkip < 0 || preSkip > 0xffff {
		return nil, fmt.Errorf("ogg opus: pre-skip %d out of range", preSkip)
	}
	o := &OggOpusWriter{w: w, serial: serial, preSkip: preSkip}
	head := make([]byte, 19)
	copy(head, "OpusHead")
	head[8] = 1 // version
	head[9] = byte(channels)
	binary.LittleEndian.PutUint16(head[10:], uint16(preSkip))
	binary.LittleEndian.PutUint32(head[12:], uint32(inputRate))
	// head[16:18] output gain 0 dB, head[18] channel mapping family 0.
	if err := o.writePage([][]byte{head}, oggBOS, 0); err != nil {
		return nil, err
	}
	com := append([]byte("OpusTags"), le32(len(tags.Vendor))...)
	com = append(com, tags.Vendor...)
	com = append(com, le32(len(tags.Comments))...)
	for _, c := range tags.Comments {
		com = append(com, le32(len(c))...)
		com = append(com, c...)
	}
	if segmentsFor(len(com)) > maxPageSegments {
		return nil, fmt.Errorf("ogg opus: comment header of %d bytes does not fit one page", len(com))
	}
	if err := o.writePage([][]byte{com}, 0, 0); err != nil {
		return nil, err
	}
	return o, nil
}

func le32(n int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }

// segmentsFor is the number of lacing values a packet of n bytes takes: a
// multiple of 255 ends with a 0 to mark the packet's end.
func segmentsFor(n int) int { return n/255 + 1 }

// WritePacket adds one Opus packet; its duration is read from its TOC byte.
func (o *OggOpusWriter) WritePacket(pkt []byte) error {
	if o.closed || o.err != nil {
		return ErrOggClosed
	}
	n, err := PacketSamples(pkt)
	if err != nil {
		return fmt.Errorf("ogg opus: %w", err)
	}
	segs := segmentsFor(len(pkt))
	if segs > maxPageSegments {
		return fmt.Errorf("ogg opus: packet of %d bytes exceeds a page", len(pkt))
	}
	// Full pages go out before a packet is added, never after, so the
	// last page always has packets for Close's end trim to apply to.
	if o.segments+segs > maxPageSegments || len(o.pending) >= oggFlushPackets {
		if err := o.flush(0, o.granule); err != nil {
			return err
		}
	}
	o.pending = append(o.pending, append([]byte(nil), pkt...))
	o.segments += segs
	o.granule += int64(n)
	return nil
}

// Granule is the granule position so far: the samples of every packet written.
func (o *OggOpusWriter) Granule() int64 { return o.granule }

// Close writes the last page, flagged end of stream. When samples ≥ 0 it is
// the number of input samples (48 kHz) the stream carries, and the last
// granule position is cut to preSkip+samples so a decoder drops the padding
// the final packet added (RFC 7845 §4.5); it never exceeds what was written.
func (o *OggOpusWriter) Close(samples int64) error {
	if o.closed {
		return nil
	}
	o.closed = true
	if o.err != nil {
		return o.err
	}
	end := o.granule
	if samples >= 0 {
		end = min(end, int64(o.preSkip)+samples)
	}
	// A trim cannot reach into earlier pages (RFC 7845 §4.5), and an empty
	// stream still ends on an (empty) EOS page.
	return o.flush(oggEOS, max(end, o.lastGranule()))
}

// lastGranule is the granule position of what is already on earlier pages.
func (o *OggOpusWriter) lastGranule() int64 {
	g := o.granule
	for _, p := range o.pending {
		n, _ := PacketSamples(p) // checked in WritePacket
		g -= int64(n)
	}
	return g
}

func (o *OggOpusWriter) flush(flags byte, granule int64) error {
	if len(o.pending) == 0 && flags&oggEOS == 0 {
		return nil
	}
	err := o.writePage(o.pending, flags, granule)
	o.pending, o.segments = o.pending[:0], 0
	return err
}

// writePage writes packets (each complete) as one page.
func (o *OggOpusWriter) writePage(packets [][]byte, flags byte, granule int64) error {
	p := o.page[:0]
	p = append(p, "OggS"...)
	p = append(p, 0, flags)
	p = binary.LittleEndian.AppendUint64(p, uint64(granule))
	p = binary.LittleEndian.AppendUint32(p, o.serial)
	p = binary.LittleEndian.AppendUint32(p, o.seq)
	p = append(p, 0, 0, 0, 0) // CRC, filled below
	var nseg int
	for _, pk := range packets {
		nseg += segmentsFor(len(pk))
	}
	p = append(p, byte(nseg))
	for _, pk := range packets {
		n := len(pk)
		for ; n >= 255; n -= 255 {
			p = append(p, 255)
		}
		p = append(p, byte(n))
	}
	for _, pk := range packets {
		p = append(p, pk...)
	}
	binary.LittleEndian.PutUint32(p[22:], oggCRC(0, p))
	o.page = p
	o.seq++
	if _, err := o.w.Write(p); err != nil {
		o.err = fmt.Errorf("ogg opus: write page %d: %w", o.seq-1, err)
		return o.err
	}
	return nil
}

// DecodeOggOpus decodes a mono Ogg Opus stream to 48 kHz PCM with
// libopusfile, which applies pre-skip and the end trim.
func DecodeOggOpus(b []byte) ([]int16, error) {
	// The first page's only packet is OpusHead; byte 9 of it is the channel count.
	const headAt = 28 // 27-byte page header + a 1-entry segment table
	if len(b) < headAt+19 || string(b[:4]) != "OggS" || string(b[headAt:headAt+8]) != "OpusHead" {
		return nil, errors.New("decode ogg opus: no OpusHead on the first page")
	}
	if ch := b[headAt+9]; ch != 1 {
		return nil, fmt.Errorf("decode ogg opus: %d channels, want mono", ch)
	}
	s, err := opus.NewStream(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("open ogg opus: %w", err)
	}
	defer s.Close()
	var out []int16
	buf := make([]int16, 5760*2)
	for {
		n, err := s.Read(buf)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode ogg opus: %w", err)
		}
		out = append(out, buf[:n]...)
	}
}

// OggOpusInfo is what a file's headers and last page say about it.
type OggOpusInfo struct {
	Channels int
	PreSkip  int
	Tags     OpusTags
	// Samples is the audio's length at 48 kHz: the last granule position
	// less pre-skip (0 for a file cut short before its first audio page).
	Samples int64
}

// Duration is the audio's length.
func (i OggOpusInfo) Duration() time.Duration {
	return time.Duration(i.Samples) * time.Second / 48000
}

// infoScan bounds how much of a file ReadOggOpusInfo reads at each end: the
// two header pages come first, and a last page is at most 65 307 bytes.
const infoScan = 1 << 17

// ReadOggOpusInfo reads the headers and the length of an Ogg Opus file
// without decoding it, reading at most infoScan bytes at either end.
func ReadOggOpusInfo(path string) (OggOpusInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return OggOpusInfo{}, fmt.Errorf("ogg opus info: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return OggOpusInfo{}, fmt.Errorf("ogg opus info: %w", err)
	}
	head := make([]byte, min(st.Size(), infoScan))
	if _, err := io.ReadFull(f, head); err != nil {
		return OggOpusInfo{}, fmt.Errorf("ogg opus info %s: %w", path, err)
	}
	info, err := parseOpusHeaders(head)
	if err != nil {
		return OggOpusInfo{}, fmt.Errorf("ogg opus info %s: %w", path, err)
	}
	tail := head
	if st.Size() > infoScan {
		tail = make([]byte, infoScan)
		if _, err := f.ReadAt(tail, st.Size()-infoScan); err != nil {
			return OggOpusInfo{}, fmt.Errorf("ogg opus info %s: %w", path, err)
		}
	}
	// The last page is the "OggS" whose page ends exactly at the end of the
	// file: the pattern can also occur inside audio data.
	for i := bytes.LastIndex(tail, []byte("OggS")); i >= 0; i = bytes.LastIndex(tail[:i], []byte("OggS")) {
		if len(tail)-i < 27 || len(tail)-i < 27+int(tail[i+26]) {
			continue
		}
		size := 27 + int(tail[i+26])
		for _, l := range tail[i+27 : i+size] {
			size += int(l)
		}
		if i+size != len(tail) {
			continue
		}
		g := int64(binary.LittleEndian.Uint64(tail[i+6:]))
		if g >= 0 && g > int64(info.PreSkip) { // header pages and -1 (no packet ends) say nothing
			info.Samples = g - int64(info.PreSkip)
		}
		break
	}
	return info, nil
}

// ErrNotOggOpus reports bytes that do not start with Ogg Opus headers.
var ErrNotOggOpus = errors.New("not an ogg opus file")

// parseOpusHeaders reads OpusHead and OpusTags from the first two pages,
// each packet complete on its page (as NewOggOpusWriter writes them).
func parseOpusHeaders(b []byte) (OggOpusInfo, error) {
	var pkts [2][]byte
	for i := range pkts {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			return OggOpusInfo{}, fmt.Errorf("%w: page %d missing", ErrNotOggOpus, i)
		}
		nseg := int(b[26])
		if len(b) < 27+nseg {
			return OggOpusInfo{}, fmt.Errorf("%w: page %d cut short", ErrNotOggOpus, i)
		}
		size := 0
		for _, l := range b[27 : 27+nseg] {
			size += int(l)
		}
		body := b[27+nseg:]
		if len(body) < size {
			return OggOpusInfo{}, fmt.Errorf("%w: page %d cut short", ErrNotOggOpus, i)
		}
		pkts[i] = body[:size]
		b = body[size:]
	}
	h, t := pkts[0], pkts[1]
	if len(h) < 19 || string(h[:8]) != "OpusHead" {
		return OggOpusInfo{}, fmt.Errorf("%w: no OpusHead", ErrNotOggOpus)
	}
	info := OggOpusInfo{Channels: int(h[9]), PreSkip: int(binary.LittleEndian.Uint16(h[10:]))}
	if len(t) < 8 || string(t[:8]) != "OpusTags" {
		return OggOpusInfo{}, fmt.Errorf("%w: no OpusTags", ErrNotOggOpus)
	}
	t = t[8:]
	str := func() (string, bool) {
		if len(t) < 4 {
			return "", false
		}
		n := binary.LittleEndian.Uint32(t)
		if uint64(n) > uint64(len(t)-4) {
			return "", false
		}
		s := string(t[4 : 4+n])
		t = t[4+n:]
		return s, true
	}
	var ok bool
	if info.Tags.Vendor, ok = str(); !ok || len(t) < 4 {
		return OggOpusInfo{}, fmt.Errorf("%w: bad OpusTags", ErrNotOggOpus)
	}
	n := binary.LittleEndian.Uint32(t)
	t = t[4:]
	for range min(n, uint32(len(t)/4)) {
		c, ok := str()
		if !ok {
			return OggOpusInfo{}, fmt.Errorf("%w: bad OpusTags comment", ErrNotOggOpus)
		}
		info.Tags.Comments = append(info.Tags.Comments, c)
	}
	return info, nil
}
