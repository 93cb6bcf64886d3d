package zvt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/serialport"
)

// DefaultPort is the terminal's TCP port for cash-register commands.
const DefaultPort = "20007"

// Config describes how a Terminal registers and how long it waits.
type Config struct {
	Password   string // the terminal's cash-register password, 6 digits (default "000000")
	Currency   string // ISO 4217 numeric used when a request names none (default "978", EUR)
	ConfigByte byte   // Registration config byte (default 0xBE: receipts to the register as 06 D1 lines, intermediate status on)
	// T3 is the wait for the terminal's 80 00 to a request, and for each
	// message of a Registration or Status Enquiry (default 5 s).
	T3 time.Duration
	// T4 is the wait for the end of a payment, started again by every message
	// the terminal sends (default 180 s).
	T4       time.Duration
	Location *time.Location   // the terminal clock's zone (default time.Local)
	Now      func() time.Time // default time.Now; gives the year the terminal does not send
	Log      *slog.Logger     // debug logs of APDUs, card data redacted (default: discard)
}

func (c *Config) normalize() error {
	if c.Password == "" {
		c.Password = "000000"
	}
	if c.Currency == "" {
		c.Currency = "978"
	}
	if c.ConfigByte == 0 {
		c.ConfigByte = 0xBE
	}
	if c.T3 <= 0 {
		c.T3 = 5 * time.Second
	}
	if c.T4 <= 0 {
		c.T4 = 180 * time.Second
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if _, err := DigitsBCD(c.Password); err != nil || len(c.Password) != 6 {
		return errors.New("zvt: password must be 6 digits")
	}
	if _, err := currencyBCD(c.Currency); err != nil {
		return err
	}
	return nil
}

func currencyBCD(cur string) ([]byte, error) {
	n, err := strconv.Atoi(cur)
	if err != nil || n < 0 || n > 999 || len(cur) != 3 {
		return nil, fmt.Errorf("zvt: currency %q is not an ISO 4217 numeric code", cur)
	}
	return EncodeBCD(int64(n), 2)
}

// Dialer connects to the terminal and returns the link to it.
type Dialer func(ctx context.Context) (Link, error)

// SerialDialer opens the terminal's serial port through devices/serialport.
// Zero fields of cfg default to 9600 baud, 8 data bits, no parity, 2 stop
// bits (ZVT's 8N2) and a 100 ms read timeout.
func SerialDialer(cfg serialport.Config, o SerialOptions) Dialer {
	if cfg.StopBits == 0 {
		cfg.StopBits = 2
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 100 * time.Millisecond
	}
	return func(ctx context.Context) (Link, error) {
		p, err := serialport.Open(cfg)
		if err != nil {
			return nil, err
		}
		_ = p.Flush() // stale bytes; if it fails they are skipped as noise
		return NewSerialLink(p, o), nil
	}
}

// DialerFor picks the link by the target's form: a path (starting with "/")
// is a serial port at 9600 8N2, anything else a TCP address (port 20007
// when it names none).
func DialerFor(target string) Dialer {
	if strings.HasPrefix(target, "/") {
		return SerialDialer(serialport.Config{Path: target}, SerialOptions{})
	}
	return TCPDialer(target)
}

// TCPDialer connects to host:port, port 20007 when addr has none.
func TCPDialer(addr string) Dialer {
	addr = tcpAddr(addr)
	return func(ctx context.Context) (Link, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return NewTCPLink(c), nil
	}
}

func tcpAddr(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return net.JoinHostPort(strings.Trim(addr, "[]"), DefaultPort)
	}
	return addr
}

// ErrOutcomeUnknown reports that a request may have been taken by the
// terminal but its end was not seen (link lost, timeout, result not
// recorded): ask the terminal with LastResult, never repeat the request.
var ErrOutcomeUnknown = errors.New("zvt: outcome unknown")

// ErrNoLastResult reports a terminal that could not repeat its last result.
// It wraps devices.ErrNoResult.
var ErrNoLastResult = fmt.Errorf("zvt: terminal has no last result to repeat: %w", devices.ErrNoResult)

// RefusedError is a terminal's 84 xx to a request: it did not take it, so
// it wraps devices.ErrNotSent.
type RefusedError struct {
	Cmd  [2]byte
	Code byte // e.g. 0xA0 busy, 0x83 unknown command, 0x9A garbled data
}

