package crypto

import (
	"crypto/rand"
	"testing"
)

func BenchmarkValidateConfigFull(b *testing.B) {
	p := rfc3526Group14.Bytes()
	for b.Loop() {
		if _, err := ValidateConfig(2, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateConfigKnown(b *testing.B) {
	p := telegramPrime.Bytes()
	for b.Loop() {
		if _, err := ValidateConfig(3, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewSecret(b *testing.B) {
	cfg := telegramConfig()
	for b.Loop() {
		if _, err := NewSecret(cfg, nil, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSharedKey(b *testing.B) {
	cfg := telegramConfig()
	a, _ := NewSecret(cfg, nil, rand.Reader)
	peer, _ := NewSecret(cfg, nil, rand.Reader)
	pub := peer.Public()
	for b.Loop() {
		if _, err := a.SharedKey(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDHSetup is one side's whole set-up once the config is cached.
func BenchmarkDHSetup(b *testing.B) {
	var c DHCache
	p := telegramPrime.Bytes()
	random := make([]byte, 256)
	peer, _ := NewSecret(telegramConfig(), nil, rand.Reader)
	gb := peer.Public()
	for b.Loop() {
		cfg, err := c.Update(1, 3, p)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSecret(cfg, random, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		k, err := s.SharedKey(gb)
		if err != nil {
			b.Fatal(err)
		}
		_ = k.Fingerprint()
		_ = Emoji(&k, s.Public())
	}
}
