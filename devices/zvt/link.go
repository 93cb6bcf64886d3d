package zvt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Link carries APDUs between a cash register and a terminal, either way round.
// Send and Recv may be called from different goroutines; Sends are serialised.
type Link interface {
	// Send delivers a; on a serial line it returns once the peer acknowledged
	// the frame (ACK), after up to the configured repeats.
	Send(ctx context.Context, a APDU) error
	// Recv returns the next APDU from the peer.
	Recv(ctx context.Context) (APDU, error)
	// Close ends the link and closes what it was made on (when it is an io.Closer).
	Close() error
}

// ErrNoAck reports a serial frame the peer never acknowledged, through every
// repeat: the peer did not receive it intact.
var ErrNoAck = errors.New("zvt: frame not acknowledged")

// ErrLinkDown wraps the error of a link whose line had already failed when
// Send was called: nothing was written.
var ErrLinkDown = errors.New("zvt: link down")

// ErrClosed is returned by a link's methods after Close.
var ErrClosed = errors.New("zvt: link closed")

// SerialOptions tune the serial link layer; zero values take the defaults.
type SerialOptions struct {
	T1      time.Duration // longest gap between two bytes of a frame (default 200 ms), else NAK
	T2      time.Duration // wait for ACK after a frame (default 5 s), then repeat
	Repeats int           // repeats after NAK or T2 (default 2; negative for none)
	// OnLine, when set, is told every raw chunk read and written (in=true for
	// read): for tests and traces. It must not keep the slice.
	OnLine func(in bool, b []byte)
}

func (o *SerialOptions) normalize() {
	if o.T1 <= 0 {
		o.T1 = 200 * time.Millisecond
	}
	if o.T2 <= 0 {
		o.T2 = 5 * time.Second
	}
	if o.Repeats == 0 {
		o.Repeats = 2
	}
	o.Repeats = max(o.Repeats, 0)
}

// recvQueue is how many received APDUs wait for Recv; a frame arriving when it
// is full is answered NAK, so the peer repeats it later.
const recvQueue = 64

// pump is the receiving half both links share: a reader goroutine fills recv
// until the line fails or the link closes.
type pump struct {
	recv      chan APDU
	done      chan struct{} // closed when the reader stopped
	err       error         // why, valid after done
	closing   chan struct{}
	closeOnce sync.Once
	closer    io.Closer
}

func newPump(rw any) *pump {
	p := &pump{recv: make(chan APDU, recvQueue), done: make(chan struct{}), closing: make(chan struct{})}
	p.closer, _ = rw.(io.Closer)
	return p
}

func (p *pump) stop(err error) {
	select {
	case <-p.closing:
		err = ErrClosed
	default:
	}
	p.err = err
	close(p.done)
}

func (p *pump) Recv(ctx context.Context) (APDU, error) {
	select {
	case a := <-p.recv:
		return a, nil
	default:
	}
	select {
	case a := <-p.recv:
		return a, nil
	case <-p.done:
		select {
		case a := <-p.recv:
			return a, nil
		default:
		}
		return APDU{}, p.err
	case <-ctx.Done():
		return APDU{}, ctx.Err()
	}
}

func (p *pump) Close() error {
	var err error
	p.closeOnce.Do(func() {
		close(p.closing)
		if p.closer != nil {
			err = p.closer.Close()
		}
	})
	return err
}

// failed returns, once the reader stopped or the link was closed, an error
// wrapping ErrLinkDown (and ErrClosed after Close).
func (p *pump) failed() error {
	select {
	case <-p.closing:
		return fmt.Errorf("%w: %w", ErrLinkDown, ErrClosed)
	default:
	}
	select {
	case <-p.done:
		return fmt.Errorf("%w: %w", ErrLinkDown, p.err)
	default:
		return nil
	}
}

// serialLink is the ZVT serial link layer: DLE STX … DLE ETX CRC frames, each
// answered ACK or NAK.
type serialLink struct {
	*pump
	rw      io.ReadWriter
	o       SerialOptions
	writeMu sync.Mutex // one write at a time: frames and ACK/NAK bytes
	sendMu  sync.Mutex // one frame in flight at a time
	acks    chan byte  // ACK or NAK for the frame in flight
}

// NewSerialLink runs the serial link layer on rw (a serial port, or either end
// of a pseudo-terminal in tests). It answers every frame it receives with ACK,
// or NAK for a bad CRC, a gap over T1 inside a frame, or a frame that is not
// an APDU; bytes between frames other than ACK and NAK are skipped as noise.
//
// Reads may time out: a read returning (0, io.EOF) — tarm/serial's read
// timeout — or an error with Timeout() true is polled again; three (0, io.EOF)
// in a row that come back at once mean the line hung up. When rw has
// SetReadDeadline it is used to notice a T1 gap without waiting for the next byte.
func NewSerialLink(rw io.ReadWriter, o SerialOptions) Link {
	o.normalize()
	l := &serialLink{pump: newPump(rw), rw: rw, o: o, acks: make(chan byte, 1)}
	go l.read()
	return l
}