func (e *RefusedError) Error() string {
	why := map[byte]string{0xA0: "busy", 0x83: "command not supported", 0x9A: "data refused"}[e.Code]
	if why == "" {
		why = "refused"
	}
	return fmt.Sprintf("zvt: terminal refused %02X %02X: 84 %02X %s", e.Cmd[0], e.Cmd[1], e.Code, why)
}

func (e *RefusedError) Unwrap() error { return devices.ErrNotSent }

// Terminal is the cash register's side of a ZVT terminal. It connects and
// registers on first use and again after any failure, so a terminal that was
// switched off or unplugged is found again by the next call (the lane's
// status poll, about once a minute, is such a call).
type Terminal struct {
	dial Dialer
	cfg  Config
	pwd  []byte
	cur  []byte

	mu   sync.Mutex // one command at a time; guards link, tid
	link Link
	tid  string

	runMu sync.Mutex // guards run
	run   *payRun
}

// payRun is a payment in progress, for Abort.
type payRun struct {
	link    Link
	taken   bool // the terminal answered 80 00: 06 B0 may be sent now
	pending bool // Abort came before that
}

var _ devices.PaymentTerminal = (*Terminal)(nil)

// New returns a Terminal that connects with dial. It does not connect yet.
func New(dial Dialer, cfg Config) (*Terminal, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	pwd, _ := DigitsBCD(cfg.Password)
	cur, _ := currencyBCD(cfg.Currency)
	return &Terminal{dial: dial, cfg: cfg, pwd: pwd, cur: cur}, nil
}

// Close drops the connection; the next call connects again.
func (t *Terminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.drop()
	return nil
}

// TerminalID is the terminal id the last Registration reported ("" before).
func (t *Terminal) TerminalID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tid
}

func (t *Terminal) drop() {
	if t.link != nil {
		t.link.Close()
		t.link = nil
	}
}

type linkHealth interface{ failed() error }

// connect makes sure there is a registered link; errors from it mean that
// nothing was sent.
func (t *Terminal) connect(ctx context.Context) (Link, error) {
	if t.link != nil {
		if h, ok := t.link.(linkHealth); ok && h.failed() != nil {
			t.drop()
		}
	}
	if t.link != nil {
		return t.link, nil
	}
	raw, err := t.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: zvt: connect: %w", devices.ErrNotSent, err)
	}
	l := logLink{raw, t.cfg.Log}
	if err := t.register(ctx, l); err != nil {
		l.Close()
		return nil, fmt.Errorf("%w: zvt: registration: %v", devices.ErrNotSent, err)
	}
	t.link = l
	return l, nil
}

// register sends Registration 06 00 and reads its Completion.
func (t *Terminal) register(ctx context.Context, l Link) error {
	data := append(append([]byte{}, t.pwd...), t.cfg.ConfigByte)
	data = append(data, t.cur...)
	data = append(data, BMPServiceByte, 0x01)
	if err := t.request(ctx, l, APDU{CmdRegistration[0], CmdRegistration[1], data}); err != nil {
		return err
	}
	for {
		a, err := t.recv(ctx, l, t.cfg.T3)
		if err != nil {
			return err
		}
		switch {
		case IsReply(a):
			continue
		case a.Is(CmdCompletion):
			if fs, err := ParseFields(a.Data); err == nil {
				if tid, ok := fs.Digits(BMPTID); ok {
					t.tid = tid
				}
			}
			return l.Send(ctx, Ack())
		case a.Is(CmdAbortPT):
			l.Send(ctx, Ack())
			return fmt.Errorf("zvt: registration aborted by the terminal: result %s", resultHex(a.Data))
		default:
			if err := t.answer(ctx, l, a); err != nil {
				return err
			}
		}
	}
}

func resultHex(d []byte) string {
	if len(d) == 0 {
		return "none"
	}
	return fmt.Sprintf("%02X", d[0])
}

