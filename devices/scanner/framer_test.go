package scanner

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestFramer(t *testing.T) {
	long := strings.Repeat("9", 300)
	max256 := strings.Repeat("7", 256)
	tests := []struct {
		name string
		cfg  Config
		in   string
		want []Frame
	}{
		{"CR", Config{Terminator: TermCR}, "4006381333931\r", []Frame{{Data: "4006381333931"}}},
		{"LF", Config{Terminator: TermLF}, "4006381333931\n", []Frame{{Data: "4006381333931"}}},
		{"CRLF", Config{Terminator: TermCRLF}, "4006381333931\r\n", []Frame{{Data: "4006381333931"}}},
		{"default is CRLF", Config{}, "123\r\n456\r\n", []Frame{{Data: "123"}, {Data: "456"}}},
		{"CRLF mode takes lone CR", Config{Terminator: TermCRLF}, "123\r456\r", []Frame{{Data: "123"}, {Data: "456"}}},
		{"CRLF mode takes lone LF", Config{Terminator: TermCRLF}, "123\n456\n", []Frame{{Data: "123"}, {Data: "456"}}},
		{"CR mode takes CRLF", Config{Terminator: TermCR}, "123\r\n456\r\n", []Frame{{Data: "123"}, {Data: "456"}}},
		{"LF mode takes CRLF", Config{Terminator: TermLF}, "123\r\n456\r\n", []Frame{{Data: "123"}, {Data: "456"}}},
		{"CR mode takes lone LF", Config{Terminator: TermCR}, "12\n3\r456\r", []Frame{{Data: "12"}, {Data: "3"}, {Data: "456"}}},
		{"CR mode LF after CRLF is an empty line", Config{Terminator: TermCR}, "1\r\n\n2\r", []Frame{{Data: "1"}, {Data: "2"}}},
		{"LF mode takes lone CR", Config{Terminator: TermLF}, "12\r3\n456\n", []Frame{{Data: "12"}, {Data: "3"}, {Data: "456"}}},
		{"LF mode CR CR LF", Config{Terminator: TermLF}, "1\r\r\n", []Frame{{Data: "1"}}},
		{"no terminator yet", Config{}, "4006381333931", nil},
		{"empty lines ignored", Config{}, "\r\n\r\n\n\r\r\nA\r\n\r\n", []Frame{{Data: "A"}}},
		{"AIM prefix kept", Config{}, "]E04006381333931\r\n", []Frame{{Data: "]E04006381333931"}}},
		{"GS kept inside GS1 data", Config{}, "]C11012345\x1d17260101\r\n", []Frame{{Data: "]C11012345\x1d17260101"}}},
		{"ESC [A refused", Config{}, "123\x1b[A\r\n", []Frame{{Data: `123\x1b[A`, Err: ReasonControlByte}}},
		{"NUL refused", Config{}, "\x00\r\n", []Frame{{Data: `\x00`, Err: ReasonControlByte}}},
		{"TAB refused", Config{}, "a\tb\r\n", []Frame{{Data: `a\x09b`, Err: ReasonControlByte}}},
		{"DEL refused", Config{}, "a\x7f\r\n", []Frame{{Data: `a\x7f`, Err: ReasonControlByte}}},
		{"non-ASCII refused", Config{}, "caf\xc3\xa9\r\n", []Frame{{Data: `caf\xc3\xa9`, Err: ReasonNonASCII}}},
		{"first fault names the line", Config{}, "\xff\x1b\r\n\x1b\xff\r\n", []Frame{{Data: `\xff\x1b`, Err: ReasonNonASCII}, {Data: `\x1b\xff`, Err: ReasonControlByte}}},
		{"backslash escaped in refusal", Config{}, "\\\x01\r\n", []Frame{{Data: `\\\x01`, Err: ReasonControlByte}}},
		{"good line after a refused one", Config{}, "\x02bad\r\ngood\r\n", []Frame{{Data: `\x02bad`, Err: ReasonControlByte}, {Data: "good"}}},
		{"MaxLen fits", Config{}, max256 + "\r\n", []Frame{{Data: max256}}},
		{"overlong once, then resync", Config{}, long + "\r\nok\r\n", []Frame{{Data: strings.Repeat("9", 64) + "...", Err: ReasonOverlong}, {Data: "ok"}}},
		{"overlong reported before its end", Config{MaxLen: 4}, "123456789", []Frame{{Data: "1234", Err: ReasonOverlong}}},
		{"overlong with control byte", Config{MaxLen: 4}, "\x1b23456789\r", []Frame{{Data: `\x1b234`, Err: ReasonOverlong}}},
		{"LF mode overlong ends at CRLF", Config{Terminator: TermLF, MaxLen: 2}, "abc\r\nde\r\n", []Frame{{Data: "ab", Err: ReasonOverlong}, {Data: "de"}}},
		{"RequireAIM accepts", Config{RequireAIM: true}, "]e00190012345678908\r\n", []Frame{{Data: "]e00190012345678908"}}},
		{"RequireAIM refuses bare", Config{RequireAIM: true}, "4006381333931\r\n", []Frame{{Data: "4006381333931", Err: ReasonNoAIM}}},
		{"RequireAIM refuses prefix only", Config{RequireAIM: true}, "]E0\r\n", []Frame{{Data: "]E0", Err: ReasonNoAIM}}},
		{"RequireAIM refuses bad code", Config{RequireAIM: true}, "]00123\r\n", []Frame{{Data: "]00123", Err: ReasonNoAIM}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := mustFramer(t, tt.cfg)
			got := whole.Feed([]byte(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Feed(%q) =\n %q\nwant\n %q", tt.in, got, tt.want)
			}
			wantCounts := map[Reason]int{}
			for _, f := range tt.want {
				if f.Err != "" {
					wantCounts[f.Err]++
				}
			}
			if c := whole.Counts(); len(c)+len(wantCounts) > 0 && !reflect.DeepEqual(c, wantCounts) {
				t.Errorf("Counts() = %v, want %v", c, wantCounts)
			}
			// Every split into two chunks, and one byte at a time, gives the same frames.
			for i := 0; i <= len(tt.in); i++ {
				f := mustFramer(t, tt.cfg)
				got := append(f.Feed([]byte(tt.in[:i])), f.Feed([]byte(tt.in[i:]))...)
				if !reflect.DeepEqual(got, tt.want) && (len(got)+len(tt.want) > 0) {
					t.Fatalf("split at %d: %q, want %q", i, got, tt.want)
				}
			}
			f := mustFramer(t, tt.cfg)
			var bytewise []Frame
			for i := range len(tt.in) {
				bytewise = append(bytewise, f.Feed([]byte{tt.in[i]})...)
			}
			if !reflect.DeepEqual(bytewise, tt.want) && (len(bytewise)+len(tt.want) > 0) {
				t.Fatalf("byte by byte: %q, want %q", bytewise, tt.want)
			}
		})
	}
}

func mustFramer(t testing.TB, cfg Config) *Framer {
	t.Helper()
	f, err := NewFramer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFramerZeroValue(t *testing.T) {
	var f Framer
	got := f.Feed([]byte("A\rB\nC\r\n" + strings.Repeat("x", DefaultMaxLen+1) + "\r\n"))
	want := []Frame{{Data: "A"}, {Data: "B"}, {Data: "C"}, {Data: strings.Repeat("x", 64) + "...", Err: ReasonOverlong}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestFramerReset(t *testing.T) {
	f := mustFramer(t, Config{Terminator: TermLF})
	f.Feed([]byte("\x1bhalf a line\r"))
	f.Reset()
	if got := f.Feed([]byte("\nnext\n")); !reflect.DeepEqual(got, []Frame{{Data: "next"}}) {
		t.Fatalf("after Reset: %q", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{Terminator: "CRCR"}, {Terminator: "cr"}, {MaxLen: -1}, {MaxLen: MaxMaxLen + 1}} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			if err := c.Validate(); err == nil {
				t.Fatal("accepted")
			}
			if _, err := NewFramer(c); err == nil {
				t.Fatal("NewFramer accepted")
			}
		})
	}
}

// TestFramerAnyLineEnding: CR, LF and CR LF each end a line whatever the
// configured terminator, however the bytes are chunked; a scan after a line
// with another ending is never swallowed.
func TestFramerAnyLineEnding(t *testing.T) {
	scans := []string{"4006381333931", "]E096385074", "]C1010401234567890810ABC\x1d17260101"}
	endings := map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n", "LFCR": "\n\r", "CRCRLF": "\r\r\n"}
	chunkings := map[string]func(in string) []string{
		"whole": func(in string) []string { return []string{in} },
		"bytewise": func(in string) []string {
			var out []string
			for i := range len(in) {
				out = append(out, in[i:i+1])
			}
			return out
		},
		"cut after each CR": func(in string) []string { return strings.SplitAfter(in, "\r") },
		"cut before each terminator": func(in string) []string {
			var out []string
			start := 0
			for i := 1; i < len(in); i++ {
				if (in[i] == '\r' || in[i] == '\n') && in[i-1] != '\r' && in[i-1] != '\n' {
					out = append(out, in[start:i])
					start = i
				}
			}
			return append(out, in[start:])
		},
	}
	want := make([]Frame, len(scans))
	for i, s := range scans {
		want[i] = Frame{Data: s}
	}
	for _, term := range []string{"", TermCR, TermLF, TermCRLF} {
		for endName, end := range endings {
			for chunkName, chunk := range chunkings {
				t.Run(fmt.Sprintf("config %q/ending %s/%s", term, endName, chunkName), func(t *testing.T) {
					var in string
					for _, s := range scans {
						in += s + end
					}
					f := mustFramer(t, Config{Terminator: term, RequireAIM: false})
					var got []Frame
					for _, c := range chunk(in) {
						got = append(got, f.Feed([]byte(c))...)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("Feed(%q) =\n %q\nwant\n %q", in, got, want)
					}
					if c := f.Counts(); len(c) != 0 {
						t.Fatalf("refusals %v", c)
					}
				})
			}
		}
	}
	// Mixed endings in one stream, and a refused line that must not take the
	// next one with it.
	for _, term := range []string{"", TermCR, TermLF, TermCRLF} {
		t.Run(fmt.Sprintf("config %q/mixed with a refusal", term), func(t *testing.T) {
			in := "111\n222\r333\r\n\x1b[A\n444\r\x00\r555\n"
			want := []Frame{{Data: "111"}, {Data: "222"}, {Data: "333"}, {Data: `\x1b[A`, Err: ReasonControlByte},
				{Data: "444"}, {Data: `\x00`, Err: ReasonControlByte}, {Data: "555"}}
			f := mustFramer(t, Config{Terminator: term})
			if got := f.Feed([]byte(in)); !reflect.DeepEqual(got, want) {
				t.Fatalf("Feed(%q) =\n %q\nwant\n %q", in, got, want)
			}
		})
	}
}
