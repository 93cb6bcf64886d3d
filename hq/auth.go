package hq

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
	"sync"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
)

// Roles of users and tokens.
const (
	RoleAnalyst = "analyst" // the chain's figures, catalog publishing
	RoleStore   = "store"   // one store's figures (its supervisor)
	RoleLane    = "lane"    // a store's lanes pushing their journal
)

// Principal is who a token or login belongs to. Store is set for store and
// lane principals: they see and push that store only.
type Principal struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Store string `json:"store,omitempty"`
}

// TokenBytes is the entropy of a token: 256 bits (at least 128 are asked for).
const TokenBytes = 32

// CreateToken makes a new API token and returns it: it is shown once, HQ
// keeps only its SHA-256.
func (s *Service) CreateToken(ctx context.Context, name, role, store string) (string, error) {
	if err := checkRole(role, store); err != nil {
		return "", err
	}
	if !text(name, 64) || name == "" {
		return "", fmt.Errorf("%w: token name: 1..64 characters", ErrInvalid)
	}
	b := make([]byte, TokenBytes)
	rand.Read(b)
	tok := "kh_" + base64.RawURLEncoding.EncodeToString(b)
	err := s.db.WithContext(ctx).Create(&Token{Hash: hashToken(tok), Name: name, Role: role, Store: store}).Error
	if err != nil {
		return "", err
	}
	s.tokens.Range(func(k, _ any) bool { s.tokens.Delete(k); return true })
	return tok, nil
}

// Authenticate says whose token tok is. The token's hash is compared in
// constant time with the one HQ keeps.
func (s *Service) Authenticate(ctx context.Context, tok string) (Principal, error) {
	if len(tok) < 16 || len(tok) > 256 {
		return Principal{}, ErrAuth
	}
	h := hashToken(tok)
	if p, ok := s.tokens.Load(h); ok {
		return p.(Principal), nil
	}
	var t Token
	err := s.db.WithContext(ctx).Where("hash = ? AND disabled = ?", h, false).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Principal{}, ErrAuth
	}
	if err != nil {
		return Principal{}, err
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1 {
		return Principal{}, ErrAuth
	}
	p := Principal{Name: t.Name, Role: t.Role, Store: t.Store}
	s.tokens.Store(h, p)
	return p, nil
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func checkRole(role, store string) error {
	switch role {
	case RoleAnalyst:
		if store != "" {
			return fmt.Errorf("%w: an analyst sees the chain: no store", ErrInvalid)
		}
	case RoleStore, RoleLane:
		if !ident(store, 32) {
			return fmt.Errorf("%w: a %s token or user needs its store", ErrInvalid, role)
		}
	default:
		return fmt.Errorf("%w: role %q: analyst, store or lane", ErrInvalid, role)
	}
	return nil
}

// Password hashing: argon2id, 2 passes over 64 MiB, 4 lanes, 16-byte salt.
const (
	argonTime, argonMemKiB, argonThreads = 2, 64 * 1024, 2
)

// argonSlots bounds concurrent password checks (each takes 64 MiB).
var argonSlots = make(chan struct{}, 2)

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	argonSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemKiB, argonThreads, 32)
	<-argonSlots
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func checkPassword(phc, pw string) bool {
	var m, t uint32
	var p uint8
	f := strings.Split(phc, "$")
	if len(f) != 6 || f[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	want, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	argonSlots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-argonSlots
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked for a name nobody has, so that a login takes as long
// whether the name exists or not.
var dummyHash = sync.OnceValue(func() string { return hashPassword("no such user") })

// CreateUser adds a dashboard user; the password is 10..128 characters.
func (s *Service) CreateUser(ctx context.Context, name, role, store, password string) error {
	if err := checkRole(role, store); err != nil || role == RoleLane {
		return fmt.Errorf("%w: a user is an analyst or a store", ErrInvalid)
	}
	if !ident(name, 64) {
		return fmt.Errorf("%w: user name: 1..64 letters, digits, '-', '_' or '.'", ErrInvalid)
	}
	if n := len([]rune(password)); n < 10 || n > 128 {
		return fmt.Errorf("%w: a password has 10 to 128 characters", ErrInvalid)
	}
	return s.db.WithContext(ctx).Create(&User{Name: name, Role: role, Store: store, PassHash: hashPassword(password)}).Error
}

// Login checks a user's password.
func (s *Service) Login(ctx context.Context, name, password string) (Principal, error) {
	var u User
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || len(name) > 64 || len(password) > 128 {
		checkPassword(dummyHash(), password)
		return Principal{}, ErrAuth
	}
	if err != nil {
		return Principal{}, err
	}
	if !checkPassword(u.PassHash, password) || u.Disabled {
		return Principal{}, ErrAuth
	}
	return Principal{Name: u.Name, Role: u.Role, Store: u.Store}, nil
}
