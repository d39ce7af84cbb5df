package sandbox

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/log/logslog"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"
)

// The MTProto side of the sandbox: gotd's own server building blocks
// (key exchange, server cipher, transport codecs) in a serve loop of our
// own, because tgtest keeps auth keys in memory and the sandbox must
// remember sign-ins across restarts.

const (
	// readIdle is how long a connection may stay silent; gotd clients ping
	// every minute, so this only closes dead peers.
	readIdle     = 3 * time.Minute
	writeTimeout = 10 * time.Second
	// maxRequest bounds one decrypted request; Telegram's own limit is 1 MiB
	// of payload per message.
	maxRequest = 1 << 20
)

// mtConn is one client TCP connection.
type mtConn struct {
	transport.Conn
	remote string
	dc     int // the data centre this listener acts as
}

// session is an MTProto session (client-chosen id) on an auth key, bound to
// the connection it last spoke on; updates for its user go there.
type session struct {
	id    int64
	key   crypto.AuthKey
	conn  *mtConn
	sendM sync.Mutex // keeps one session's messages in order
	// layer is the API layer of the session's last invokeWithLayer: like
	// Telegram, the server remembers it for the requests that follow.
	layer atomic.Int32
}

// clientLayer records the layer of a request's invokeWithLayer (0: none)
// and returns the layer the client speaks: the last one it named.
func (sess *session) clientLayer(requestLayer int) int {
	if requestLayer != 0 {
		sess.layer.Store(int32(requestLayer))
		return requestLayer
	}
	return int(sess.layer.Load())
}

// reqCtx is what handlers learn about the request they serve.
type reqCtx struct {
	sess  *session
	msgID int64
	dc    int // the data centre the request came to
}

type reqCtxKey struct{}

func requestOf(ctx context.Context) *reqCtx {
	r, _ := ctx.Value(reqCtxKey{}).(*reqCtx)
	return r
}

// serveListener accepts connections until ctx is done.
func (s *Server) serveListener(ctx context.Context, ln net.Listener, dc int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	for {
		raw, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(ctx, raw, dc)
		}()
	}
}

// oneConn is a listener holding one accepted connection, so that gotd's
// transport detects the codec on the connection's own goroutine.
type oneConn struct {
	c    net.Conn
	done bool
}

func (o *oneConn) Accept() (net.Conn, error) {
	if o.done {
		return nil, net.ErrClosed
	}
	o.done = true
	return o.c, nil
}
func (o *oneConn) Close() error   { return nil }
func (o *oneConn) Addr() net.Addr { return o.c.LocalAddr() }

func (s *Server) serveConn(ctx context.Context, raw net.Conn, dc int) {
	log := s.log.With("remote", raw.RemoteAddr().String())
	_ = raw.SetReadDeadline(time.Now().Add(30 * time.Second))
	tc, err := transport.Listen(&oneConn{c: raw}).Accept()
	if err != nil {
		log.Debug("transport handshake failed", "err", err)
		_ = raw.Close()
		return
	}
	_ = raw.SetReadDeadline(time.Time{})
	c := &mtConn{Conn: tc, remote: raw.RemoteAddr().String(), dc: dc}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer func() {
		_ = c.Close()
		s.dropConn(c)
	}()

	b := new(bin.Buffer)
	for {
		b.Reset()
		rctx, cancel := context.WithTimeout(ctx, readIdle)
		err := c.Recv(rctx, b)
		cancel()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				log.Debug("connection closed", "err", err)
			}
			return
		}
		var keyID [8]byte
		if err := b.PeekN(keyID[:], len(keyID)); err != nil {
			log.Info("dropping connection: short message", "len", b.Len())
			return
		}
		if keyID == [8]byte{} {
			if err := s.exchangeKey(ctx, c, b); err != nil {
				log.Info("key exchange failed", "err", err)
				return
			}
			continue
		}
		key, ok := s.authKey(keyID)
		if !ok {
			// The client forgot nothing, we did (a sandbox without --data
			// restarted): -404 makes gotd create a new key.
			_ = s.sendProtoError(ctx, c, codec.CodeAuthKeyNotFound)
			continue
		}
		if err := s.handleEncrypted(ctx, c, key, b); err != nil {
			log.Info("dropping connection", "err", err)
			return
		}
	}
}

func (s *Server) sendProtoError(ctx context.Context, c *mtConn, code int32) error {
	var b bin.Buffer
	b.PutInt32(-code)
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return c.Send(ctx, &b)
}

// pushedConn replays the message that started a key exchange.
type pushedConn struct {
	transport.Conn
	first *bin.Buffer
}

func (p *pushedConn) Recv(ctx context.Context, b *bin.Buffer) error {
	if p.first != nil {
		b.ResetTo(p.first.Copy())
		p.first = nil
		return nil
	}
	return p.Conn.Recv(ctx, b)
}

