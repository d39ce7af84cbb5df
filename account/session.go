package account

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/gotd/td/session"
)

// sessionFile keeps the MTProto session (auth key, DC, salt) in a file.
// gotd saves it only when a connection is set up, so after LogOut removed
// the file, a sign-in in the same process would not be written back until
// the next reconnect, and the app would start signed out. sessionFile
// remembers the last data and writes it again at the next sign-in.
type sessionFile struct {
	file session.FileStorage

	mu   sync.Mutex
	last []byte
	gone bool // LogOut removed the file
}

func (s *sessionFile) LoadSession(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return nil, session.ErrNotFound
	}
	b, err := s.file.LoadSession(ctx)
	if err == nil {
		s.last = b
	}
	return b, err
}

func (s *sessionFile) StoreSession(ctx context.Context, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = append(s.last[:0], data...)
	if s.gone {
		return nil // signed out: written at the next sign-in
	}
	return s.file.StoreSession(ctx, data)
}

// forget removes the file after a sign-out.
func (s *sessionFile) forget() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	if err := os.Remove(s.file.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove session: %w", err)
	}
	return nil
}

// signedIn writes the session back once someone signs in again.
func (s *sessionFile) signedIn(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.gone {
		return nil
	}
	s.gone = false
	if len(s.last) == 0 {
		return nil // gotd writes it when its connection is set up
	}
	if err := s.file.StoreSession(ctx, s.last); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}
