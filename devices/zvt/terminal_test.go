package zvt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// testPT is a small terminal written for these tests: it registers the
// cash register, then answers each command with the script's function.
type testPT struct {
	t      *testing.T
	script map[[2]byte]func(c *ptConn, cmd APDU)

	mu     sync.Mutex
	events []string
	regs   []APDU
}

type ptConn struct {
	pt      *testPT
	l       Link
	pending []APDU // commands that came while waiting for an answer
}

func (p *testPT) event(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, fmt.Sprintf(format, args...))
}

func (p *testPT) Events() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.events...)
}

// send sends a as master and waits for the register's answer.
func (c *ptConn) send(a APDU) (APDU, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.l.Send(ctx, a); err != nil {
		return APDU{}, err
	}
	for {
		r, err := c.l.Recv(ctx)
		if err != nil {
			return r, err
		}
		if !IsReply(r) { // the register may send 06 B0 at any time
			c.pending = append(c.pending, r)
			continue
		}
		c.pt.event("answer %02X %02X to %02X %02X", r.Class, r.Instr, a.Class, a.Instr)
		return r, nil
	}
}

func (c *ptConn) mustSend(a APDU) {
	if r, err := c.send(a); err != nil || !IsAck(r) {
		c.pt.event("no ack to %02X %02X: %v", a.Class, a.Instr, err)
	}
}

func (c *ptConn) reply(a APDU) {
	c.l.Send(context.Background(), a)
}

// serve answers commands on l until it fails.
func (p *testPT) serve(l Link) {
	c := &ptConn{pt: p, l: l}
	defer l.Close()
	for {
		var cmd APDU
		if len(c.pending) > 0 {
			cmd, c.pending = c.pending[0], c.pending[1:]
		} else {
			var err error
			if cmd, err = l.Recv(context.Background()); err != nil {
				return
			}
		}
		if IsReply(cmd) {
			continue
		}
		p.event("cmd %02X %02X", cmd.Class, cmd.Instr)
		if cmd.Is(CmdRegistration) {
			p.mu.Lock()
			p.regs = append(p.regs, cmd)
			p.mu.Unlock()
		}
		if f := p.script[[2]byte{cmd.Class, cmd.Instr}]; f != nil {
			f(c, cmd)
			continue
		}
		if cmd.Is(CmdRegistration) {
			c.reply(Ack())
			tid, _ := NumberField(BMPTID, 12345678)
			c.mustSend(APDU{0x06, 0x0F, Fields{ByteField(BMPPaymentType, 0), tid}.Bytes()})
			continue
		}
		c.reply(Nack(0x83))
	}
}

// tcpPT listens on loopback and serves every connection.
func tcpPT(t *testing.T, script map[[2]byte]func(*ptConn, APDU)) (*testPT, string) {
	p := &testPT{t: t, script: script}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(NewTCPLink(c))
		}
	}()
	return p, ln.Addr().String()
}

func testConfig(log *slog.Logger) Config {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	return Config{T3: 500 * time.Millisecond, T4: 2 * time.Second, Location: time.UTC, Now: func() time.Time { return now }, Log: log}
}