type deadliner interface{ SetReadDeadline(time.Time) error }

type timeouter interface{ Timeout() bool }

func isTimeout(err error) bool {
	var t timeouter
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &t) && t.Timeout()
}

func (l *serialLink) read() {
	var d deframer
	dl, _ := l.rw.(deadliner)
	buf := make([]byte, 1024)
	var last time.Time
	fastEOF := 0
	for {
		if dl != nil {
			if d.inFrame() {
				dl.SetReadDeadline(last.Add(l.o.T1))
			} else {
				dl.SetReadDeadline(time.Time{})
			}
		}
		start := time.Now()
		n, err := l.rw.Read(buf)
		now := time.Now()
		if d.inFrame() && now.Sub(last) > l.o.T1 {
			l.handle(d.abort("inter-byte gap over T1"))
		}
		if n > 0 {
			fastEOF = 0
			last = now
			if l.o.OnLine != nil {
				l.o.OnLine(true, buf[:n])
			}
			l.handle(d.feed(buf[:n]))
		}
		switch {
		case err == nil:
		case err == io.EOF && n == 0:
			if now.Sub(start) < 5*time.Millisecond {
				fastEOF++
			} else {
				fastEOF = 0
			}
			if fastEOF >= 3 {
				l.stop(fmt.Errorf("zvt: serial line hung up: %w", io.EOF))
				return
			}
		case isTimeout(err):
		default:
			l.stop(fmt.Errorf("zvt: serial read: %w", err))
			return
		}
	}
}

func (l *serialLink) handle(evs []frameEvent) {
	for _, ev := range evs {
		switch ev.kind {
		case ACK, NAK:
			select {
			case l.acks <- ev.kind:
			default: // nothing in flight, or already answered: noise
			}
		case evBad:
			l.write([]byte{NAK})
		case evFrame:
			a, err := ParseAPDU(ev.apdu)
			if err != nil {
				l.write([]byte{NAK})
				continue
			}
			// ACK first, so the peer hears it before anything this side
			// sends in answer. The reader is recv's only sender, so room
			// seen now is still there after the ACK.
			if len(l.recv) == cap(l.recv) {
				l.write([]byte{NAK})
				continue
			}
			l.write([]byte{ACK})
			l.recv <- a
		}
	}
}

func (l *serialLink) write(b []byte) error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.o.OnLine != nil {
		l.o.OnLine(false, b)
	}
	_, err := l.rw.Write(b)
	return err
}

func (l *serialLink) Send(ctx context.Context, a APDU) error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	if err := l.failed(); err != nil {
		return err
	}
	frame := EncodeFrame(a.Bytes())
	select { // an answer to nothing
	case <-l.acks:
	default:
	}
	t := time.NewTimer(l.o.T2)
	defer t.Stop()
	for try := 0; try <= l.o.Repeats; try++ {
		if err := l.write(frame); err != nil {
			return fmt.Errorf("zvt: serial write: %w", err)
		}
		t.Reset(l.o.T2)
		select {
		case r := <-l.acks:
			if r == ACK {
				return nil
			}
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-l.done:
			return l.err
		case <-l.closing:
			return ErrClosed
		}
	}
	return fmt.Errorf("%w: %s sent %d times", ErrNoAck, a, l.o.Repeats+1)
}

// tcpLink carries bare APDUs over a stream.
type tcpLink struct {
	*pump
	c       net.Conn
	writeMu sync.Mutex
}

// NewTCPLink carries APDUs over a TCP connection: bare, no framing, checksum
// or ACK (TCP has its own). Send fails after 5 s of a stalled write.
func NewTCPLink(c net.Conn) Link {
	l := &tcpLink{pump: newPump(c), c: c}
	go func() {
		for {
			a, err := ReadAPDU(c)
			if err != nil {
				l.stop(fmt.Errorf("zvt: tcp read: %w", err))
				return
			}
			select {
			case l.recv <- a:
			case <-l.closing:
				l.stop(ErrClosed)
				return
			}
		}
	}()
	return l
}

func (l *tcpLink) Send(ctx context.Context, a APDU) error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if err := l.failed(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	l.c.SetWriteDeadline(deadline)
	if _, err := l.c.Write(a.Bytes()); err != nil {
		return fmt.Errorf("zvt: tcp write: %w", err)
	}
	return nil
}
