package zvtsim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/devices/zvt"
)

// env is one scripted conversation: a terminal and a cash register on it.
type env struct {
	t  *testing.T
	tr transport
	s  *Sim
	*ecr
}

// redial connects a new cash register, putting a pulled cable back first.
func (v *env) redial() {
	v.t.Helper()
	if !v.s.Plugged() {
		if err := v.s.Replug(); err != nil {
			v.t.Fatal(err)
		}
	}
	v.ecr = &ecr{t: v.t, l: v.tr.dial(v.t, v.s)}
}

// approveFlow follows an approval after the 80 00: intermediate statuses for
// config 0xBE, the 04 0F (acknowledged), the receipt and the Completion.
func (v *env) approveFlow(codes ...byte) (info, []string) {
	v.t.Helper()
	v.intermediates(codes...)
	i := readInfo(v.t, v.take(zvt.CmdStatusInfo))
	return i, v.finish()
}

func (v *env) ledgerKinds() []string {
	var ks []string
	for _, e := range v.s.Ledger() {
		k := e.Kind
		if e.Reversed {
			k += "(reversed)"
		}
		if e.Auto {
			k += "(auto)"
		}
		if e.Acked {
			k += "+ack"
		}
		ks = append(ks, k)
	}
	return ks
}

// waitLedger waits until the ledger satisfies ok.
func (v *env) waitLedger(ok func([]Entry) bool) {
	v.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		ch := v.s.ledger.wait()
		if ok(v.s.Ledger()) {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			v.t.Fatalf("ledger stayed %q", v.ledgerKinds())
		}
	}
}

func (v *env) wantLedger(want ...string) {
	v.t.Helper()
	if got := v.ledgerKinds(); !slices.Equal(got, want) {
		v.t.Fatalf("ledger %q, want %q", got, want)
	}
}

// insert, wait, remove: the intermediate statuses of an approval below
// 50.00 with config 0x08.
var approveSmall = []byte{imInsertCard, imWait, imRemoveCard}