func (s *Server) exchangeKey(ctx context.Context, c *mtConn, first *bin.Buffer) error {
	res, err := exchange.NewExchanger(&pushedConn{Conn: c.Conn, first: first}, c.dc).
		WithRand(s.rand).
		WithLogger(logslog.New(s.log.With("component", "exchange"))).
		WithTimeout(30 * time.Second).
		Server(exchange.PrivateKey{RSA: s.rsa}).Run(ctx)
	if err != nil {
		var exErr *exchange.ServerExchangeError
		if errors.As(err, &exErr) {
			_ = s.sendProtoError(ctx, c, exErr.Code)
		}
		return err
	}
	s.addAuthKey(res.Key)
	return nil
}

func (s *Server) handleEncrypted(ctx context.Context, c *mtConn, key crypto.AuthKey, b *bin.Buffer) error {
	msg, err := s.cipher.DecryptFromBuffer(key, b)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	data := msg.Data()
	if len(data) > maxRequest {
		return fmt.Errorf("request of %d bytes", len(data))
	}
	sess, created := s.bindSession(msg.SessionID, key, c)
	if created {
		salt := int64(binary.LittleEndian.Uint64(key.ID[:]))
		if err := s.send(ctx, sess, proto.MessageFromServer, &mt.NewSessionCreated{
			FirstMsgID: msg.MessageID, UniqueID: msg.SessionID, ServerSalt: salt,
		}); err != nil {
			return err
		}
	}
	s.handleMessage(context.WithValue(ctx, connDCKey{}, c.dc), sess, msg.MessageID, &bin.Buffer{Buf: data})
	return nil
}

type connDCKey struct{}

// handleMessage serves one message: service messages here, RPCs through
// the dispatcher. Errors end up as rpc_error answers, never as panics.
func (s *Server) handleMessage(ctx context.Context, sess *session, msgID int64, b *bin.Buffer) {
	id, err := b.PeekID()
	if err != nil {
		s.log.Info("dropping message without type", "len", b.Len())
		return
	}
	switch id {
	case proto.MessageContainerTypeID:
		var cont proto.MessageContainer
		if err := cont.Decode(b); err != nil {
			s.log.Info("bad container", "err", err)
			return
		}
		for _, m := range cont.Messages {
			s.handleMessage(ctx, sess, m.ID, &bin.Buffer{Buf: m.Body})
		}
		return
	case proto.GZIPTypeID:
		data, err := unpackGZIP(b)
		if err != nil {
			// Answer, so the client does not wait for a reply that never comes.
			s.log.Info("bad gzip_packed", "err", err)
			s.rpcError(ctx, sess, msgID, tgerr.New(400, "INPUT_REQUEST_INVALID"))
			return
		}
		s.handleMessage(ctx, sess, msgID, &bin.Buffer{Buf: data})
		return
	case mt.MsgsAckTypeID, mt.MsgsStateReqTypeID, mt.MsgResendReqTypeID, mt.HTTPWaitRequestTypeID:
		return
	case mt.PingRequestTypeID:
		var p mt.PingRequest
		if err := p.Decode(b); err == nil {
			_ = s.send(ctx, sess, proto.MessageServerResponse, &mt.Pong{MsgID: msgID, PingID: p.PingID})
		}
		return
	case mt.PingDelayDisconnectRequestTypeID:
		var p mt.PingDelayDisconnectRequest
		if err := p.Decode(b); err == nil {
			_ = s.send(ctx, sess, proto.MessageServerResponse, &mt.Pong{MsgID: msgID, PingID: p.PingID})
		}
		return
	case mt.GetFutureSaltsRequestTypeID:
		_ = s.send(ctx, sess, proto.MessageServerResponse, &mt.FutureSalts{
			ReqMsgID: msgID, Now: int(time.Now().Unix()),
			Salts: []mt.FutureSalt{{ValidSince: 1, ValidUntil: math.MaxInt32,
				Salt: int64(binary.LittleEndian.Uint64(sess.key.ID[:]))}},
		})
		return
	case mt.DestroySessionRequestTypeID:
		var d mt.DestroySessionRequest
		if err := d.Decode(b); err == nil {
			s.dropSession(d.SessionID)
			s.result(ctx, sess, msgID, &mt.DestroySessionOk{SessionID: d.SessionID})
		}
		return
	case mt.RPCDropAnswerRequestTypeID:
		s.result(ctx, sess, msgID, &mt.RPCAnswerUnknown{})
		return
	}

	query, layer, err := unwrapInvoke(b)
	if err != nil {
		s.rpcError(ctx, sess, msgID, tgerr.New(400, "INPUT_REQUEST_INVALID"))
		return
	}
	if l := sess.clientLayer(layer); l != 0 && l != tg.Layer {
		// Every answer is encoded in the sandbox's own layer; a client of
		// another layer would fail to decode them (or worse, misread
		// them), so it is told why at once.
		s.log.Info("refusing a client of another layer", "client_layer", l, "sandbox_layer", tg.Layer)
		s.rpcError(ctx, sess, msgID, errLayer)
		return
	}
	if s.floodWait(sess, query) {
		s.rpcError(ctx, sess, msgID, tgerr.New(420, "FLOOD_WAIT_1"))
		return
	}
	dc, _ := ctx.Value(connDCKey{}).(int)
	rctx := context.WithValue(ctx, reqCtxKey{}, &reqCtx{sess: sess, msgID: msgID, dc: dc})
	res, err := s.dispatch.Handle(rctx, query)
	if errors.Is(err, errAnsweredLater) {
		return
	}
	if err != nil {
		var rpcErr *tgerr.Error
		if !errors.As(err, &rpcErr) {
			s.log.Warn("request failed", "type", s.typeName(query), "err", err)
			rpcErr = tgerr.New(500, "INTERNAL_SERVER_ERROR")
		}
		s.rpcError(ctx, sess, msgID, rpcErr)
		return
	}
	s.result(ctx, sess, msgID, res)
}