// request sends a command and waits T3 for the terminal's 80 00. An error
// wraps devices.ErrNotSent when the terminal cannot have taken the command:
// it refused it (84 xx), the line was already down, or a serial frame was
// never acknowledged; any other error leaves it open whether it was taken.
func (t *Terminal) request(ctx context.Context, l Link, a APDU) error {
	// Whatever is still queued (a late answer to an abort, a message after
	// a Completion) belongs to an earlier conversation: a stale 80 00 must
	// not pass for the answer to this request.
	done, cancel := context.WithCancel(ctx)
	cancel()
	for {
		stale, err := l.Recv(done)
		if err != nil {
			break
		}
		t.cfg.Log.Debug("zvt: skipped before a request", "apdu", Redact(stale))
	}
	if err := l.Send(ctx, a); err != nil {
		if errors.Is(err, ErrLinkDown) || errors.Is(err, ErrNoAck) {
			return fmt.Errorf("%w: %w", devices.ErrNotSent, err)
		}
		return fmt.Errorf("%w: %02X %02X: %w", ErrOutcomeUnknown, a.Class, a.Instr, err)
	}
	for {
		r, err := t.recv(ctx, l, t.cfg.T3)
		if err != nil {
			return fmt.Errorf("%w: no answer to %02X %02X: %w", ErrOutcomeUnknown, a.Class, a.Instr, err)
		}
		if IsAck(r) {
			return nil
		}
		if code, ok := IsNack(r); ok {
			return &RefusedError{Cmd: [2]byte{a.Class, a.Instr}, Code: code}
		}
		// A command before the answer is left over from an earlier
		// conversation: skip it.
		t.cfg.Log.Debug("zvt: skipped while waiting for 80 00", "apdu", Redact(r))
	}
}

// recv waits up to d for the next APDU.
func (t *Terminal) recv(ctx context.Context, l Link, d time.Duration) (APDU, error) {
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	a, err := l.Recv(rctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return a, fmt.Errorf("zvt: terminal silent for %s", d)
	}
	return a, err
}

// answer replies to a terminal command this package has no use for: 80 00
// for the ones that only inform, 84 83 (not supported) for the others.
func (t *Terminal) answer(ctx context.Context, l Link, a APDU) error {
	switch {
	case a.Is(CmdIntermediate), a.Is(CmdPrintLine), a.Is(CmdPrintText), a.Is([2]byte{0x04, 0x01}), a.Is([2]byte{0x06, 0xE0}), a.Is([2]byte{0x06, 0x85}):
		return l.Send(ctx, Ack())
	}
	return l.Send(ctx, Nack(0x83))
}

// Pay charges req.Amount with Authorization 06 01 and follows the payment
// to its end. The result is given to h.Record before the terminal is told
// the register has it; when Record fails, the terminal is not answered and
// Pay returns an error wrapping ErrOutcomeUnknown and Record's error.
// Errors wrapping devices.ErrNotSent mean nothing was charged.
func (t *Terminal) Pay(ctx context.Context, req devices.PaymentRequest, h devices.PaymentHooks) (devices.PaymentResult, error) {
	if req.Amount < 1 {
		return devices.PaymentResult{}, fmt.Errorf("%w: zvt: amount %d", devices.ErrNotSent, req.Amount)
	}
	amount, err := NumberField(BMPAmount, req.Amount)
	if err != nil {
		return devices.PaymentResult{}, fmt.Errorf("%w: %w", devices.ErrNotSent, err)
	}
	cur := t.cur
	if req.Currency != "" {
		if cur, err = currencyBCD(req.Currency); err != nil {
			return devices.PaymentResult{}, fmt.Errorf("%w: %w", devices.ErrNotSent, err)
		}
	}
	data := Fields{amount, {BMPCurrency, cur}}.Bytes()
	return t.do(ctx, APDU{CmdAuthorization[0], CmdAuthorization[1], data}, h, true, "payment")
}

// LastResult asks for the last status information with Repeat Receipt 06 20.
func (t *Terminal) LastResult(ctx context.Context) (devices.PaymentResult, error) {
	return t.do(ctx, APDU{CmdRepeatReceipt[0], CmdRepeatReceipt[1], nil}, devices.PaymentHooks{}, false, "repeat receipt")
}

// Reverse cancels an approved payment with Reversal 06 30 by its receipt
// number (and amount, when not 0). Approved in the result means the
// reversal went through; its own receipt number and trace are in the result.
func (t *Terminal) Reverse(ctx context.Context, receiptNo int, amount int64, h devices.PaymentHooks) (devices.PaymentResult, error) {
	rn, err := NumberField(BMPReceiptNo, int64(receiptNo))
	if err != nil || receiptNo < 0 {
		return devices.PaymentResult{}, fmt.Errorf("%w: zvt: receipt number %d", devices.ErrNotSent, receiptNo)
	}
	data := append(append([]byte{}, t.pwd...), Fields{rn}.Bytes()...)
	if amount > 0 {
		am, err := NumberField(BMPAmount, amount)
		if err != nil {
			return devices.PaymentResult{}, fmt.Errorf("%w: %w", devices.ErrNotSent, err)
		}
		data = append(data, Fields{am}.Bytes()...)
	}
	return t.do(ctx, APDU{CmdReversal[0], CmdReversal[1], data}, h, false, "reversal")
}