func newTerminal(t *testing.T, d Dialer) *Terminal {
	term, err := New(d, testConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return term
}

func mustField(t *testing.T, bmp byte, v int64) Field {
	f, err := NumberField(bmp, v)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func approvedInfo(t *testing.T, amount int64, pan string) APDU {
	fs := Fields{
		ByteField(BMPResult, 0), mustField(t, BMPAmount, amount), mustField(t, BMPTrace, 123),
		{BMPTime, []byte{0x14, 0x30, 0x05}}, {BMPDate, []byte{0x11, 0x24}}, ByteField(BMPPaymentType, 0x70),
		mustField(t, BMPTID, 12345678), mustField(t, BMPCurrency, 978),
		mustField(t, BMPReceiptNo, 42), TextField(BMPCardName, "VISA"),
	}
	if pan != "" {
		fs = append(fs, PANField(pan))
	}
	return APDU{0x04, 0x0F, fs.Bytes()}
}

func printLine(s string) APDU { return APDU{0x06, 0xD1, append([]byte{0x00}, EncodeText(s)...)} }

// approve plays an approved card payment.
func approve(t *testing.T, pan string) func(c *ptConn, cmd APDU) {
	return func(c *ptConn, cmd APDU) {
		fs, err := ParseFields(cmd.Data)
		amount, _ := fs.Number(BMPAmount)
		if err != nil || amount == 0 {
			c.reply(Nack(0x9A))
			return
		}
		c.reply(Ack())
		c.mustSend(APDU{0x04, 0xFF, []byte{0x0A}})
		c.mustSend(APDU{0x04, 0xFF, []byte{0x17}})
		c.mustSend(approvedInfo(t, amount, pan))
		c.mustSend(printLine("Kartenzahlung"))
		c.mustSend(printLine("Betrag EUR 10,50"))
		c.mustSend(APDU{0x06, 0x0F, nil})
	}
}

func TestPayApprovedOverSerial(t *testing.T) {
	sp := simPort(t)
	pt := &testPT{t: t, script: map[[2]byte]func(*ptConn, APDU){CmdAuthorization: approve(t, "4761730000000010")}}
	go pt.serve(NewSerialLink(sp, SerialOptions{}))
	term := newTerminal(t, SerialDialer(serialport.Config{Path: sp.Path()}, SerialOptions{}))
	var progress []string
	var recorded []devices.PaymentResult
	res, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 1050, Currency: "978"}, devices.PaymentHooks{
		Progress: func(code, text string) { progress = append(progress, code) },
		Record: func(r devices.PaymentResult) error {
			pt.event("recorded")
			recorded = append(recorded, r)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := devices.PaymentResult{Approved: true, Amount: 1050, Trace: 123, ReceiptNo: 42, MaskedPAN: "476173******0010",
		CardName: "VISA", TerminalID: "12345678", At: time.Date(2026, 11, 24, 14, 30, 5, 0, time.UTC),
		Receipt: []string{"Kartenzahlung", "Betrag EUR 10,50"}}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("result\n%+v\nwant\n%+v", res, want)
	}
	if strings.Join(progress, ",") != "insert_card,wait" {
		t.Errorf("progress %v", progress)
	}
	if len(recorded) != 1 || recorded[0].ReceiptNo != 42 {
		t.Errorf("recorded %+v", recorded)
	}
	pt.mu.Lock()
	reg := pt.regs[0]
	pt.mu.Unlock()
	if !bytes.Equal(reg.Bytes(), unhex(t, "06 00 08 00 00 00 BE 09 78 03 01")) {
		t.Errorf("registration % X", reg.Bytes())
	}
	ev := strings.Join(pt.Events(), "\n")
	if !strings.Contains(ev, "recorded\nanswer 80 00 to 04 0F") {
		t.Errorf("the result was not recorded right before its ack:\n%s", ev)
	}
	if term.TerminalID() != "12345678" {
		t.Errorf("tid %q", term.TerminalID())
	}
}

func TestPayRecordFailsNoAck(t *testing.T) {
	pt, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){CmdAuthorization: approve(t, "476173******0010")})
	term := newTerminal(t, TCPDialer(addr))
	boom := errors.New("disk full")
	_, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 1050}, devices.PaymentHooks{Record: func(devices.PaymentResult) error { return boom }})
	if !errors.Is(err, boom) || !errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, devices.ErrNotSent) {
		t.Fatalf("Pay: %v", err)
	}
	waitEvent(t, pt, "no ack to 04 0F")
	for _, e := range pt.Events() {
		if e == "answer 80 00 to 04 0F" {
			t.Fatal("status information acknowledged though Record failed")
		}
	}
}

