package account

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// MaxAutoFloodWait is the longest FLOOD_WAIT a request waits out by itself
// before it is retried; a longer one fails with FloodWaitError, for the UI to
// say how long.
const MaxAutoFloodWait = 30 * time.Second

// floodRetries bounds how often one request waits and retries.
const floodRetries = 2

// OnFloodWait is told of every FLOOD_WAIT that a request waits out (the
// method's TL name and the wait), so the app can say why something is slow.
// It must not block.
func (c *Client) OnFloodWait(h func(method string, wait time.Duration)) {
	c.mu.Lock()
	c.onFlood = h
	c.mu.Unlock()
}

// floodWaiter waits out short FLOOD_WAITs on every request, not only at
// sign-in: Telegram may answer any method with one.
func (c *Client) floodWaiter() telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
			for attempt := 0; ; attempt++ {
				err := next.Invoke(ctx, in, out)
				d, ok := tgerr.AsFloodWait(err)
				if !ok || d > MaxAutoFloodWait || attempt >= floodRetries {
					return err
				}
				method := methodName(in)
				c.log.Info("server asked to wait before retrying", "method", method, "wait", d)
				c.mu.Lock()
				h := c.onFlood
				c.mu.Unlock()
				if h != nil {
					h(method, d)
				}
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return fmt.Errorf("%s: waiting out FLOOD_WAIT: %w", method, ctx.Err())
				case <-t.C:
				}
			}
		}
	})
}

func methodName(in bin.Encoder) string {
	if n, ok := in.(interface{ TypeName() string }); ok {
		return n.TypeName()
	}
	return fmt.Sprintf("%T", in)
}