// EndOfDay closes the terminal's day with End-of-Day 06 50; the result carries
// the totals the terminal reported.
func (t *Terminal) EndOfDay(ctx context.Context) (devices.PaymentResult, error) {
	return t.do(ctx, APDU{CmdEndOfDay[0], CmdEndOfDay[1], append([]byte{}, t.pwd...)}, devices.PaymentHooks{}, false, "end of day")
}

// Abort asks the terminal to stop the payment Pay is running (06 B0). Sent
// before the terminal took the payment, it goes out as soon as it has. The
// terminal honours it until the card is read; Pay then returns a result
// that is not approved (result 6C). Without a payment running it does nothing.
func (t *Terminal) Abort(ctx context.Context) error {
	t.runMu.Lock()
	r := t.run
	if r == nil || !r.taken {
		if r != nil {
			r.pending = true
		}
		t.runMu.Unlock()
		return nil
	}
	t.runMu.Unlock()
	return r.link.Send(ctx, APDU{CmdAbort[0], CmdAbort[1], nil})
}

// Status asks with Status Enquiry 05 01 whether the terminal is ready.
func (t *Terminal) Status(ctx context.Context) (devices.TerminalStatus, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.connect(ctx)
	if err != nil {
		return devices.TerminalStatus{}, err
	}
	data := append(append([]byte{}, t.pwd...), BMPServiceByte, 0x01)
	if err := t.request(ctx, l, APDU{CmdStatusEnquiry[0], CmdStatusEnquiry[1], data}); err != nil {
		t.dropUnlessRefused(err)
		return devices.TerminalStatus{}, err
	}
	for {
		a, err := t.recv(ctx, l, t.cfg.T3)
		if err != nil {
			t.drop()
			return devices.TerminalStatus{}, fmt.Errorf("zvt: status enquiry: %w", err)
		}
		switch {
		case IsReply(a):
		case a.Is(CmdCompletion):
			rep, perr := ParseStatusCompletion(a.Data)
			if err := l.Send(ctx, Ack()); err != nil {
				t.drop()
				return devices.TerminalStatus{}, fmt.Errorf("zvt: status enquiry: %w", err)
			}
			if perr != nil {
				return devices.TerminalStatus{}, perr
			}
			return devices.TerminalStatus{Code: int(rep.Code), Ready: rep.Code == StatusReady, TerminalID: t.tid}, nil
		case a.Is(CmdAbortPT):
			l.Send(ctx, Ack())
			return devices.TerminalStatus{}, fmt.Errorf("zvt: status enquiry aborted by the terminal: result %s", resultHex(a.Data))
		default:
			if err := t.answer(ctx, l, a); err != nil {
				t.drop()
				return devices.TerminalStatus{}, err
			}
		}
	}
}

func (t *Terminal) dropUnlessRefused(err error) {
	var re *RefusedError
	if !errors.As(err, &re) {
		t.drop()
	}
}

// do sends a command that makes the terminal master and follows it to its
// Completion or Abort.
func (t *Terminal) do(ctx context.Context, cmd APDU, h devices.PaymentHooks, abortable bool, what string) (devices.PaymentResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.connect(ctx)
	if err != nil {
		return devices.PaymentResult{}, err
	}
	var run *payRun
	if abortable {
		run = &payRun{link: l}
		t.runMu.Lock()
		t.run = run
		t.runMu.Unlock()
		defer func() {
			t.runMu.Lock()
			t.run = nil
			t.runMu.Unlock()
		}()
	}
	if err := t.request(ctx, l, cmd); err != nil {
		t.dropUnlessRefused(err)
		return devices.PaymentResult{}, fmt.Errorf("zvt: %s: %w", what, err)
	}
	if run != nil {
		t.runMu.Lock()
		run.taken = true
		pending := run.pending
		t.runMu.Unlock()
		if pending {
			if err := l.Send(ctx, APDU{CmdAbort[0], CmdAbort[1], nil}); err != nil {
				t.cfg.Log.Warn("zvt: abort not sent", "err", err)
			}
		}
	}
	res, err := t.follow(ctx, l, cmd, h)
	if err != nil {
		t.drop()
		return res, fmt.Errorf("zvt: %s: %w", what, err)
	}
	return res, nil
}

