package cli

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// x11 is just enough of the X11 protocol for a test to find a window by its
// title and ask it to close the way a window manager's close button does
// (a WM_DELETE_WINDOW client message): xdotool's windowclose destroys the
// window instead, which no user does.
type x11 struct {
	c    net.Conn
	root uint32
}

var le = binary.LittleEndian

// dialX11 connects to display (":99") over its unix socket, without
// authorisation (Xvfb started without -auth accepts local clients).
func dialX11(display string) (*x11, error) {
	n := strings.TrimPrefix(display, ":")
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[:i]
	}
	c, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+n, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("x11 connect: %w", err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	setup := []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := c.Write(setup); err != nil {
		c.Close()
		return nil, fmt.Errorf("x11 setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c, head); err != nil {
		c.Close()
		return nil, fmt.Errorf("x11 setup reply: %w", err)
	}
	body := make([]byte, 4*int(le.Uint16(head[6:])))
	if _, err := io.ReadFull(c, body); err != nil {
		c.Close()
		return nil, fmt.Errorf("x11 setup reply: %w", err)
	}
	if head[0] != 1 {
		c.Close()
		return nil, fmt.Errorf("x11 setup refused: %q", body)
	}
	// body: release(4) rid-base(4) rid-mask(4) motion(4) vendor-len(2)
	// max-req(2) screens(1) formats(1) ... (8 bytes), vendor, formats (8 each),
	// then the first screen, whose root window comes first.
	vendor := int(le.Uint16(body[16:]))
	formats := int(body[21])
	off := 32 + (vendor+3)/4*4 + 8*formats
	return &x11{c: c, root: le.Uint32(body[off:])}, nil
}

func (x *x11) Close() error { return x.c.Close() }

// request sends one request and, when reply is set, returns its reply
// (the 32 bytes and any extra data), skipping events and failing on errors.
func (x *x11) request(req []byte, reply bool) ([]byte, error) {
	for len(req)%4 != 0 {
		req = append(req, 0)
	}
	le.PutUint16(req[2:], uint16(len(req)/4))
	_ = x.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := x.c.Write(req); err != nil {
		return nil, err
	}
	if !reply {
		return nil, nil
	}
	for {
		msg := make([]byte, 32)
		if _, err := io.ReadFull(x.c, msg); err != nil {
			return nil, err
		}
		switch msg[0] {
		case 0:
			return nil, fmt.Errorf("x11 error %d for request %d", msg[1], req[0])
		case 1:
			extra := make([]byte, 4*int(le.Uint32(msg[4:])))
			if _, err := io.ReadFull(x.c, extra); err != nil {
				return nil, err
			}
			return append(msg, extra...), nil
		}
	}
}

func (x *x11) atom(name string) (uint32, error) {
	req := []byte{16, 0, 0, 0, 0, 0, 0, 0}
	le.PutUint16(req[4:], uint16(len(name)))
	r, err := x.request(append(req, name...), true)
	if err != nil {
		return 0, fmt.Errorf("intern %s: %w", name, err)
	}
	return le.Uint32(r[8:]), nil
}

// windows lists the root's children with their titles (_NET_WM_NAME, in
// UTF-8; WM_NAME may be COMPOUND_TEXT).
func (x *x11) windows() (map[uint32]string, error) {
	name, err := x.atom("_NET_WM_NAME")
	if err != nil {
		return nil, err
	}
	req := []byte{15, 0, 0, 0, 0, 0, 0, 0}
	le.PutUint32(req[4:], x.root)
	r, err := x.request(req, true)
	if err != nil {
		return nil, fmt.Errorf("query tree: %w", err)
	}
	n := int(le.Uint16(r[16:]))
	out := map[uint32]string{}
	for i := range n {
		w := le.Uint32(r[32+4*i:])
		req := make([]byte, 24)
		req[0] = 20 // GetProperty _NET_WM_NAME, any type, up to 1 KiB
		le.PutUint32(req[4:], w)
		le.PutUint32(req[8:], name)
		le.PutUint32(req[20:], 256)
		p, err := x.request(req, true)
		if err != nil {
			continue // gone meanwhile
		}
		if l := int(le.Uint32(p[16:])); l > 0 {
			out[w] = string(p[32 : 32+l])
		}
	}
	return out, nil
}

// find waits for a window whose title is title.
func (x *x11) find(title string, timeout time.Duration) (uint32, error) {
	deadline := time.Now().Add(timeout)
	for {
		ws, err := x.windows()
		if err != nil {
			return 0, err
		}
		for w, t := range ws {
			if t == title {
				return w, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no window %q among %v", title, ws)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// closeWindow asks w to close as a window manager's close button does.
func (x *x11) closeWindow(w uint32) error {
	protocols, err := x.atom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	del, err := x.atom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	ev := make([]byte, 32)
	ev[0], ev[1] = 33, 32 // ClientMessage, format 32
	le.PutUint32(ev[4:], w)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], del)
	req := make([]byte, 12)
	req[0] = 25 // SendEvent, no propagation, no event mask: to the window's owner
	le.PutUint32(req[4:], w)
	if _, err := x.request(append(req, ev...), false); err != nil {
		return fmt.Errorf("send close: %w", err)
	}
	// A round trip makes sure the server has taken the event.
	if _, err := x.atom("WM_PROTOCOLS"); err != nil {
		return err
	}
	return nil
}

// hasTitle reports whether any window has title.
func (x *x11) hasTitle(title string) bool {
	ws, err := x.windows()
	if err != nil {
		return false
	}
	for _, t := range ws {
		if t == title {
			return true
		}
	}
	return false
}
