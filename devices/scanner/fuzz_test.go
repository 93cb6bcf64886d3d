package scanner

import (
	"reflect"
	"testing"
)

var knownReasons = map[Reason]bool{ReasonOverlong: true, ReasonControlByte: true, ReasonNonASCII: true, ReasonNoAIM: true}

// FuzzFramer checks the framer's promises on any input: chunking does not change
// the frames, accepted frames are clean printable ASCII (or GS), refused ones are
// escaped and carry a known reason that Counts counts, and the line buffer stays
// within MaxLen + the terminator's length.
//
// mode picks the terminator (mode%3) and RequireAIM (mode&4); maxLen+1 is MaxLen,
// small so that overlong lines happen; every byte of cuts is the length of the
// next chunk. The seed corpus is in testdata/fuzz/FuzzFramer.
func FuzzFramer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data, cuts []byte, mode, maxLen byte) {
		cfg := Config{Terminator: []string{TermCR, TermLF, TermCRLF}[mode%3], RequireAIM: mode&4 != 0, MaxLen: int(maxLen) + 1}
		termLen := map[string]int{TermCR: 1, TermLF: 1, TermCRLF: 2}[cfg.Terminator]

		whole := mustFramer(t, cfg)
		want := whole.Feed(data)
		check(t, cfg, whole, want)

		chunked := mustFramer(t, cfg)
		var got []Frame
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) {
				n = min(int(cuts[i]), n)
			}
			got = append(got, chunked.Feed(rest[:n])...)
			rest = rest[n:]
			if l, c := len(chunked.buf), cap(chunked.buf); l > cfg.MaxLen+termLen || c > cfg.MaxLen+termLen {
				t.Fatalf("buffer len %d cap %d, MaxLen %d", l, c, cfg.MaxLen)
			}
		}
		if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("chunked %v: %q\nwhole: %q", cuts, got, want)
		}

		bytewise := mustFramer(t, cfg)
		got = got[:0]
		for i := range data {
			got = append(got, bytewise.Feed(data[i:i+1])...)
			if l, c := len(bytewise.buf), cap(bytewise.buf); l > cfg.MaxLen+termLen || c > cfg.MaxLen+termLen {
				t.Fatalf("buffer len %d cap %d after byte %d, MaxLen %d", l, c, i, cfg.MaxLen)
			}
		}
		if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("byte by byte: %q\nwhole: %q", got, want)
		}
		if !reflect.DeepEqual(bytewise.Counts(), whole.Counts()) {
			t.Fatalf("counts %v, whole %v", bytewise.Counts(), whole.Counts())
		}
	})
}

func check(t *testing.T, cfg Config, f *Framer, frames []Frame) {
	t.Helper()
	refused := map[Reason]int{}
	for _, fr := range frames {
		for i := 0; i < len(fr.Data); i++ {
			if c := fr.Data[i]; (c < 0x20 && c != gs) || c > 0x7e {
				t.Fatalf("frame %q has byte %#x", fr.Data, c)
			}
		}
		if fr.Err != "" {
			if !knownReasons[fr.Err] {
				t.Fatalf("unknown reason %q", fr.Err)
			}
			refused[fr.Err]++
			continue
		}
		switch {
		case fr.Data == "":
			t.Fatal("empty frame emitted")
		case len(fr.Data) > cfg.MaxLen:
			t.Fatalf("frame of %d bytes, MaxLen %d", len(fr.Data), cfg.MaxLen)
		case cfg.RequireAIM && !hasAIM([]byte(fr.Data)):
			t.Fatalf("frame %q without AIM prefix", fr.Data)
		}
	}
	if c := f.Counts(); len(c)+len(refused) > 0 && !reflect.DeepEqual(c, refused) {
		t.Fatalf("Counts %v, refused frames %v", c, refused)
	}
}
