package calling

import (
	"context"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/media"
)

// startMedia builds the engine for the negotiated version and starts it.
// A version without an engine ends the call with ErrNoEngine.
func (c *Call) startMedia() {
	version := c.mgr.negotiated(c.protocol)
	c.mu.Lock()
	c.snap.LibraryVersion = version
	c.mu.Unlock()
	factory := c.mgr.cfg.Engines[version]
	if factory == nil {
		c.post(input{Event: Event{Kind: EvMediaFailed, Err: &NoEngineError{Version: version}}})
		return
	}
	pc := c.confirmed
	reflectors, servers := connections(pc)
	to := c.mgr.Timeouts()
	p := media.Params{
		Key:              *c.key,
		Outgoing:         c.outgoing,
		LibraryVersion:   version,
		Reflectors:       reflectors,
		WebRTCServers:    servers,
		P2PAllowed:       pc.P2PAllowed && c.p2pPolicyAllows(),
		CustomParameters: customParameters(pc),
		ConnectTimeout:   to.Connect,
		PacketTimeout:    to.Packet,
		SendSignaling:    c.sendSignaling,
		OnEvent:          c.onMediaEvent,
		Logger:           c.log.With("engine", version),
	}
	ctx := c.ctx
	go func() {
		if c.mgr.cfg.OpenAudio != nil {
			au, err := c.mgr.cfg.OpenAudio(ctx, c.onAudioEvent)
			if err != nil {
				c.post(input{Event: Event{Kind: EvMediaFailed, Err: fmt.Errorf("open audio: %w", err)}})
				return
			}
			p.Audio = au
			c.mu.Lock()
			c.audio = au
			muted := c.muted
			c.mu.Unlock()
			au.SetMuted(muted)
		}
		eng, err := factory(p)
		if err != nil {
			c.post(input{Event: Event{Kind: EvMediaFailed, Err: fmt.Errorf("engine %s: %w", version, err)}})
			return
		}
		c.mu.Lock()
		if ctx.Err() != nil { // the call ended while the engine was being built
			c.mu.Unlock()
			_ = eng.Close()
			return
		}
		c.engine = eng
		// What waited goes in first, under the lock that receiveSignaling
		// takes, so a frame arriving now cannot overtake it: on 9.0.0 the
		// peer's first frame decides the framing, and a reordered one split
		// two tgphones (one on SCTP, one reliable) about 1 call in 8.
		for _, d := range c.pendingSig {
			eng.ReceiveSignaling(d)
		}
		c.pendingSig = nil
		muted := c.muted
		c.mu.Unlock()
		eng.SetMuted(muted)
		c.engineLife.Lock()
		defer c.engineLife.Unlock()
		if ctx.Err() != nil {
			return // ended meanwhile: stopMedia closes it once we let go
		}
		if err := eng.Start(ctx); err != nil {
			c.post(input{Event: Event{Kind: EvMediaFailed, Err: fmt.Errorf("start engine %s: %w", version, err)}})
		}
	}()
}

func (c *Call) stopMedia() {
	c.mu.Lock()
	eng, au := c.engine, c.audio
	c.engine, c.audio = nil, nil
	c.mu.Unlock()
	if eng != nil {
		c.engineLife.Lock()
		err := eng.Close()
		c.engineLife.Unlock()
		if err != nil {
			c.log.Warn("close engine", "err", err)
		}
	}
	if au != nil {
		// Stopped here rather than by Close, so the snapshot says so.
		if err := c.endRecording(au); err != nil {
			c.log.Warn("recording", "err", err)
		}
		if err := au.Close(); err != nil {
			c.log.Warn("close audio", "err", err)
		}
	}
}

func (c *Call) p2pPolicyAllows() bool {
	switch c.mgr.cfg.P2P {
	case P2PNobody:
		return false
	case P2PContacts:
		return c.mgr.cfg.IsContact != nil && c.mgr.cfg.IsContact(c.peer.ID)
	}
	return true
}

func (c *Call) onMediaEvent(e media.Event) {
	switch e.State {
	case media.StateConnected:
		c.post(input{Event: Event{Kind: EvMediaConnected}})
	case media.StateReconnecting:
		c.post(input{Event: Event{Kind: EvMediaReconnecting}})
	case media.StateFailed:
		c.post(input{Event: Event{Kind: EvMediaFailed, Err: e.Err}})
	}
	c.mu.Lock()
	changed := c.snap.RemoteMuted != e.RemoteMuted || c.snap.NoAudio != e.NoAudio
	c.snap.RemoteMuted = e.RemoteMuted
	c.snap.NoAudio = e.NoAudio
	c.mu.Unlock()
	if changed {
		c.notify()
	}
}

func (c *Call) sendSignaling(ctx context.Context, data []byte) error {
	if _, err := c.mgr.cfg.API.PhoneSendSignalingData(ctx, &tg.PhoneSendSignalingDataRequest{
		Peer: c.inputCall(), Data: data,
	}); err != nil {
		return fmt.Errorf("send signalling for call %d: %w", c.callID(), err)
	}
	return nil
}

// receiveSignaling passes peer signalling to the engine in arrival order,
// holding it until the engine exists (the peer may start before our
// phoneCall arrives). Engines' ReceiveSignaling only queues, so it is called
// under the lock that keeps the order.
func (c *Call) receiveSignaling(data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil {
		if len(c.pendingSig) < 256 {
			c.pendingSig = append(c.pendingSig, append([]byte(nil), data...))
		}
		return
	}
	c.engine.ReceiveSignaling(data)
}

// connections splits the call's phoneConnection entries (spec §3).
func connections(pc *tg.PhoneCall) ([]media.Reflector, []media.WebRTCServer) {
	var refl []media.Reflector
	var servers []media.WebRTCServer
	if pc == nil {
		return nil, nil
	}
	for _, cc := range pc.Connections {
		switch x := cc.(type) {
		case *tg.PhoneConnection:
			if len(x.PeerTag) != 16 {
				continue // legacy engines need a 16-byte tag; tdesktop skips others too
			}
			r := media.Reflector{ID: x.ID, IP: x.IP, IPv6: x.Ipv6, Port: x.Port, TCP: x.TCP}
			copy(r.PeerTag[:], x.PeerTag)
			refl = append(refl, r)
		case *tg.PhoneConnectionWebrtc:
			servers = append(servers, media.WebRTCServer{ID: x.ID, IP: x.IP, IPv6: x.Ipv6, Port: x.Port,
				Username: x.Username, Password: x.Password, TURN: x.Turn, STUN: x.Stun})
		}
	}
	return refl, servers
}

// customParameters is the call's custom_parameters JSON, nil when absent.
func customParameters(pc *tg.PhoneCall) []byte {
	if d, ok := pc.GetCustomParameters(); ok {
		return []byte(d.Data)
	}
	return nil
}
