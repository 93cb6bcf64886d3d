package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// kdfParams are argon2id's cost parameters (RFC 9106).
type kdfParams struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// pinKDF is what a new PIN is hashed with: argon2id, 2 passes over 64 MiB,
// one lane, which takes about 70 ms on the kiosk's reference machine (2
// cores; BenchmarkHashPIN). argon2id over bcrypt: memory-hard, so guessing
// PINs from a stolen database on a GPU costs memory per guess, not only
// time. A short PIN is still guessable offline with enough time; the
// database file is the kiosk user's alone (0600), and at the lane the
// lockout is what protects a PIN. Tests lower it (cheapKDF).
var pinKDF = kdfParams{Time: 2, Memory: 64 * 1024, Threads: 1}

// hashSlots bounds the PIN hashes computed at once, so that a flood of
// logins costs at most hashSlots × pinKDF.Memory of memory.
const hashSlots = 2

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hasher computes PIN hashes, hashSlots at a time.
type hasher struct {
	slots    chan struct{}
	verifies atomic.Int64 // PIN checks done, for tests that every login spends one
}

func newHasher() *hasher { return &hasher{slots: make(chan struct{}, hashSlots)} }

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// hash returns the PHC string of pin under pinKDF with a fresh salt:
// $argon2id$v=19$m=65536,t=2,p=1$SALT$KEY (unpadded base64).
func (h *hasher) hash(ctx context.Context, pin string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	p := pinKDF
	key := argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, keyLen)
	h.release()
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify reports whether pin matches the PHC string encoded, comparing in
// constant time. A hash it cannot read is a mismatch (and an error).
func (h *hasher) verify(ctx context.Context, pin, encoded string) (bool, error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	h.release()
	h.verifies.Add(1)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

var errHashFormat = errors.New("staff: unreadable PIN hash")

// parsePHC reads what hash wrote. Its bounds keep a tampered row from
// making one login cost gigabytes or minutes.
func parsePHC(s string) (kdfParams, []byte, []byte, error) {
	var p kdfParams
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errHashFormat
	}
	var threads uint32
	if n, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); n != 3 || err != nil {
		return p, nil, nil, errHashFormat
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || threads < 1 || threads > 16 {
		return p, nil, nil, errHashFormat
	}
	p.Threads = uint8(threads)
	salt, err1 := b64.DecodeString(f[4])
	key, err2 := b64.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errHashFormat
	}
	return p, salt, key, nil
}

// badgeHash is how a badge code is stored and looked up: a badge is a long
// random code, not a guessable PIN, so a fast hash is enough to keep the
// code itself out of the database.
func badgeHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
