package crypto

import (
	"math/big"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(make([]byte, 257))
	f.Add(pad(new(big.Int).Lsh(big.NewInt(1), 1984)))
	f.Add(pad(new(big.Int).Sub(telegramPrime, big.NewInt(1))))
	f.Add(telegramPrime.Bytes())
}

func FuzzCheckPublic(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, gx []byte) {
		err := CheckPublic(gx, telegramPrime)
		x := new(big.Int).SetBytes(gx)
		inRange := x.Cmp(rangeMargin) >= 0 && x.Cmp(new(big.Int).Sub(telegramPrime, rangeMargin)) <= 0
		if ok := len(gx) > 0 && len(gx) <= 256 && inRange; ok != (err == nil) {
			t.Fatalf("CheckPublic(%x) = %v, in range %v", gx, err, ok)
		}
	})
}

func FuzzSharedKey(f *testing.F) {
	fuzzSeeds(f)
	sec, err := NewSecret(telegramConfig(), nil, seeded(9))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, peer []byte) {
		k, err := sec.SharedKey(peer)
		if err == nil && CheckPublic(peer, telegramPrime) != nil {
			t.Fatalf("SharedKey accepted %x", peer)
		}
		if err == nil {
			_ = k.Fingerprint()
			_ = Emoji(&k, peer)
		}
	})
}
