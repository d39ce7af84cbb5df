package sandbox

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
)

func packed(body []byte) *bin.Buffer {
	b := &bin.Buffer{}
	b.PutID(proto.GZIPTypeID)
	b.PutBytes(body)
	return b
}

// TestUnpackGZIP: gzip and zlib-wrapped (mtcute) bodies are taken; garbage
// and bombs are refused with an error (which handleMessage answers).
func TestUnpackGZIP(t *testing.T) {
	inner := bytes.Repeat([]byte("help.getConfig "), 100)
	var gz, zl bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(inner)
	_ = w.Close()
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write(inner)
	_ = zw.Close()
	var bomb bytes.Buffer
	bw := gzip.NewWriter(&bomb)
	_, _ = bw.Write(make([]byte, maxRequest+10))
	_ = bw.Close()
	for _, tt := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"gzip", gz.Bytes(), true},
		{"zlib", zl.Bytes(), true},
		{"garbage", []byte("not compressed at all"), false},
		{"truncated gzip", gz.Bytes()[:len(gz.Bytes())/2], false},
		{"bomb", bomb.Bytes(), false},
	} {
		got, err := unpackGZIP(packed(tt.body))
		if tt.ok && (err != nil || !bytes.Equal(got, inner)) {
			t.Errorf("%s: %v (%d bytes)", tt.name, err, len(got))
		}
		if !tt.ok && err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

// TestUnwrapInvoke: every wrapper clients put around a query is taken off,
// nested in any order, and the layer of the innermost invokeWithLayer is
// kept.
func TestUnwrapInvoke(t *testing.T) {
	inner := &tg.HelpGetConfigRequest{}
	for name, wrap := range map[string]func(bin.Object) bin.Object{
		"invokeWithLayer":      func(q bin.Object) bin.Object { return &tg.InvokeWithLayerRequest{Layer: 198, Query: q} },
		"invokeAfterMsg":       func(q bin.Object) bin.Object { return &tg.InvokeAfterMsgRequest{MsgID: 42, Query: q} },
		"invokeAfterMsgs":      func(q bin.Object) bin.Object { return &tg.InvokeAfterMsgsRequest{MsgIDs: []int64{1, 2}, Query: q} },
		"invokeWithTakeout":    func(q bin.Object) bin.Object { return &tg.InvokeWithTakeoutRequest{TakeoutID: 7, Query: q} },
		"invokeWithoutUpdates": func(q bin.Object) bin.Object { return &tg.InvokeWithoutUpdatesRequest{Query: q} },
	} {
		for _, nested := range []bool{false, true} {
			q := wrap(inner)
			if nested {
				q = &tg.InvokeWithLayerRequest{Layer: 227, Query: &tg.InitConnectionRequest{APIID: 1, Query: q}}
			}
			b := &bin.Buffer{}
			if err := q.Encode(b); err != nil {
				t.Fatal(err)
			}
			got, layer, err := unwrapInvoke(b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := 0
			switch {
			case name == "invokeWithLayer":
				want = 198
			case nested:
				want = 227
			}
			if layer != want {
				t.Errorf("%s (nested %v): layer %d, want %d", name, nested, layer, want)
			}
			if id, _ := got.PeekID(); id != tg.HelpGetConfigRequestTypeID {
				t.Errorf("%s (nested %v): inner query %#x, want help.getConfig", name, nested, id)
			}
		}
	}
}

// TestClientLayer: a session speaks the layer of its last invokeWithLayer,
// also in the plain requests that follow it (Telethon and GramJS send the
// wrapper once per connection).
func TestClientLayer(t *testing.T) {
	var sess session
	for _, tt := range []struct{ request, want int }{
		{0, 0},
		{198, 198},
		{0, 198},
		{tg.Layer, tg.Layer},
		{0, tg.Layer},
	} {
		if got := sess.clientLayer(tt.request); got != tt.want {
			t.Errorf("request layer %d: session speaks %d, want %d", tt.request, got, tt.want)
		}
	}
}