func waitEvent(t *testing.T, pt *testPT, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range pt.Events() {
			if strings.HasPrefix(e, want) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no event %q in %q", want, pt.Events())
}

func TestPayOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		play     func(c *ptConn, cmd APDU)
		approved bool
		result   int
		notSent  bool
		unknown  bool
	}{
		{name: "declined", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x04, 0xFF, []byte{0x1D}})
			c.mustSend(APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0x05), mustField(t, BMPTrace, 124)}.Bytes()})
			c.mustSend(APDU{0x06, 0x1E, []byte{0x05}})
		}, result: 5},
		{name: "aborted_without_status", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x1E, []byte{0x6C}})
		}, result: 0x6C},
		{name: "unknown_bmp_after_result", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x04, 0x0F, append(Fields{ByteField(BMPResult, 0), mustField(t, BMPAmount, 500)}.Bytes(), 0x55, 0x01, 0x02)})
			c.mustSend(APDU{0x06, 0x0F, nil})
		}, approved: true},
		{name: "unknown_bmp_before_result", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x04, 0x0F, append([]byte{0x55, 0x01}, Fields{ByteField(BMPResult, 0)}.Bytes()...)})
			c.mustSend(APDU{0x06, 0x0F, nil})
		}, unknown: true},
		{name: "busy", play: func(c *ptConn, cmd APDU) { c.reply(Nack(0xA0)) }, notSent: true},
		{name: "lost_after_ack", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.l.Close()
		}, unknown: true},
		{name: "silent_after_ack", play: func(c *ptConn, cmd APDU) { c.reply(Ack()) }, unknown: true},
		{name: "no_answer_at_all", play: func(c *ptConn, cmd APDU) {}, unknown: true},
		{name: "completion_without_status", play: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x0F, nil})
		}, unknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){CmdAuthorization: tc.play})
			term := newTerminal(t, TCPDialer(addr))
			res, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{})
			switch {
			case tc.notSent:
				if !errors.Is(err, devices.ErrNotSent) || errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("Pay: %v", err)
				}
			case tc.unknown:
				if err == nil || errors.Is(err, devices.ErrNotSent) || !errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("Pay: %v", err)
				}
			default:
				if err != nil || res.Approved != tc.approved || res.Result != tc.result {
					t.Fatalf("Pay: %+v %v", res, err)
				}
			}
		})
	}
}

func TestPayNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	term := newTerminal(t, TCPDialer(addr))
	if _, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{}); !errors.Is(err, devices.ErrNotSent) {
		t.Fatalf("connection refused: %v", err)
	}
	for _, req := range []devices.PaymentRequest{{Amount: 0}, {Amount: 1, Currency: "EUR"}, {Amount: 1e12}} {
		if _, err := term.Pay(ctxT(t), req, devices.PaymentHooks{}); !errors.Is(err, devices.ErrNotSent) {
			t.Fatalf("%+v: %v", req, err)
		}
	}
	// A serial terminal that never acknowledges a frame took nothing.
	sp := simPort(t)
	silent := newTerminal(t, SerialDialer(serialport.Config{Path: sp.Path()}, SerialOptions{T2: 50 * time.Millisecond}))
	if _, err := silent.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{}); !errors.Is(err, devices.ErrNotSent) {
		t.Fatalf("silent serial terminal: %v", err)
	}
}

// TestAbortWhilePaying: Abort from another goroutine while the terminal waits
// for a card sends 06 B0; the payment ends not approved with result 6C.
func TestAbortWhilePaying(t *testing.T) {
	aborted := make(chan struct{})
	_, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
		CmdAuthorization: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			// The register answers 80 00 to 04 FF; its 06 B0 then comes as
			// a command, which serve hands to the script below.
			c.mustSend(APDU{0x04, 0xFF, []byte{0x0A}})
		},
		CmdAbort: func(c *ptConn, cmd APDU) {
			close(aborted)
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x1E, []byte{0x6C}})
		},
	})
	term := newTerminal(t, TCPDialer(addr))
	res, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{
		Progress: func(code, _ string) {
			if code == devices.ProgressInsertCard {
				go term.Abort(context.Background())
			}
		},
	})
	if err != nil || res.Approved || res.Result != 0x6C {
		t.Fatalf("Pay: %+v %v", res, err)
	}
	select {
	case <-aborted:
	default:
		t.Fatal("no 06 B0")
	}
	if err := term.Abort(ctxT(t)); err != nil {
		t.Fatalf("Abort without a payment: %v", err)
	}
}

