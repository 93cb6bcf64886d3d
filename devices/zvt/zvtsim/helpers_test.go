package zvtsim

import (
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// transport starts a terminal and connects a cash register to it.
type transport struct {
	name  string
	start func(t *testing.T, o Options) *Sim
	// dial connects a cash register's link, waiting for a pulled cable to be
	// back.
	dial func(t *testing.T, s *Sim) zvt.Link
}

var transports = []transport{
	{
		name: "pty",
		start: func(t *testing.T, o Options) *Sim {
			t.Helper()
			s, err := New(filepath.Join(t.TempDir(), "by-id", "usb-zvtsim-if00"), ledgerOpt(t, o))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		dial: func(t *testing.T, s *Sim) zvt.Link {
			t.Helper()
			p, err := serialport.Open(serialport.Config{Path: s.Path(), StopBits: 2, ReadTimeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			l := zvt.NewSerialLink(p, zvt.SerialOptions{})
			t.Cleanup(func() { l.Close() })
			return l
		},
	},
	{
		name: "tcp",
		start: func(t *testing.T, o Options) *Sim {
			t.Helper()
			s, err := Listen("127.0.0.1:0", ledgerOpt(t, o))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		dial: func(t *testing.T, s *Sim) zvt.Link {
			t.Helper()
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			l := zvt.NewTCPLink(c)
			t.Cleanup(func() { l.Close() })
			return l
		},
	},
}

func ledgerOpt(t *testing.T, o Options) Options {
	if o.Ledger == "" {
		o.Ledger = filepath.Join(t.TempDir(), "ledger.jsonl")
	}
	return o
}

// ecr is a scripted cash register on a link.
type ecr struct {
	t *testing.T
	l zvt.Link
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *ecr) send(a zvt.APDU) {
	e.t.Helper()
	if err := e.l.Send(ctxT(e.t), a); err != nil {
		e.t.Fatalf("send %v: %v", a, err)
	}
}

func (e *ecr) cmd(class, instr byte, data []byte) {
	e.t.Helper()
	e.send(zvt.APDU{Class: class, Instr: instr, Data: data})
}

func (e *ecr) ack() { e.t.Helper(); e.send(zvt.Ack()) }

func (e *ecr) next() zvt.APDU {
	e.t.Helper()
	a, err := e.l.Recv(ctxT(e.t))
	if err != nil {
		e.t.Fatalf("recv: %v", err)
	}
	return a
}

// expect reads the next APDU, which must be cmd.
func (e *ecr) expect(cmd [2]byte) zvt.APDU {
	e.t.Helper()
	a := e.next()
	if !a.Is(cmd) {
		e.t.Fatalf("got %s, want %02X %02X", zvt.Redact(a), cmd[0], cmd[1])
	}
	return a
}

// take reads cmd and acknowledges it.
func (e *ecr) take(cmd [2]byte) zvt.APDU {
	e.t.Helper()
	a := e.expect(cmd)
	e.ack()
	return a
}

func (e *ecr) expectAck() {
	e.t.Helper()
	if a := e.next(); a.Class != 0x80 || a.Instr != 0x00 {
		e.t.Fatalf("got %s, want 80 00", zvt.Redact(a))
	}
}

func (e *ecr) expectNack(code byte) {
	e.t.Helper()
	if a := e.next(); a.Class != 0x84 || a.Instr != code {
		e.t.Fatalf("got %s, want 84 %02X", zvt.Redact(a), code)
	}
}

// intermediates takes 04 FF statuses with these codes, in order.
func (e *ecr) intermediates(codes ...byte) {
	e.t.Helper()
	for _, c := range codes {
		a := e.take(zvt.CmdIntermediate)
		if !bytes.Equal(a.Data, []byte{c}) {
			e.t.Fatalf("intermediate status % X, want %02X", a.Data, c)
		}
	}
}

// abortPT takes 06 1E, which must carry result.
func (e *ecr) abortPT(result byte) {
	e.t.Helper()
	a := e.take(zvt.CmdAbortPT)
	if len(a.Data) < 1 || a.Data[0] != result {
		e.t.Fatalf("06 1E % X, want result %02X", a.Data, result)
	}
}

// finish takes print lines until the Completion and returns their text.
func (e *ecr) finish() []string {
	e.t.Helper()
	var lines []string
	for {
		a := e.next()
		switch {
		case a.Is(zvt.CmdPrintLine):
			lines = append(lines, zvt.DecodeText(a.Data[1:]))
			e.ack()
		case a.Is(zvt.CmdCompletion):
			e.ack()
			return lines
		default:
			e.t.Fatalf("got %s, want print lines and completion", zvt.Redact(a))
		}
	}
}

func (e *ecr) register(config, service byte) {
	e.t.Helper()
	e.cmd(0x06, 0x00, []byte{0, 0, 0, config, 0x09, 0x78, zvt.BMPServiceByte, service})
	e.expectAck()
	c := e.take(zvt.CmdCompletion)
	fs, err := zvt.ParseFields(c.Data)
	if err != nil {
		e.t.Fatal(err)
	}
	if tid, _ := fs.Digits(zvt.BMPTID); tid != "52500001" {
		e.t.Fatalf("registration completion terminal id %q", tid)
	}
}

func (e *ecr) pay(amount int64) {
	e.t.Helper()
	am, _ := zvt.NumberField(zvt.BMPAmount, amount)
	e.cmd(0x06, 0x01, zvt.Fields{am, {BMP: zvt.BMPCurrency, Data: []byte{0x09, 0x78}}}.Bytes())
}

func (e *ecr) reverse(receiptNo int, amount int64) {
	e.t.Helper()
	rn, _ := zvt.NumberField(zvt.BMPReceiptNo, int64(receiptNo))
	fs := zvt.Fields{rn}
	if amount > 0 {
		am, _ := zvt.NumberField(zvt.BMPAmount, amount)
		fs = append(fs, am)
	}
	e.cmd(0x06, 0x30, append([]byte{0, 0, 0}, fs.Bytes()...))
}

func (e *ecr) status() byte {
	e.t.Helper()
	e.cmd(0x05, 0x01, []byte{0, 0, 0, zvt.BMPServiceByte, 0x01})
	e.expectAck()
	c := e.take(zvt.CmdCompletion)
	rep, err := zvt.ParseStatusCompletion(c.Data)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep.Code
}

// down waits until the line is lost.
func (e *ecr) down() {
	e.t.Helper()
	for {
		a, err := e.l.Recv(ctxT(e.t))
		if errors.Is(err, context.DeadlineExceeded) {
			e.t.Fatal("the line stayed up")
		}
		if err != nil {
			return
		}
		e.t.Fatalf("got %s, want the line lost", zvt.Redact(a))
	}
}

// statusInfo is a received 04 0F, read.
type info struct {
	result            byte
	amount            int64
	trace, origTrace  int64
	receipt           int64
	payType           byte
	pan, card, tid    string
	hasOrig, hasTrace bool
}

func readInfo(t *testing.T, a zvt.APDU) info {
	t.Helper()
	fs, err := zvt.ParseFields(a.Data)
	if err != nil {
		t.Fatal(err)
	}
	var i info
	i.result, _ = fs.Byte(zvt.BMPResult)
	i.amount, _ = fs.Number(zvt.BMPAmount)
	i.trace, i.hasTrace = fs.Number(zvt.BMPTrace)
	i.origTrace, i.hasOrig = fs.Number(zvt.BMPOrigTrace)
	i.receipt, _ = fs.Number(zvt.BMPReceiptNo)
	i.payType, _ = fs.Byte(zvt.BMPPaymentType)
	i.pan, _ = fs.PAN()
	i.card, _ = fs.Text(zvt.BMPCardName)
	i.tid, _ = fs.Digits(zvt.BMPTID)
	return i
}