// follow answers the terminal's messages until Completion 06 0F or Abort 06 1E.
func (t *Terminal) follow(ctx context.Context, l Link, cmd APDU, h devices.PaymentHooks) (devices.PaymentResult, error) {
	var (
		res       devices.PaymentResult
		status    bool // a 04 0F was received and acknowledged
		offline   bool // 04 FF 2B: the terminal works offline
		receipt   []string
		unknownIf = func(format string, args ...any) error {
			return fmt.Errorf("%w: "+format, append([]any{ErrOutcomeUnknown}, args...)...)
		}
	)
	finish := func() devices.PaymentResult {
		res.Receipt = receipt
		return res
	}
	for {
		a, err := t.recv(ctx, l, t.cfg.T4)
		if err != nil {
			return finish(), unknownIf("%w", err)
		}
		switch {
		case IsReply(a): // the answer to our 06 B0
			if code, ok := IsNack(a); ok {
				t.cfg.Log.Info("zvt: abort refused", "code", fmt.Sprintf("%02X", code))
			}
			continue
		case a.Is(CmdIntermediate):
			if len(a.Data) > 0 {
				code, text := progress(a.Data[0])
				if a.Data[0] == 0x2B {
					offline = true
				}
				if h.Progress != nil {
					h.Progress(code, text)
				}
			}
		case a.Is(CmdPrintLine):
			if len(a.Data) > 0 {
				receipt = append(receipt, DecodeText(a.Data[1:]))
			}
		case a.Is(CmdPrintText):
			if fs, err := ParseFields(a.Data); err == nil {
				if objs, err := fs.TLV(); err == nil {
					receipt = append(receipt, textLines(objs)...)
				}
			}
		case a.Is(CmdStatusInfo):
			fs, err := ParseFields(a.Data)
			if _, ok := fs.Byte(BMPResult); err != nil && (!ok || !errors.Is(err, ErrUnknownBMP)) {
				return finish(), unknownIf("status information unreadable: %w", err)
			} else if err != nil {
				// A BMP this package does not know hides the fields after
				// it, but the result is there: better a result without
				// them than no acknowledgement (which may reverse it).
				t.cfg.Log.Warn("zvt: status information read in part", "err", err)
			}
			r := t.result(fs)
			if r.Approved && offline {
				r.Offline = true
			}
			if h.Record != nil {
				if err := h.Record(r); err != nil {
					return r, unknownIf("result not recorded, so not acknowledged: %w", err)
				}
			}
			res, status = r, true
			if err := l.Send(ctx, Ack()); err != nil {
				return finish(), unknownIf("acknowledging the status information: %w", err)
			}
			continue
		case a.Is(CmdCompletion):
			if err := l.Send(ctx, Ack()); err != nil {
				t.cfg.Log.Warn("zvt: completion not acknowledged", "err", err)
			}
			if !status {
				if cmd.Is(CmdEndOfDay) {
					return devices.PaymentResult{Approved: true, Receipt: receipt}, nil
				}
				if cmd.Is(CmdRepeatReceipt) {
					return finish(), ErrNoLastResult
				}
				return finish(), unknownIf("completion without status information")
			}
			return finish(), nil
		case a.Is(CmdAbortPT):
			if err := l.Send(ctx, Ack()); err != nil {
				t.cfg.Log.Warn("zvt: abort not acknowledged", "err", err)
			}
			if status {
				// After an acknowledged status information the result stands.
				return finish(), nil
			}
			code := 0xFF
			if len(a.Data) > 0 {
				code = int(a.Data[0])
			}
			if cmd.Is(CmdRepeatReceipt) {
				return finish(), fmt.Errorf("%w (result %02X)", ErrNoLastResult, code)
			}
			res = devices.PaymentResult{Result: code}
			return finish(), nil
		default:
			if err := t.answer(ctx, l, a); err != nil {
				return finish(), unknownIf("%w", err)
			}
			continue
		}
		if err := l.Send(ctx, Ack()); err != nil {
			return finish(), unknownIf("%w", err)
		}
	}
}

