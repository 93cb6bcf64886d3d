package scanner

import (
	"reflect"
	"testing"
)

var knownReasons = map[Reason]bool{ReasonOverlong: true, ReasonControlByte: true, ReasonNonASCII: true, ReasonNoAIM: true}

// FuzzFramer checks the framer's promises on any input: chunking does not change
// the frames, accepted frames are clean printable ASCII (or GS), refused ones are
// escaped and carry a known reason that Counts counts, the line buffer stays
// within MaxLen, the configured terminator changes nothing (CR, LF and CR LF
// end a line in every mode), and the frames are those of a plain reference
// model of the package doc's rules.
//
// mode picks the terminator (mode%4, "" included) and RequireAIM (mode&4);
// maxLen+1 is MaxLen, small so that overlong lines happen; every byte of cuts
// is the length of the next chunk. The seed corpus is in testdata/fuzz/FuzzFramer.
func FuzzFramer(f *testing.F) {
	terms := []string{TermCR, TermLF, TermCRLF, ""}
	f.Fuzz(func(t *testing.T, data, cuts []byte, mode, maxLen byte) {
		cfg := Config{Terminator: terms[mode%4], RequireAIM: mode&4 != 0, MaxLen: int(maxLen) + 1}

		whole := mustFramer(t, cfg)
		want := whole.Feed(data)
		check(t, cfg, whole, want)
		if ref := reference(cfg, data); !reflect.DeepEqual(want, ref) && len(want)+len(ref) > 0 {
			t.Fatalf("frames %q\nreference %q", want, ref)
		}
		for _, term := range terms {
			other := cfg
			other.Terminator = term
			if got := mustFramer(t, other).Feed(data); !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
				t.Fatalf("terminator %q: %q\nterminator %q: %q", term, got, cfg.Terminator, want)
			}
		}

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
			if l, c := len(chunked.buf), cap(chunked.buf); l > cfg.MaxLen || c > cfg.MaxLen {
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
			if l, c := len(bytewise.buf), cap(bytewise.buf); l > cfg.MaxLen || c > cfg.MaxLen {
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

// reference frames data by the package doc's rules, line by line rather than
// byte by byte: every CR and every LF ends a line; an empty line is nothing; a
// line longer than MaxLen is refused once, with its first MaxLen bytes, even
// when its terminator has not come yet; otherwise its first bad byte names it,
// then RequireAIM; anything else is a barcode.
func reference(cfg Config, data []byte) []Frame {
	var out []Frame
	var lines [][]byte
	start := 0
	for i, c := range data {
		if c == '\r' || c == '\n' {
			lines = append(lines, data[start:i])
			start = i + 1
		}
	}
	tail := data[start:]
	refuse := func(line []byte, r Reason) { out = append(out, Frame{Data: escape(line), Err: r}) }
	for _, line := range lines {
		if len(line) == 0 {
			continue
		}
		if len(line) > cfg.MaxLen {
			refuse(line[:cfg.MaxLen], ReasonOverlong)
			continue
		}
		bad := Reason("")
		for _, c := range line {
			if c >= 0x80 {
				bad = ReasonNonASCII
			} else if c < 0x20 && c != gs || c == 0x7f {
				bad = ReasonControlByte
			}
			if bad != "" {
				break
			}
		}
		switch {
		case bad != "":
			refuse(line, bad)
		case cfg.RequireAIM && !hasAIM(line):
			refuse(line, ReasonNoAIM)
		default:
			out = append(out, Frame{Data: string(line)})
		}
	}
	if len(tail) > cfg.MaxLen {
		refuse(tail[:cfg.MaxLen], ReasonOverlong)
	}
	return out
}