func TestLastResultReverseEndOfDayStatus(t *testing.T) {
	var reversal APDU
	pt, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
		CmdRepeatReceipt: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(approvedInfo(t, 1050, "476173******0010"))
			c.mustSend(APDU{0x06, 0x0F, nil})
		},
		CmdReversal: func(c *ptConn, cmd APDU) {
			reversal = cmd
			c.reply(Ack())
			c.mustSend(APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0), mustField(t, BMPAmount, 1050),
				mustField(t, BMPTrace, 124), mustField(t, BMPOrigTrace, 123), mustField(t, BMPReceiptNo, 43)}.Bytes()})
			c.mustSend(APDU{0x06, 0x0F, nil})
		},
		CmdEndOfDay: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x04, 0x0F, Fields{ByteField(BMPResult, 0), mustField(t, BMPAmount, 99900)}.Bytes()})
			c.mustSend(printLine("Kassenschnitt"))
			c.mustSend(APDU{0x06, 0x0F, nil})
		},
		CmdStatusEnquiry: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x0F, StatusReport{Version: "SIM 1.0", Code: StatusCardInserted, TLV: []TLV{{Tag: 0x1F44, Value: []byte{0x12}}}}.Data()})
		},
	})
	term := newTerminal(t, TCPDialer(addr))
	ctx := ctxT(t)
	res, err := term.LastResult(ctx)
	if err != nil || !res.Approved || res.ReceiptNo != 42 || res.Amount != 1050 {
		t.Fatalf("LastResult %+v %v", res, err)
	}
	var recorded bool
	res, err = term.Reverse(ctx, 42, 1050, devices.PaymentHooks{Record: func(devices.PaymentResult) error { recorded = true; return nil }})
	if err != nil || !res.Approved || res.ReceiptNo != 43 || !recorded {
		t.Fatalf("Reverse %+v %v", res, err)
	}
	if want := unhex(t, "06 30 0D 00 00 00 87 00 42 04 00 00 00 00 10 50"); !bytes.Equal(reversal.Bytes(), want) {
		t.Errorf("reversal % X\nwant     % X", reversal.Bytes(), want)
	}
	res, err = term.EndOfDay(ctx)
	if err != nil || !res.Approved || res.Amount != 99900 || len(res.Receipt) != 1 {
		t.Fatalf("EndOfDay %+v %v", res, err)
	}
	st, err := term.Status(ctx)
	if err != nil || st.Ready || st.Code != 0xDC || st.TerminalID != "12345678" {
		t.Fatalf("Status %+v %v", st, err)
	}
	pt.mu.Lock()
	regs := len(pt.regs)
	pt.mu.Unlock()
	if regs != 1 {
		t.Fatalf("%d registrations on one connection", regs)
	}
}

// TestReconnectsAndRegistersAgain: a terminal that drops the connection
// between commands is dialled and registered again by the next one.
func TestReconnectsAndRegistersAgain(t *testing.T) {
	var conns []Link
	var mu sync.Mutex
	pt, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
		CmdStatusEnquiry: func(c *ptConn, cmd APDU) {
			mu.Lock()
			conns = append(conns, c.l)
			mu.Unlock()
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x0F, StatusReport{Version: "SIM", Code: StatusReady}.Data()})
			c.l.Close()
		},
	})
	term := newTerminal(t, TCPDialer(addr))
	for i := range 3 {
		st, err := term.Status(ctxT(t))
		if err != nil || !st.Ready {
			t.Fatalf("status %d: %+v %v", i, st, err)
		}
		// wait until the register saw the connection end
		waitFor(t, func() bool {
			term.mu.Lock()
			defer term.mu.Unlock()
			h, ok := term.link.(linkHealth)
			return ok && h.failed() != nil
		})
	}
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if len(pt.regs) != 3 {
		t.Fatalf("%d registrations for 3 connections", len(pt.regs))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLogsNoCardData: the debug log of a payment whose terminal sends a full
// card number and track data holds neither.
func TestLogsNoCardData(t *testing.T) {
	_, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
		CmdAuthorization: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			info := approvedInfo(t, 500, "")
			info.Data = append(info.Data, Fields{{BMPPAN, unhex(t, "47 61 73 12 34 56 78 90")}, {BMPTrack2, unhex(t, "47 61 73 12 34 56 78 90 D2 51 20")}, {BMPExpiry, []byte{0x25, 0x12}}}.Bytes()...)
			c.mustSend(info)
			c.mustSend(APDU{0x06, 0x0F, nil})
		},
	})
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	term, err := New(TCPDialer(addr), testConfig(log))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	res, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fmt.Sprint(res), "1234567890") {
		t.Errorf("result keeps the card number: %+v", res)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{"1234567890", "4761731234", "D25120"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "22=476173******7890") || !strings.Contains(out, "23=<withheld>") {
		t.Errorf("log does not show the masked number:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestWhenYearRollover(t *testing.T) {
	term, _ := New(nil, Config{Location: time.UTC, Now: func() time.Time { return time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC) }})
	fs := Fields{{BMPTime, []byte{0x23, 0x59, 0x30}}, {BMPDate, []byte{0x12, 0x31}}}
	if got := term.when(fs); !got.Equal(time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC)) {
		t.Fatalf("when = %v", got)
	}
}