// result turns status information into a PaymentResult; the card number is
// masked (Fields.PAN), nothing else of the card is read.
func (t *Terminal) result(fs Fields) devices.PaymentResult {
	var r devices.PaymentResult
	code, ok := fs.Byte(BMPResult)
	r.Result = int(code)
	if !ok {
		r.Result = 0xFF
	}
	r.Approved = ok && code == 0
	if v, ok := fs.Number(BMPAmount); ok {
		r.Amount = v
	}
	if v, ok := fs.Number(BMPTrace); ok {
		r.Trace = int(v)
	}
	if v, ok := fs.Number(BMPReceiptNo); ok {
		r.ReceiptNo = int(v)
	}
	r.MaskedPAN, _ = fs.PAN()
	r.CardName, _ = fs.Text(BMPCardName)
	r.TerminalID, _ = fs.Digits(BMPTID)
	if pt, ok := fs.Byte(BMPPaymentType); ok && pt == 0x40 {
		r.Offline = r.Approved
	}
	// A reversal's status information carries the reversed payment's trace:
	// after a lost answer the terminal's last result may be the reversal of
	// an approval it made (or one it reversed by itself), never money taken.
	if v, ok := fs.Number(BMPOrigTrace); ok {
		r.Reversal, r.ReversedTrace = true, int(v)
	}
	r.At = t.when(fs)
	return r
}

// when reads 0C time and 0D date (or AA YYMMDD). The terminal sends no year
// with 0D: it is this year, or last year for a date ahead of today (a
// payment just before New Year read just after).
func (t *Terminal) when(fs Fields) time.Time {
	hms, ok := fs.Digits(BMPTime)
	if !ok || len(hms) != 6 {
		return time.Time{}
	}
	now := t.cfg.Now().In(t.cfg.Location)
	var y, mo, d int
	if ymd, ok := fs.Digits(BMPDateFull); ok && len(ymd) == 6 {
		y, mo, d = 2000+atoi(ymd[:2]), atoi(ymd[2:4]), atoi(ymd[4:])
	} else if md, ok := fs.Digits(BMPDate); ok && len(md) == 4 {
		y, mo, d = now.Year(), atoi(md[:2]), atoi(md[2:])
	} else {
		y, mo, d = now.Year(), int(now.Month()), now.Day()
	}
	h, mi, s := atoi(hms[:2]), atoi(hms[2:4]), atoi(hms[4:])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}
	}
	at := time.Date(y, time.Month(mo), d, h, mi, s, 0, t.cfg.Location)
	if _, ok := fs.Get(BMPDateFull); !ok && at.After(now.Add(24*time.Hour)) {
		at = at.AddDate(-1, 0, 0)
	}
	return at
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// textLines gathers the text lines (tag 07) of a 06 D3 text block.
func textLines(objs []TLV) []string {
	var out []string
	for _, o := range objs {
		if o.Tag == TagTextLine {
			out = append(out, DecodeText(o.Value))
		}
		out = append(out, textLines(o.Children)...)
	}
	return out
}

// progress maps an intermediate status (04 FF) to the lane's progress codes.
func progress(c byte) (code, text string) {
	switch c {
	case 0x01, 0x02: // (amount,) please watch the PIN pad
		return devices.ProgressEnterPIN, "watch the PIN pad"
	case 0x0A:
		return devices.ProgressInsertCard, "insert card"
	case 0x0E, 0x17:
		return devices.ProgressWait, "please wait"
	case 0x0B:
		return devices.ProgressRemoveCard, "remove card"
	case 0x15:
		return devices.ProgressWrongPIN, "incorrect PIN"
	case 0x1D:
		return devices.ProgressDeclined, "not approved"
	case 0x2B:
		return devices.ProgressOffline, "offline mode"
	}
	return devices.ProgressOther, fmt.Sprintf("status %02X", c)
}

// logLink logs every APDU at debug level, card data redacted.
type logLink struct {
	Link
	log *slog.Logger
}

func (l logLink) Send(ctx context.Context, a APDU) error {
	err := l.Link.Send(ctx, a)
	l.log.Debug("zvt: sent", "apdu", Redact(a), "err", err)
	return err
}

func (l logLink) Recv(ctx context.Context) (APDU, error) {
	a, err := l.Link.Recv(ctx)
	if err == nil {
		l.log.Debug("zvt: received", "apdu", Redact(a))
	}
	return a, err
}

func (l logLink) failed() error {
	if h, ok := l.Link.(linkHealth); ok {
		return h.failed()
	}
	return nil
}
