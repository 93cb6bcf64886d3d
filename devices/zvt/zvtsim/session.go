package zvtsim

import (
	"context"
	"errors"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// session is the terminal's side of one connection (one plug-in of the
// cable, or one TCP connection): commands from the cash register are taken
// one at a time; while one runs the terminal is master.
type session struct {
	s   *Sim
	l   zvt.Link
	cut func()
	// down: the line failed; nothing more can be sent or received.
	down bool
	// pay is the Authorization in progress, for 06 B0.
	pay *payment
}

type payment struct {
	cardRead bool // from here on 06 B0 is refused
	aborted  bool // the cash register asked to abort, and it was granted
}

// serve runs commands on l until the line fails or the terminal closes.
func (s *Sim) serve(l zvt.Link, cut func()) {
	ss := &session{s: s, l: l, cut: cut}
	var next *zvt.APDU
	for !ss.down {
		a := next
		next = nil
		if a == nil {
			got, err := l.Recv(s.ctx)
			if err != nil {
				return
			}
			ss.logIn(got)
			a = &got
		}
		next = ss.command(*a)
	}
}

func (ss *session) logIn(a zvt.APDU)  { ss.s.o.Log.Debug("zvtsim in", "apdu", zvt.Redact(a)) }
func (ss *session) logOut(a zvt.APDU) { ss.s.o.Log.Debug("zvtsim out", "apdu", zvt.Redact(a)) }

// send delivers a at the link layer. It reports false when the cash
// register did not take it: the line is down, or (serial) the frame was
// never acknowledged.
func (ss *session) send(a zvt.APDU) bool {
	if ss.down {
		return false
	}
	ss.logOut(a)
	err := ss.l.Send(ss.s.ctx, a)
	if err != nil && !errors.Is(err, zvt.ErrNoAck) {
		ss.down = true
	}
	return err == nil
}

// recv waits until deadline for the cash register's next APDU.
func (ss *session) recv(deadline time.Time) (zvt.APDU, bool) {
	if ss.down {
		return zvt.APDU{}, false
	}
	ctx, cancel := context.WithDeadline(ss.s.ctx, deadline)
	defer cancel()
	a, err := ss.l.Recv(ctx)
	if err != nil {
		if !errors.Is(err, context.DeadlineExceeded) || ss.s.ctx.Err() != nil {
			ss.down = true
		}
		return zvt.APDU{}, false
	}
	ss.logIn(a)
	return a, true
}

// maxPleaseWait bounds how often the terminal repeats a message the cash
// register answered 84 9C (please wait).
const maxPleaseWait = 20

// deliver sends m as master and waits T3 for the cash register's 80 00.
// Meanwhile 06 B0 is answered (granted until the card is read), 84 9C
// makes the terminal send m again, and any other command is answered 84
// A0 (busy). It reports whether m was acknowledged.
func (ss *session) deliver(m zvt.APDU) bool {
	if !ss.send(m) {
		return false
	}
	waits := 0
	deadline := time.Now().Add(ss.s.o.T3)
	for {
		a, ok := ss.recv(deadline)
		if !ok {
			return false
		}
		switch code, nack := zvt.IsNack(a); {
		case zvt.IsAck(a):
			return true
		case nack && code == 0x9C && waits < maxPleaseWait:
			waits++
			select {
			case <-ss.s.ctx.Done():
				return false
			case <-time.After(100 * time.Millisecond):
			}
			if !ss.send(m) {
				return false
			}
			deadline = time.Now().Add(ss.s.o.T3)
		case nack:
			return false
		case a.Is(zvt.CmdAbort):
			ss.abortRequest()
		default:
			ss.send(zvt.Nack(0xA0))
		}
	}
}

// abortRequest answers 06 B0: granted (80 00, the payment then ends with
// 06 1E 6C) until the card is read, refused with 84 83 after that or when no
// payment runs.
func (ss *session) abortRequest() {
	if ss.pay != nil && !ss.pay.cardRead {
		ss.pay.aborted = true
		ss.send(zvt.Ack())
		return
	}
	ss.send(zvt.Nack(0x83))
}

// finish sends the end of a command the terminal ran as master: receipt
// lines when the cash register prints them, then Completion.
func (ss *session) finish(lines []string) {
	if config, _ := ss.s.registration(); config&(0x80|0x02) != 0 {
		for _, pl := range printLines(lines) {
			if !ss.deliver(pl) {
				return
			}
		}
	}
	ss.deliver(completion(nil))
}

// intermediate sends a 04 FF when the registration asked for them. It is
// information only: a missing 80 00 to it does not stop the payment, a lost
// line does (reported false).
func (ss *session) intermediate(code byte) bool {
	if config, _ := ss.s.registration(); config&0x08 != 0 {
		ss.deliver(intermediate(code))
	}
	return !ss.down
}

// command runs one command from the cash register. It returns a command
// that arrived while the terminal was silent (DropReply), to be run next.
func (ss *session) command(a zvt.APDU) *zvt.APDU {
	switch {
	case zvt.IsReply(a):
		// a late 80 00 or 84 xx to something that is over: nothing to do
	case a.Is(zvt.CmdRegistration):
		ss.registration(a)
	case a.Is(zvt.CmdAuthorization):
		return ss.authorization(a)
	case a.Class == 0x06 && a.Instr == 0x02: // Log-Off
		ss.s.register(defaultConfig, 0)
		ss.send(zvt.Ack())
	case a.Is(zvt.CmdStatusEnquiry):
		ss.send(zvt.Ack())
		ss.deliver(completion(zvt.StatusReport{Version: "zvtsim 1", Code: ss.s.terminalStatus()}.Data()))
	case a.Is(zvt.CmdRepeatReceipt):
		ss.repeatReceipt()
	case a.Is(zvt.CmdReversal):
		ss.reversal(a)
	case a.Is(zvt.CmdEndOfDay):
		ss.endOfDay(a)
	case a.Is(zvt.CmdAbort):
		ss.abortRequest()
	default:
		ss.send(zvt.Nack(0x83))
	}
	return nil
}

// fields parses BMPs and answers a bad message: 84 83 for an unknown BMP,
// 84 9A for garbled data.
func (ss *session) fields(b []byte) (zvt.Fields, bool) {
	fs, err := zvt.ParseFields(b)
	switch {
	case errors.Is(err, zvt.ErrUnknownBMP):
		ss.send(zvt.Nack(0x83))
		return nil, false
	case err != nil:
		ss.send(zvt.Nack(0x9A))
		return nil, false
	}
	return fs, true
}

// registration: password (3 BCD), config byte, then optionally the
// currency (2 bytes, bare) and BMPs (03 service byte, 06 TLV).
func (ss *session) registration(a zvt.APDU) {
	d := a.Data
	if len(d) < 4 || len(d) == 5 {
		ss.send(zvt.Nack(0x9A))
		return
	}
	config, service := d[3], byte(0)
	if len(d) > 4 {
		fs, ok := ss.fields(d[6:])
		if !ok {
			return
		}
		service, _ = fs.Byte(zvt.BMPServiceByte)
	}
	ss.s.register(config, service)
	if !ss.send(zvt.Ack()) {
		return
	}
	fs := zvt.Fields{zvt.ByteField(zvt.BMPPaymentType, ss.s.terminalStatus()), tidField(ss.s.o.TerminalID), num(zvt.BMPCurrency, eur)}
	ss.deliver(completion(fs.Bytes()))
}

// authorization runs a payment as the next queued Behavior says.
func (ss *session) authorization(a zvt.APDU) *zvt.APDU {
	fs, ok := ss.fields(a.Data)
	if !ok {
		return nil
	}
	amount, ok := fs.Number(zvt.BMPAmount)
	if !ok || amount <= 0 {
		ss.send(zvt.Nack(0x9A))
		return nil
	}
	b := ss.s.take()
	if b.Kind == Busy {
		ss.send(zvt.Nack(0xA0))
		return nil
	}
	if !ss.send(zvt.Ack()) {
		return nil
	}
	status := ss.s.terminalStatus()
	if b.Kind == PrinterNotReady && status == 0 {
		status = resPrinterNotReady
	}
	if cc, ok := fs.Number(zvt.BMPCurrency); ok && cc != eur {
		status = resWrongCurrency
	}
	if status != 0 {
		ss.deliver(abortPT(status))
		return nil
	}

	ss.pay = &payment{}
	defer func() { ss.pay = nil }()
	if !ss.intermediate(imInsertCard) {
		return nil
	}
	if b.Kind == LoseLink && !b.AfterApproval {
		ss.s.cutLink(ss.cut, b)
		ss.down = true
		return nil
	}
	if b.Kind == Timeout {
		ss.waitForCard()
		return nil
	}
	// The card is presented. A 06 B0 that came meanwhile still counts.
	if ss.pollAbort(); ss.pay.aborted {
		ss.deliver(abortPT(resAborted))
		return nil
	}
	ss.pay.cardRead = true

	now := ss.s.o.Now()
	card := testCards[ss.s.ledger.lastTrace()%len(testCards)]
	e := Entry{Amount: amount, MaskedPAN: card.pan, CardName: card.name, At: now, PaymentType: paymentTypeOn}
	if amount >= 5000 {
		e.PaymentType = paymentTypePIN
		if !ss.intermediate(imPIN) {
			return nil
		}
	}
	if !ss.intermediate(imWait) {
		return nil
	}
	if b.Kind == Decline {
		e.Kind, e.Result = EntryDecline, b.result()
		if e, err := ss.s.ledger.add(e, false); err == nil {
			ss.intermediate(imDeclined)
			if ss.deliver(statusInfo(e, ss.s.o.TerminalID)) {
				ss.s.ledger.ack(e.Trace)
			}
		}
		ss.deliver(abortPT(b.result()))
		return nil
	}
	e.Kind = EntryApproval
	if b.Kind == ApproveOffline {
		e.Offline, e.PaymentType = true, paymentTypeOff
		if !ss.intermediate(imOffline) {
			return nil
		}
	}
	e, err := ss.s.ledger.add(e, true)
	if err != nil {
		ss.s.o.Log.Error("zvtsim: ledger", "err", err)
		ss.deliver(abortPT(0xFF))
		return nil
	}
	switch b.Kind {
	case DropReply:
		next := ss.silence()
		ss.unacked(e)
		return next
	case LoseLink:
		ss.s.cutLink(ss.cut, b)
		ss.down = true
		ss.unacked(e)
		return nil
	}
	if !ss.intermediate(imRemoveCard) || !ss.deliver(statusInfo(e, ss.s.o.TerminalID)) {
		if ss.unacked(e) && !ss.down {
			ss.deliver(abortPT(resAborted))
			return nil
		}
	} else if err := ss.s.ledger.ack(e.Trace); err != nil {
		ss.s.o.Log.Error("zvtsim: ledger", "err", err)
	}
	ss.finish(receipt(e, ss.s.o.TerminalID))
	return nil
}

// unacked applies the Unacked policy to an approval whose 04 0F was not
// acknowledged, and reports whether it reversed it.
func (ss *session) unacked(e Entry) bool {
	if ss.s.unackedPolicy() != ReverseUnacked {
		return false
	}
	if _, _, err := ss.s.ledger.reverse(e.ReceiptNo, -1, true, ss.s.o.Now()); err != nil {
		ss.s.o.Log.Error("zvtsim: ledger", "err", err)
	}
	return true
}

// pollAbort takes a 06 B0 (or anything else) the cash register has already
// sent, without waiting.
func (ss *session) pollAbort() {
	for {
		a, ok := ss.recv(time.Now())
		if !ok {
			return
		}
		if a.Is(zvt.CmdAbort) {
			ss.abortRequest()
		} else if !zvt.IsReply(a) {
			ss.send(zvt.Nack(0xA0))
		}
	}
}

// waitForCard waits for a card that never comes, until the cash register
// aborts or CardTimeout passes; either way the payment ends with 6C.
func (ss *session) waitForCard() {
	deadline := time.Now().Add(ss.s.o.CardTimeout)
	for !ss.pay.aborted {
		a, ok := ss.recv(deadline)
		if !ok {
			break
		}
		switch {
		case a.Is(zvt.CmdAbort):
			ss.abortRequest()
		case zvt.IsReply(a):
		default:
			ss.send(zvt.Nack(0xA0))
		}
	}
	ss.deliver(abortPT(resAborted))
}

// silence is DropReply after the approval: the terminal says nothing more
// about the payment. It waits T3, as if for the 80 00 to a 04 0F that was
// lost, swallowing 06 B0 and replies; a new command ends the wait and is
// returned to be run next.
func (ss *session) silence() *zvt.APDU {
	deadline := time.Now().Add(ss.s.o.T3)
	for {
		a, ok := ss.recv(deadline)
		if !ok {
			return nil
		}
		if !a.Is(zvt.CmdAbort) && !zvt.IsReply(a) {
			return &a
		}
	}
}

// repeatReceipt answers 06 20: the last 04 0F again when the service byte
// allowed it, the receipt lines, Completion; 06 1E 83 when there is none.
func (ss *session) repeatReceipt() {
	if !ss.send(zvt.Ack()) {
		return
	}
	e, ok := ss.s.ledger.last()
	if !ok {
		ss.deliver(abortPT(resNotPossible))
		return
	}
	if _, service := ss.s.registration(); service&0x01 != 0 {
		if !ss.deliver(statusInfo(e, ss.s.o.TerminalID)) {
			return
		}
	}
	ss.finish(receipt(e, ss.s.o.TerminalID))
}

// reversal answers 06 30: password, 87 receipt number, optional 04 amount.
func (ss *session) reversal(a zvt.APDU) {
	if len(a.Data) < 3 {
		ss.send(zvt.Nack(0x9A))
		return
	}
	fs, ok := ss.fields(a.Data[3:])
	if !ok {
		return
	}
	rno, ok := fs.Number(zvt.BMPReceiptNo)
	if !ok {
		ss.send(zvt.Nack(0x9A))
		return
	}
	amount, ok := fs.Number(zvt.BMPAmount)
	if !ok {
		amount = -1
	}
	if !ss.send(zvt.Ack()) || !ss.intermediate(imWait) {
		return
	}
	e, result, err := ss.s.ledger.reverse(int(rno), amount, false, ss.s.o.Now())
	switch {
	case err != nil:
		ss.s.o.Log.Error("zvtsim: ledger", "err", err)
		ss.deliver(abortPT(0xFF))
		return
	case result != 0:
		ss.deliver(abortPT(result))
		return
	}
	if !ss.deliver(statusInfo(e, ss.s.o.TerminalID)) {
		return
	}
	ss.s.ledger.ack(e.Trace)
	ss.finish(receipt(e, ss.s.o.TerminalID))
}

// endOfDay answers 06 50: the totals of the payments since the last end of
// day as 04 0F, the receipt, Completion.
func (ss *session) endOfDay(a zvt.APDU) {
	if len(a.Data) < 3 {
		ss.send(zvt.Nack(0x9A))
		return
	}
	if !ss.send(zvt.Ack()) || !ss.intermediate(imWait) {
		return
	}
	e, err := ss.s.ledger.endOfDay(ss.s.o.Now())
	if err != nil {
		ss.s.o.Log.Error("zvtsim: ledger", "err", err)
		ss.deliver(abortPT(0xFF))
		return
	}
	if !ss.deliver(statusInfo(e, ss.s.o.TerminalID)) {
		return
	}
	ss.s.ledger.ack(e.Trace)
	ss.finish(receipt(e, ss.s.o.TerminalID))
}
