package staff

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzClean: whatever a client sends as an id, a where or a reason, what the
// audit log keeps is valid UTF-8 without control characters, of bounded size,
// and what was fit is kept as it was.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"anna", "handheld 10.0.0.7", "a\x1b[2Jb", "\xff\xfe", strings.Repeat("ä", 40), "x\u2028y\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s)
		if !utf8.ValidString(c) || len(c) > 64 {
			t.Fatalf("clean(%q) = %q", s, c)
		}
		for _, r := range c {
			if unicode.IsControl(r) {
				t.Fatalf("clean(%q) keeps %U", s, r)
			}
		}
		fit := utf8.ValidString(s) && len(s) <= 64 && strings.IndexFunc(s, unicode.IsControl) < 0
		if fit && c != s {
			t.Fatalf("clean(%q) = %q changed fit text", s, c)
		}
	})
}

// FuzzParsePHC: a stored hash (a row someone may have edited) is read or
// refused, never a panic, and never with costs past the bounds.
func FuzzParsePHC(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U",
		"$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdA$a2V5",
		"$2a$10$abcdefghijklmnopqrstuu", "", "$$$$$",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			return
		}
		if p.Memory > 1<<20 || p.Time > 16 || p.Threads > 16 || p.Threads < 1 || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
			t.Fatalf("parsePHC(%q) accepted %+v salt %d key %d", s, p, len(salt), len(key))
		}
	})
}

// FuzzValidPIN: only 4 to 12 ASCII digits pass.
func FuzzValidPIN(f *testing.F) {
	for _, s := range []string{"2580", "123", "1234567890123", "١٢٣٤", "12 4", "0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := len(s) >= 4 && len(s) <= 12 && strings.Trim(s, "0123456789") == ""
		if (ValidPIN(s) == nil) != ok {
			t.Fatalf("ValidPIN(%q) = %v", s, ValidPIN(s))
		}
	})
}
