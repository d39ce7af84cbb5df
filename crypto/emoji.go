package crypto

import (
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// emojiCount is the size of Telegram's emoji fingerprint table (spec §2.7).
const emojiCount = 333

//go:embed emoji-table.json
var emojiJSON []byte

// emojiTable is parsed once at start-up; it is a build-time asset, so a bad
// table is a programming error and panics before any call can use it.
var emojiTable = mustParseTable(emojiJSON)

func mustParseTable(b []byte) []string {
	var t []string
	if err := json.Unmarshal(b, &t); err != nil {
		panic(fmt.Sprintf("crypto: embedded emoji table: %v", err))
	}
	if len(t) != emojiCount {
		panic(fmt.Sprintf("crypto: embedded emoji table has %d entries, want %d", len(t), emojiCount))
	}
	return t
}

// EmojiIndexes maps SHA256(key ‖ g_a) to four table indexes; g_a is the
// caller's public value as transmitted, on both sides (spec §2.7).
func EmojiIndexes(k *Key, ga []byte) [4]int {
	h := sha256.New()
	h.Write(k[:])
	h.Write(ga)
	sum := h.Sum(nil)
	var idx [4]int
	for i := range idx {
		v := binary.BigEndian.Uint64(sum[8*i:]) & 0x7FFFFFFFFFFFFFFF
		idx[i] = int(v % emojiCount)
	}
	return idx
}

// Emoji returns the four emoji both users compare to verify the key.
func Emoji(k *Key, ga []byte) [4]string {
	var out [4]string
	for i, j := range EmojiIndexes(k, ga) {
		out[i] = emojiTable[j]
	}
	return out
}