// TestT4RestartsOnEveryMessage: a payment whose messages each come within T4
// of the last runs to its end though it takes longer than T4 in all; a gap
// longer than T4 leaves the outcome unknown.
func TestT4RestartsOnEveryMessage(t *testing.T) {
	const t4 = 600 * time.Millisecond
	for _, tc := range []struct {
		name    string
		gap     time.Duration // between messages: the terminal's pace
		unknown bool
	}{{"within_T4", t4 / 2, false}, {"beyond_T4", t4 * 2, true}} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
				CmdAuthorization: func(c *ptConn, cmd APDU) {
					c.reply(Ack())
					for range 3 {
						time.Sleep(tc.gap) // the terminal's pace is what is tested
						c.mustSend(APDU{0x04, 0xFF, []byte{0x17}})
					}
					c.mustSend(approvedInfo(t, 500, ""))
					c.mustSend(APDU{0x06, 0x0F, nil})
				},
			})
			cfg := testConfig(nil)
			cfg.T4 = t4
			term, err := New(TCPDialer(addr), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer term.Close()
			res, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{})
			if tc.unknown != errors.Is(err, ErrOutcomeUnknown) || !tc.unknown && !res.Approved {
				t.Fatalf("Pay: %+v %v", res, err)
			}
		})
	}
}

func TestTCPAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.50":       "192.168.1.50:20007",
		"pt.local":           "pt.local:20007",
		"192.168.1.50:22000": "192.168.1.50:22000",
		"[fe80::1]":          "[fe80::1]:20007",
		"[fe80::1]:1":        "[fe80::1]:1",
	} {
		if got := tcpAddr(in); got != want {
			t.Errorf("tcpAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDialerFor: a path is a serial port, anything else TCP.
func TestDialerFor(t *testing.T) {
	sp := simPort(t)
	pt := &testPT{t: t}
	go pt.serve(NewSerialLink(sp, SerialOptions{}))
	term := newTerminal(t, DialerFor(sp.Path()))
	if _, err := term.LastResult(ctxT(t)); !errors.Is(err, devices.ErrNotSent) {
		t.Fatalf("LastResult on a terminal that refuses it: %v", err)
	}
	_, addr := tcpPT(t, nil)
	term = newTerminal(t, DialerFor(addr))
	if _, err := term.LastResult(ctxT(t)); !errors.Is(err, devices.ErrNotSent) {
		t.Fatalf("LastResult on a terminal that refuses it: %v", err)
	}
}

// TestStaleAckIsNotAnAnswer: an 80 00 left over from an earlier conversation
// does not count as the terminal taking the next request.
func TestStaleAckIsNotAnAnswer(t *testing.T) {
	_, addr := tcpPT(t, map[[2]byte]func(*ptConn, APDU){
		CmdStatusEnquiry: func(c *ptConn, cmd APDU) {
			c.reply(Ack())
			c.mustSend(APDU{0x06, 0x0F, StatusReport{Version: "SIM", Code: StatusReady}.Data()})
			c.reply(Ack()) // stray, e.g. a late answer to an abort
		},
		CmdAuthorization: func(c *ptConn, cmd APDU) {}, // never answered
	})
	term := newTerminal(t, TCPDialer(addr))
	if _, err := term.Status(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		term.mu.Lock()
		defer term.mu.Unlock()
		return len(term.link.(logLink).Link.(*tcpLink).recv) == 1
	})
	_, err := term.Pay(ctxT(t), devices.PaymentRequest{Amount: 500}, devices.PaymentHooks{})
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "no answer to 06 01") {
		t.Fatalf("Pay: %v", err)
	}
}

// TestProgressCodes: the intermediate statuses the shopper's screen tells
// apart (PA00P015 §10, 04 FF).
func TestProgressCodes(t *testing.T) {
	for _, tc := range []struct {
		code byte
		want string
	}{
		{0x01, devices.ProgressEnterPIN}, {0x02, devices.ProgressEnterPIN}, {0x0A, devices.ProgressInsertCard},
		{0x0E, devices.ProgressWait}, {0x17, devices.ProgressWait}, {0x0B, devices.ProgressRemoveCard},
		{0x15, devices.ProgressWrongPIN}, {0x1D, devices.ProgressDeclined}, {0x2B, devices.ProgressOffline},
		{0x99, devices.ProgressOther},
	} {
		if got, _ := progress(tc.code); got != tc.want {
			t.Errorf("progress(%02X) = %s, want %s", tc.code, got, tc.want)
		}
	}
}