var scripts = []struct {
	name string
	opts Options
	run  func(v *env)
}{
	{"registration", Options{}, func(v *env) {
		v.cmd(0x06, 0x00, []byte{0, 0, 0, 0xBE, 0x09, 0x78, 0x03, 0x01})
		v.expectAck()
		fs, err := zvt.ParseFields(v.take(zvt.CmdCompletion).Data)
		if err != nil {
			v.t.Fatal(err)
		}
		st, _ := fs.Byte(zvt.BMPPaymentType)
		tid, _ := fs.Digits(zvt.BMPTID)
		cc, _ := fs.Number(zvt.BMPCurrency)
		if st != 0 || tid != "52500001" || cc != 978 {
			v.t.Fatalf("registration completion: status %02X tid %s currency %d", st, tid, cc)
		}
		if c, s := v.s.registration(); c != 0xBE || s != 0x01 {
			v.t.Fatalf("config %02X service %02X", c, s)
		}
	}},
	{"registration_garbled", Options{}, func(v *env) {
		v.cmd(0x06, 0x00, []byte{0, 0, 0})
		v.expectNack(0x9A)
	}},
	{"approve", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: Approve})
		v.pay(1050)
		v.expectAck()
		v.intermediates(approveSmall...)
		si := v.expect(zvt.CmdStatusInfo)
		v.wantLedger("approval") // journalled before the 04 0F went out
		v.ack()
		i, lines := readInfo(v.t, si), v.finish()
		want := info{result: 0, amount: 1050, trace: 1, receipt: 1, payType: paymentTypeOn,
			pan: "476173******0010", card: "VISA", tid: "52500001", hasTrace: true}
		if i != want {
			v.t.Fatalf("status information %+v, want %+v", i, want)
		}
		if !slices.Contains(lines, "Zahlung erfolgt") || !strings.Contains(strings.Join(lines, "\n"), "476173******0010") {
			v.t.Fatalf("receipt %q", lines)
		}
		v.wantLedger("approval+ack")
		if e := v.s.Ledger()[0]; e.ReceiptNo != 1 || e.Trace != 1 || e.Amount != 1050 || e.Offline || e.MaskedPAN != "476173******0010" {
			v.t.Fatalf("ledger entry %+v", e)
		}
	}},
	{"approve_with_pin", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(6000)
		v.expectAck()
		i, _ := v.approveFlow(imInsertCard, imPIN, imWait, imRemoveCard)
		if i.payType != paymentTypePIN || i.amount != 6000 {
			v.t.Fatalf("status information %+v", i)
		}
	}},
	{"approve_offline", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: ApproveOffline})
		v.pay(700)
		v.expectAck()
		i, lines := v.approveFlow(imInsertCard, imWait, imOffline, imRemoveCard)
		if i.payType != paymentTypeOff || i.result != 0 {
			v.t.Fatalf("status information %+v", i)
		}
		if !slices.Contains(lines, "Zahlung erfolgt (offline)") {
			v.t.Fatalf("receipt %q", lines)
		}
		if e := v.s.Charges(); len(e) != 1 || !e[0].Offline || e[0].PaymentType != paymentTypeOff {
			v.t.Fatalf("charges %+v", e)
		}
	}},
	{"unregistered_no_intermediate_status", Options{}, func(v *env) {
		v.pay(1050) // config 0x86: print lines, no 04 FF
		v.expectAck()
		i, lines := v.approveFlow()
		if i.result != 0 || len(lines) == 0 {
			v.t.Fatalf("status information %+v, receipt %q", i, lines)
		}
	}},
	{"register_without_receipts", Options{}, func(v *env) {
		v.register(0x08, 0x00)
		v.pay(1050)
		v.expectAck()
		if _, lines := v.approveFlow(approveSmall...); len(lines) != 0 {
			v.t.Fatalf("print lines without 0x80/0x02: %q", lines)
		}
	}},
	{"decline", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: Decline})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait, imDeclined)
		si := v.expect(zvt.CmdStatusInfo)
		v.wantLedger("decline")
		v.ack()
		if i := readInfo(v.t, si); i.result != 0x05 || i.receipt != 0 {
			v.t.Fatalf("status information %+v", i)
		}
		v.abortPT(0x05)
		v.wantLedger("decline+ack")
		if len(v.s.Charges()) != 0 || v.s.Net() != 0 {
			v.t.Fatal("a decline charged")
		}
	}},
	{"decline_51", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: Decline, Result: 0x51})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait, imDeclined)
		if i := readInfo(v.t, v.take(zvt.CmdStatusInfo)); i.result != 0x51 {
			v.t.Fatalf("status information %+v", i)
		}
		v.abortPT(0x51)
	}},
	{"abort_before_card", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: Timeout})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard)
		v.cmd(0x06, 0xB0, nil)
		v.expectAck()
		v.abortPT(resAborted)
		v.wantLedger()
	}},
	{"card_timeout", Options{CardTimeout: 200 * time.Millisecond}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: Timeout})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard)
		v.abortPT(resAborted)
		v.wantLedger()
	}},
	{"abort_after_card_refused", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard)
		v.expect(zvt.CmdIntermediate) // 17: the card is read
		v.cmd(0x06, 0xB0, nil)
		v.expectNack(0x83)
		v.ack()
		v.approveFlow(imRemoveCard)
		v.wantLedger("approval+ack")
	}},
	{"abort_idle_refused", Options{}, func(v *env) {
		v.cmd(0x06, 0xB0, nil)
		v.expectNack(0x83)
	}},
	{"busy_while_master", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.expect(zvt.CmdIntermediate)
		v.cmd(0x05, 0x01, []byte{0, 0, 0})
		v.expectNack(0xA0)
		v.ack()
		v.approveFlow(imWait, imRemoveCard)
	}},
	{"busy", Options{}, func(v *env) {
		v.s.Next(Behavior{Kind: Busy})
		v.pay(1050)
		v.expectNack(0xA0)
		v.wantLedger()
		v.pay(1050)
		v.expectAck()
		v.approveFlow()
		v.wantLedger("approval+ack")
	}},
	{"status", Options{}, func(v *env) {
		for _, code := range []byte{0x00, 0xCC, 0xDF, 0x00} {
			v.s.SetStatus(code)
			if got := v.status(); got != code {
				v.t.Fatalf("status %02X, want %02X", got, code)
			}
		}
	}},
	{"out_of_order_refuses_payment", Options{}, func(v *env) {
		v.s.SetStatus(0xDF)
		v.pay(1050)
		v.expectAck()
		v.abortPT(0xDF)
		v.wantLedger()
	}},
	{"printer_not_ready", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: PrinterNotReady})
		if got := v.status(); got != 0xCC {
			v.t.Fatalf("status %02X, want CC", got)
		}
		v.pay(1050)
		v.expectAck()
		v.abortPT(0xCC)
		if got := v.status(); got != 0x00 {
			v.t.Fatalf("status after %02X, want 00", got)
		}
		v.wantLedger()
	}},
	{"unknown_command", Options{}, func(v *env) {
		v.cmd(0x06, 0x99, nil)
		v.expectNack(0x83)
		v.cmd(0x08, 0x01, []byte{0, 0, 0})
		v.expectNack(0x83)
	}},
	{"authorization_bad_data", Options{}, func(v *env) {
		v.cmd(0x06, 0x01, []byte{0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x50, 0xFE, 0x01}) // unknown BMP FE
		v.expectNack(0x83)
		v.cmd(0x06, 0x01, []byte{0x49, 0x09, 0x78}) // no amount
		v.expectNack(0x9A)
		v.cmd(0x06, 0x01, []byte{0x04, 0x00, 0x00}) // cut short
		v.expectNack(0x9A)
		v.wantLedger()
	}},
	{"wrong_currency", Options{}, func(v *env) {
		am, _ := zvt.NumberField(zvt.BMPAmount, 1050)
		v.cmd(0x06, 0x01, zvt.Fields{am, {BMP: zvt.BMPCurrency, Data: []byte{0x08, 0x26}}}.Bytes())
		v.expectAck()
		v.abortPT(resWrongCurrency)
		v.wantLedger()
	}},
	{"repeat_receipt", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		first, lines := v.approveFlow(approveSmall...)
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		again := readInfo(v.t, v.take(zvt.CmdStatusInfo))
		if again != first {
			v.t.Fatalf("repeated %+v, first %+v", again, first)
		}
		if l := v.finish(); !slices.Equal(l, lines) {
			v.t.Fatalf("repeated receipt %q, first %q", l, lines)
		}
	}},
	{"repeat_receipt_without_service_bit", Options{}, func(v *env) {
		v.register(0xBE, 0x00)
		v.pay(1050)
		v.expectAck()
		v.approveFlow(approveSmall...)
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		if lines := v.finish(); len(lines) == 0 { // finish fails on a 04 0F
			v.t.Fatal("no receipt lines")
		}
	}},
	{"repeat_receipt_nothing_yet", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		v.abortPT(resNotPossible)
	}},
	{"please_wait", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.intermediates(approveSmall...)
		first := v.expect(zvt.CmdStatusInfo)
		v.send(zvt.Nack(0x9C))
		again := v.take(zvt.CmdStatusInfo)
		if string(first.Data) != string(again.Data) {
			v.t.Fatal("84 9C: a different status information came")
		}
		v.finish()
		v.wantLedger("approval+ack")
	}},
	{"reversal", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.approveFlow(approveSmall...)
		v.reverse(1, 1050)
		v.expectAck()
		v.intermediates(imWait)
		i := readInfo(v.t, v.take(zvt.CmdStatusInfo))
		if i.result != 0 || i.receipt != 2 || i.trace != 2 || !i.hasOrig || i.origTrace != 1 || i.amount != 1050 {
			v.t.Fatalf("reversal status information %+v", i)
		}
		if lines := v.finish(); !slices.Contains(lines, "Storno erfolgt") {
			v.t.Fatalf("receipt %q", lines)
		}
		v.wantLedger("approval(reversed)+ack", "reversal+ack")
		if e := v.s.Ledger()[1]; e.ReversalOf != 1 || e.OrigTrace != 1 || e.Auto {
			v.t.Fatalf("reversal entry %+v", e)
		}
		if v.s.Net() != 0 {
			v.t.Fatalf("net %d after the reversal", v.s.Net())
		}
		for _, tc := range []struct {
			receipt int
			amount  int64
			result  byte
		}{{1, 1050, resAlreadyReversed}, {1, 0, resAlreadyReversed}, {99, 0, resNoReversal}, {2, 0, resNoReversal}} {
			v.reverse(tc.receipt, tc.amount)
			v.expectAck()
			v.intermediates(imWait)
			v.abortPT(tc.result)
		}
	}},
	{"reversal_wrong_amount", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.approveFlow(approveSmall...)
		v.reverse(1, 1049)
		v.expectAck()
		v.intermediates(imWait)
		v.abortPT(resNoReversal)
		v.wantLedger("approval+ack")
	}},
	{"end_of_day", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		for _, a := range []int64{1000, 2500} {
			v.pay(a)
			v.expectAck()
			v.approveFlow(approveSmall...)
		}
		v.reverse(1, 0)
		v.expectAck()
		v.intermediates(imWait)
		v.take(zvt.CmdStatusInfo)
		v.finish()
		v.cmd(0x06, 0x50, []byte{0, 0, 0})
		v.expectAck()
		v.intermediates(imWait)
		if i := readInfo(v.t, v.take(zvt.CmdStatusInfo)); i.amount != 2500 || i.result != 0 {
			v.t.Fatalf("totals %+v", i)
		}
		if lines := v.finish(); !slices.Contains(lines, "Kassenschnitt erfolgreich") {
			v.t.Fatalf("receipt %q", lines)
		}
		if e := v.s.Ledger()[3]; e.Kind != EntryEndOfDay || e.Count != 1 || e.Amount != 2500 {
			v.t.Fatalf("end of day entry %+v", e)
		}
		v.reverse(2, 0) // before the end of day: no longer
		v.expectAck()
		v.intermediates(imWait)
		v.abortPT(resNoReversal)
	}},
	{"unacked_kept", Options{T3: 500 * time.Millisecond}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.intermediates(approveSmall...)
		v.expect(zvt.CmdStatusInfo) // never acknowledged
		v.finish()                  // after T3 the payment goes on
		v.wantLedger("approval")
		if v.s.Net() != 1050 {
			v.t.Fatalf("net %d", v.s.Net())
		}
	}},
	{"unacked_reversed", Options{T3: 500 * time.Millisecond, Unacked: ReverseUnacked}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.intermediates(approveSmall...)
		v.expect(zvt.CmdStatusInfo)
		v.abortPT(resAborted)
		v.wantLedger("approval(reversed)", "reversal(auto)")
		if v.s.Net() != 0 {
			v.t.Fatalf("net %d", v.s.Net())
		}
	}},
	{"unacked_nack_reversed", Options{Unacked: ReverseUnacked}, func(v *env) {
		v.register(0xBE, 0x01)
		v.pay(1050)
		v.expectAck()
		v.intermediates(approveSmall...)
		v.expect(zvt.CmdStatusInfo)
		v.send(zvt.Nack(0x66))
		v.abortPT(resAborted)
		v.wantLedger("approval(reversed)", "reversal(auto)")
	}},
	{"drop_reply_kept", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: DropReply})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait)
		// Silence. The cash register gives up and asks; the answer to its
		// question is the first thing it hears: no 04 0F came.
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		i := readInfo(v.t, v.take(zvt.CmdStatusInfo))
		if i.result != 0 || i.receipt != 1 || i.amount != 1050 || i.hasOrig {
			v.t.Fatalf("last result %+v", i)
		}
		v.finish()
		v.wantLedger("approval")
	}},
	{"drop_reply_reversed", Options{Unacked: ReverseUnacked}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: DropReply})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait)
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		i := readInfo(v.t, v.take(zvt.CmdStatusInfo))
		if !i.hasOrig || i.origTrace != 1 || i.receipt != 2 {
			v.t.Fatalf("last result %+v, want the automatic reversal", i)
		}
		v.finish()
		v.wantLedger("approval(reversed)", "reversal(auto)")
	}},
	{"drop_reply_t3", Options{T3: 300 * time.Millisecond, Unacked: ReverseUnacked}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: DropReply})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait)
		v.cmd(0x06, 0xB0, nil) // swallowed: the terminal says nothing about this payment
		// No command ends the silence: T3 does, and the approval is reversed.
		v.waitLedger(func(es []Entry) bool { return len(es) == 2 })
		v.wantLedger("approval(reversed)", "reversal(auto)")
		if got := v.status(); got != 0 { // the next command is answered
			v.t.Fatalf("status %02X", got)
		}
	}},
	{"lose_link_before_card", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: LoseLink})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard)
		v.down()
		v.redial()
		if got := v.status(); got != 0 {
			v.t.Fatalf("status %02X after the line came back", got)
		}
		v.wantLedger()
	}},
	{"lose_link_after_approval_kept", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: LoseLink, AfterApproval: true})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait)
		v.down()
		v.redial()
		v.cmd(0x06, 0x20, nil) // the registration is remembered: service byte 01
		v.expectAck()
		if i := readInfo(v.t, v.take(zvt.CmdStatusInfo)); i.receipt != 1 || i.hasOrig || i.result != 0 {
			v.t.Fatalf("last result %+v", i)
		}
		v.finish()
		v.wantLedger("approval")
	}},
	{"lose_link_after_approval_reversed", Options{Unacked: ReverseUnacked}, func(v *env) {
		v.register(0xBE, 0x01)
		v.s.Next(Behavior{Kind: LoseLink, AfterApproval: true})
		v.pay(1050)
		v.expectAck()
		v.intermediates(imInsertCard, imWait)
		v.down()
		v.redial()
		v.cmd(0x06, 0x20, nil)
		v.expectAck()
		if i := readInfo(v.t, v.take(zvt.CmdStatusInfo)); !i.hasOrig || i.origTrace != 1 {
			v.t.Fatalf("last result %+v, want the automatic reversal", i)
		}
		v.finish()
		v.wantLedger("approval(reversed)", "reversal(auto)")
	}},
	{"log_off", Options{}, func(v *env) {
		v.register(0xBE, 0x01)
		v.cmd(0x06, 0x02, nil)
		v.expectAck()
		if c, s := v.s.registration(); c != defaultConfig || s != 0 {
			v.t.Fatalf("after log-off config %02X service %02X", c, s)
		}
	}},
}

// TestScripts runs each cash-register script against the terminal on a
// pseudo-terminal and on TCP.
func TestScripts(t *testing.T) {
	for _, tr := range transports {
		for _, sc := range scripts {
			t.Run(tr.name+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				s := tr.start(t, sc.opts)
				v := &env{t: t, tr: tr, s: s}
				v.redial()
				sc.run(v)
			})
		}
	}
}