func (s *Server) typeName(b *bin.Buffer) string {
	id, err := b.PeekID()
	if err != nil {
		return "?"
	}
	if n := s.types.Get(id); n != "" {
		return n
	}
	return fmt.Sprintf("%#x", id)
}

// rawQuery captures the rest of an invokeWith* wrapper: the inner query.
type rawQuery struct{ buf []byte }

func (r *rawQuery) Decode(b *bin.Buffer) error {
	r.buf = append(r.buf[:0], b.Buf...)
	b.Skip(b.Len())
	return nil
}
func (r *rawQuery) Encode(*bin.Buffer) error { return errors.New("rawQuery is decode-only") }

// errLayer answers a client whose API layer is not the sandbox's: the
// error Telegram gives for a layer it does not serve.
var errLayer = tgerr.New(400, "CONNECTION_LAYER_INVALID")

// unwrapInvoke strips invokeWithLayer, initConnection and
// invokeWithoutUpdates, which every gotd client sends around its queries,
// and invokeAfterMsg(s) and invokeWithTakeout, which other clients send.
// layer is invokeWithLayer's, 0 when there was none.
func unwrapInvoke(b *bin.Buffer) (query *bin.Buffer, layer int, err error) {
	for range 8 {
		id, err := b.PeekID()
		if err != nil {
			return nil, 0, err
		}
		var q rawQuery
		var w bin.Decoder
		switch id {
		case tg.InvokeWithLayerRequestTypeID:
			wl := &tg.InvokeWithLayerRequest{Query: &q}
			if err := wl.Decode(b); err != nil {
				return nil, 0, err
			}
			layer = wl.Layer
			b = &bin.Buffer{Buf: q.buf}
			continue
		case tg.InitConnectionRequestTypeID:
			w = &tg.InitConnectionRequest{Query: &q}
		case tg.InvokeWithoutUpdatesRequestTypeID:
			w = &tg.InvokeWithoutUpdatesRequest{Query: &q}
		case tg.InvokeAfterMsgRequestTypeID:
			// A connection's requests are served in order, so the one
			// waited for has been answered already.
			w = &tg.InvokeAfterMsgRequest{Query: &q}
		case tg.InvokeAfterMsgsRequestTypeID:
			w = &tg.InvokeAfterMsgsRequest{Query: &q}
		case tg.InvokeWithTakeoutRequestTypeID:
			// The sandbox keeps no takeout sessions: served as a plain request.
			w = &tg.InvokeWithTakeoutRequest{Query: &q}
		default:
			return b, layer, nil
		}
		if err := w.Decode(b); err != nil {
			return nil, 0, err
		}
		b = &bin.Buffer{Buf: q.buf}
	}
	return nil, 0, errors.New("too many invoke wrappers")
}

func (s *Server) result(ctx context.Context, sess *session, msgID int64, res bin.Encoder) {
	var buf bin.Buffer
	if err := res.Encode(&buf); err != nil {
		s.log.Error("encode result", "err", err)
		s.rpcError(ctx, sess, msgID, tgerr.New(500, "INTERNAL_SERVER_ERROR"))
		return
	}
	if err := s.send(ctx, sess, proto.MessageServerResponse, &proto.Result{RequestMessageID: msgID, Result: buf.Raw()}); err != nil {
		s.log.Debug("send result", "err", err)
	}
}

func (s *Server) rpcError(ctx context.Context, sess *session, msgID int64, e *tgerr.Error) {
	s.result(ctx, sess, msgID, &mt.RPCError{ErrorCode: e.Code, ErrorMessage: e.Message})
}

// send encrypts one message for sess and writes it on its connection.
func (s *Server) send(ctx context.Context, sess *session, t proto.MessageType, m bin.Encoder) error {
	var b bin.Buffer
	if err := m.Encode(&b); err != nil {
		return fmt.Errorf("encode %T: %w", m, err)
	}
	sess.sendM.Lock()
	defer sess.sendM.Unlock()
	s.mu.Lock()
	conn := sess.conn
	s.mu.Unlock()
	if conn == nil {
		return errors.New("session has no connection")
	}
	data := crypto.EncryptedMessageData{
		SessionID:              sess.id,
		MessageDataLen:         int32(b.Len()),
		MessageDataWithPadding: b.Copy(),
		MessageID:              s.msgID.New(t),
	}
	if err := s.cipher.Encrypt(sess.key, data, &b); err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Send(ctx, &b)
}
