package zvt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/serialport"
	"github.com/kiosk-sco/kiosk/devices/simport"
)

// ptyPair gives the cash register's side of a real pseudo-terminal, opened
// through devices/serialport as a real port is, and the raw far end.
func ptyPair(t *testing.T) (*serialport.Port, *simport.Port) {
	t.Helper()
	sp := simPort(t)
	p, err := serialport.Open(serialport.Config{Path: sp.Path(), StopBits: 2, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, sp
}

// simPort is a pseudo-terminal behind a by-id style link; the returned port
// is its far end (the terminal's side).
func simPort(t *testing.T) *simport.Port {
	t.Helper()
	sp, err := simport.New(filepath.Join(t.TempDir(), "by-id", "usb-zvt-if00"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// rawPeer scripts the far end byte by byte.
type rawPeer struct {
	t  *testing.T
	sp *simport.Port
	in chan []byte
}

func newRawPeer(t *testing.T, sp *simport.Port) *rawPeer {
	r := &rawPeer{t: t, sp: sp, in: make(chan []byte, 64)}
	go func() {
		for {
			b := make([]byte, 256)
			n, err := sp.Read(b)
			if n > 0 {
				r.in <- b[:n]
			}
			if err != nil {
				close(r.in)
				return
			}
		}
	}()
	return r
}

// expect reads exactly want from the line.
func (r *rawPeer) expect(want []byte) {
	r.t.Helper()
	var got []byte
	timeout := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case b, ok := <-r.in:
			if !ok {
				r.t.Fatalf("line closed after % X", got)
			}
			got = append(got, b...)
		case <-timeout:
			r.t.Fatalf("got % X, want % X", got, want)
		}
	}
	if !bytes.Equal(got, want) {
		r.t.Fatalf("got % X, want % X", got, want)
	}
}

func (r *rawPeer) write(b []byte) {
	r.t.Helper()
	if _, err := r.sp.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSerialLinkBothEnds(t *testing.T) {
	p, sp := ptyPair(t)
	ecr := NewSerialLink(p, SerialOptions{})
	pt := NewSerialLink(sp, SerialOptions{})
	defer ecr.Close()
	defer pt.Close()
	ctx := ctxT(t)
	big := APDU{Class: 0x06, Instr: 0xD1, Data: bytes.Repeat([]byte{0x10, 0x02, 0x03}, 200)} // DLEs, long length
	for _, a := range []APDU{{0x06, 0x00, unhex(t, "123456BE0978")}, big} {
		if err := ecr.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := pt.Recv(ctx)
		if err != nil || !bytes.Equal(got.Bytes(), a.Bytes()) {
			t.Fatalf("terminal got %v %v", got, err)
		}
		if err := pt.Send(ctx, Ack()); err != nil {
			t.Fatal(err)
		}
		if got, err := ecr.Recv(ctx); err != nil || !IsAck(got) {
			t.Fatalf("register got %v %v", got, err)
		}
	}
}

func TestSerialLinkRepeatsAfterNAK(t *testing.T) {
	frame := EncodeFrame(Ack().Bytes())
	for _, tc := range []struct {
		name  string
		naks  int
		fails bool
	}{{"ack_first", 0, false}, {"two_naks", 2, false}, {"three_naks", 3, true}} {
		t.Run(tc.name, func(t *testing.T) {
			p, sp := ptyPair(t)
			l := NewSerialLink(p, SerialOptions{})
			defer l.Close()
			peer := newRawPeer(t, sp)
			done := make(chan error, 1)
			go func() { done <- l.Send(ctxT(t), Ack()) }()
			for i := 0; i < tc.naks; i++ {
				peer.expect(frame)
				peer.write([]byte{NAK})
			}
			if !tc.fails {
				peer.expect(frame)
				peer.write([]byte{ACK})
			}
			err := <-done
			if tc.fails != (err != nil) || tc.fails && !errors.Is(err, ErrNoAck) {
				t.Fatalf("Send: %v", err)
			}
		})
	}
}

func TestSerialLinkRepeatsAfterT2(t *testing.T) {
	p, sp := ptyPair(t)
	l := NewSerialLink(p, SerialOptions{T2: 100 * time.Millisecond, Repeats: 1})
	defer l.Close()
	peer := newRawPeer(t, sp)
	frame := EncodeFrame(Ack().Bytes())
	err := l.Send(ctxT(t), Ack())
	if !errors.Is(err, ErrNoAck) {
		t.Fatalf("Send to a silent peer: %v", err)
	}
	peer.expect(append(append([]byte{}, frame...), frame...))
}

func TestSerialLinkReceiving(t *testing.T) {
	good := EncodeFrame(APDU{0x04, 0xFF, []byte{0x0A}}.Bytes())
	bad := append([]byte{}, good...)
	bad[len(bad)-1] ^= 0xFF
	notAPDU := EncodeFrame([]byte{0x04, 0xFF, 0x05, 0x0A}) // length says 5, one byte follows
	for _, tc := range []struct {
		name  string
		in    []byte
		reply []byte
	}{
		{"good", good, []byte{ACK}},
		{"noise_around", append(append([]byte{0x00, 0x41, 0x10, 0x55}, good...), 0x7F), []byte{ACK}},
		{"bad_crc", bad, []byte{NAK}},
		{"length_mismatch", notAPDU, []byte{NAK}},
		{"bad_then_good", append(append([]byte{}, bad...), good...), []byte{NAK, ACK}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, sp := ptyPair(t)
			l := NewSerialLink(p, SerialOptions{})
			defer l.Close()
			peer := newRawPeer(t, sp)
			peer.write(tc.in)
			peer.expect(tc.reply)
			if tc.reply[len(tc.reply)-1] == ACK {
				a, err := l.Recv(ctxT(t))
				if err != nil || !a.Is(CmdIntermediate) || !bytes.Equal(a.Data, []byte{0x0A}) {
					t.Fatalf("Recv %v %v", a, err)
				}
			}
		})
	}
}

// TestSerialLinkT1Gap: a frame that stops half way is answered NAK once T1
// has passed, without waiting for another byte, and its tail is noise.
func TestSerialLinkT1Gap(t *testing.T) {
	p, sp := ptyPair(t)
	l := NewSerialLink(p, SerialOptions{T1: 150 * time.Millisecond})
	defer l.Close()
	peer := newRawPeer(t, sp)
	good := EncodeFrame(APDU{0x04, 0xFF, []byte{0x0A}}.Bytes())
	peer.write(good[:4])
	peer.expect([]byte{NAK})
	peer.write(good[4:])
	peer.write(good)
	peer.expect([]byte{ACK})
	if a, err := l.Recv(ctxT(t)); err != nil || !a.Is(CmdIntermediate) {
		t.Fatalf("Recv %v %v", a, err)
	}
}

// TestSerialLinkUnplug: pulling the cable ends Recv and Send with an error
// that says so; Close twice is fine.
func TestSerialLinkUnplug(t *testing.T) {
	p, sp := ptyPair(t)
	l := NewSerialLink(p, SerialOptions{})
	sp.Unplug()
	if _, err := l.Recv(ctxT(t)); !errors.Is(err, serialport.ErrUnplugged) {
		t.Fatalf("Recv after unplug: %v", err)
	}
	if err := l.Send(ctxT(t), Ack()); err == nil {
		t.Fatal("Send after unplug")
	}
	l.Close()
	l.Close()
}

// TestSerialLinkTarmTimeouts: (0, io.EOF) reads that take their time are
// tarm/serial's read timeout, not the end of the line.
func TestSerialLinkTarmTimeouts(t *testing.T) {
	r := &slowEOF{frames: [][]byte{EncodeFrame(Ack().Bytes())}}
	l := NewSerialLink(r, SerialOptions{})
	defer l.Close()
	if a, err := l.Recv(ctxT(t)); err != nil || !IsAck(a) {
		t.Fatalf("Recv %v %v", a, err)
	}
}

// slowEOF returns (0, io.EOF) after 10 ms three times before each frame, as
// tarm/serial does on a read timeout.
type slowEOF struct {
	frames [][]byte
	eofs   int
}

func (s *slowEOF) Read(b []byte) (int, error) {
	time.Sleep(10 * time.Millisecond)
	if s.eofs < 3 || len(s.frames) == 0 {
		s.eofs++
		return 0, io.EOF
	}
	s.eofs = 0
	n := copy(b, s.frames[0])
	s.frames = s.frames[1:]
	return n, nil
}

func (s *slowEOF) Write(b []byte) (int, error) { return len(b), nil }

func TestTCPLink(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ecr := NewTCPLink(c)
	pt := NewTCPLink(<-accepted)
	ctx := ctxT(t)
	big := APDU{0x06, 0xD1, bytes.Repeat([]byte{0x10}, 1000)}
	if err := ecr.Send(ctx, big); err != nil {
		t.Fatal(err)
	}
	if got, err := pt.Recv(ctx); err != nil || !bytes.Equal(got.Data, big.Data) {
		t.Fatalf("Recv %v %v", got, err)
	}
	pt.Close()
	if _, err := ecr.Recv(ctx); err == nil {
		t.Fatal("Recv after the peer closed")
	}
	ecr.Close()
	if err := ecr.Send(ctx, Ack()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}
