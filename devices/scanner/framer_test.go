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
		{"CR mode refuses lone LF", Config{Terminator: TermCR}, "12\n3\r456\r", []Frame{{Data: `12\x0a3`, Err: ReasonControlByte}, {Data: "456"}}},
		{"CR mode refuses LF after CRLF", Config{Terminator: TermCR}, "1\r\n\n2\r", []Frame{{Data: "1"}, {Data: `\x0a2`, Err: ReasonControlByte}}},
		{"LF mode refuses lone CR", Config{Terminator: TermLF}, "12\r3\n456\n", []Frame{{Data: `12\x0d3`, Err: ReasonControlByte}, {Data: "456"}}},
		{"LF mode CR CR LF", Config{Terminator: TermLF}, "1\r\r\n", []Frame{{Data: `1\x0d`, Err: ReasonControlByte}}},
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
