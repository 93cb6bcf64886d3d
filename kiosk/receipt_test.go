package kiosk

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/devices/escpos"
	"github.com/kiosk-sco/kiosk/i18n"
	"github.com/kiosk-sco/kiosk/kiosk/receipt"
)

type fakePrinter struct {
	jobs   [][]byte
	status devices.Status
	err    error
}

func (p *fakePrinter) Print(_ context.Context, job []byte) error {
	if p.err != nil {
		return p.err
	}
	p.jobs = append(p.jobs, job)
	return nil
}

func (p *fakePrinter) Status() devices.Status { return p.status }

func TestReceiptOfTheBasket(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	tl.scan(milk)
	tl.scan(oatDrink)
	tl.do(Command{Op: OpWeighed, PLU: bananas, WeightG: 1234})
	tl.do(Command{Op: OpLang, Lang: "de"})
	id := tl.View().Txn.ID
	r, err := tl.Receipt(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.TxnID != id || r.Total.String() != "6.16" || len(r.Lines) != 3 || r.Currency != "EUR" {
		t.Fatalf("receipt %+v", r)
	}
	if l := r.Lines[0]; l.Name != "Frische Vollmilch 3,5 % 1 l" || l.Qty != 2 || l.Amount.String() != "2.38" || l.VATLetter != "B" {
		t.Fatalf("line 1 %+v", l)
	}
	if l := r.Lines[2]; l.WeightG != 1234 || l.UnitPrice.String() != "1.69" || l.Amount.String() != "2.09" {
		t.Fatalf("weighed line %+v", l)
	}
	if len(r.VAT) != 2 || r.VAT[0].Letter != "A" || r.VAT[0].Rate.String() != "19" || r.Lines[1].VATLetter != "A" {
		t.Fatalf("VAT %+v", r.VAT)
	}
	if r.Status != receipt.Open || r.Lang != "de" {
		t.Fatalf("an open basket's receipt must say it is not paid, in German: %q %q", r.Status, r.Lang)
	}
	if text := receipt.Lay(r, tl.Config().Receipt.Paper()).Text(); !strings.Contains(text, "N I C H T   B E Z A H L T") ||
		!strings.Contains(text, "S U M M E") || !strings.Contains(text, "6 , 1 6   €") {
		t.Fatalf("German receipt:\n%s", text)
	}

	p := &fakePrinter{status: devices.Status{Connected: true}}
	seq := tl.View().Seq
	if err := tl.PrintReceipt(context.Background(), p, "", "anna"); err != nil {
		t.Fatal(err)
	}
	if len(p.jobs) != 1 || !bytes.HasPrefix(p.jobs[0], []byte{0x1b, '@'}) || !bytes.Contains(p.jobs[0], []byte(id[:4])) {
		t.Fatalf("job %q", p.jobs)
	}
	evs, _ := tl.EventsAfter(context.Background(), seq, 10)
	if len(evs) != 1 || evs[0].Type != "receipt_printed" {
		t.Fatalf("events %+v", evs)
	}

	// A refused job records nothing and says why.
	p.err = &escpos.PrintError{Err: escpos.ErrCoverOpen}
	seq = tl.View().Seq
	err = tl.PrintReceipt(context.Background(), p, id, "anna")
	var ke *Error
	if !errors.As(err, &ke) || ke.Kind != KindState || ke.Code != "printer.cover_open" || ke.Detail != "receipt "+id+" not printed: the printer cover is open" {
		t.Fatalf("err %#v", err)
	}
	if tl.View().Seq != seq {
		t.Fatal("a failed print was journaled")
	}
	if _, err := tl.Receipt(context.Background(), "nope"); KindOf(err) != KindNotFound {
		t.Fatalf("unknown txn: %v", err)
	}
}

// TestPrintRefusalsSayWhy maps each of the driver's refusals to a code and
// words staff can act on, for the test page and for a reprint.
func TestPrintRefusalsSayWhy(t *testing.T) {
	tl := newTestLane(t)
	tl.scan(milk)
	id := tl.View().Txn.ID
	for _, tc := range []struct {
		err  error
		code string
		why  string
	}{
		{&escpos.PrintError{Err: escpos.ErrCoverOpen}, "printer.cover_open", "the printer cover is open"},
		{&escpos.PrintError{Err: escpos.ErrPaperEnd}, "printer.paper_end", "the printer is out of paper"},
		{&escpos.PrintError{Err: escpos.ErrOffline}, "printer.offline", "the printer is offline"},
		{&escpos.PrintError{Err: escpos.ErrFault}, "printer.fault", "the printer reports an error (a cutter jam or a mechanical fault)"},
		{&escpos.PrintError{Err: escpos.ErrNotConnected}, "printer.not_connected", "the printer is not connected (unplugged or switched off)"},
		{&escpos.PrintError{Err: escpos.ErrBusy, Cause: context.DeadlineExceeded}, "printer.busy", "the printer is busy with another job"},
		{&escpos.PrintError{Err: escpos.ErrOffline, Reprint: true}, "printer.offline", "the printer is offline; part of it may have printed: tear it off and print again"},
		{&escpos.PrintError{Err: escpos.ErrFault, Status: devices.Status{Connected: true, Faults: []string{devices.FaultCutter}}},
			"printer.fault", "the printer reports an error: autocutter jammed"},
		{&escpos.PrintError{Err: escpos.ErrCoverOpen, Status: devices.Status{Connected: true, Faults: []string{devices.FaultCoverOpen, devices.FaultPaperEnd}}},
			"printer.cover_open", "the printer cover is open; also out of paper"},
		{errors.New("strange"), "printer.refused", "strange"},
	} {
		t.Run(tc.code+" "+tc.err.Error(), func(t *testing.T) {
			p := &fakePrinter{err: tc.err}
			for what, print := range map[string]func() error{
				"test page not printed":          func() error { return tl.PrintTestPage(context.Background(), p, "anna") },
				"receipt " + id + " not printed": func() error { return tl.PrintReceipt(context.Background(), p, id, "anna") },
			} {
				want := "kiosk: " + tc.code + ": " + what + ": " + tc.why
				if err := print(); err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, tc.err) {
					t.Errorf("%v, want %q…", err, want)
				}
			}
		})
	}
}

// TestCancelledReceiptSaysCancelled: a cancelled transaction's receipt (a
// reprint, the preview) is marked CANCELLED, not printed as a sale.
func TestCancelledReceiptSaysCancelled(t *testing.T) {
	tl := newTestLane(t)
	v := tl.scan(milk)
	id := v.Txn.ID
	v = tl.do(Command{Op: OpCancel}).View
	tl.resolve(alertOf(t, v, AlertCancelRequest).ID, "approved")
	r, err := tl.Receipt(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != receipt.Cancelled {
		t.Fatalf("status %q", r.Status)
	}
	p := &fakePrinter{status: devices.Status{Connected: true}}
	if err := tl.PrintReceipt(context.Background(), p, id, "anna"); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(p.jobs[0], []byte("CANCELLED")); n != 2 {
		t.Fatalf("CANCELLED printed %d times:\n%q", n, p.jobs[0])
	}
	if bytes.Contains(p.jobs[0], []byte("NOT PAID")) {
		t.Fatal("a cancelled receipt says NOT PAID")
	}
}

// The screen's and the receipt's languages (i18n) are the languages products
// are named in (catalog): a language in one and not the other would show
// English names on a German screen, or words nobody translated.
func TestLanguagesAgree(t *testing.T) {
	var names []string
	for _, l := range catalog.Langs {
		names = append(names, string(l))
	}
	slices.Sort(names)
	if got := i18n.Langs(); !slices.Equal(got, names) {
		t.Fatalf("i18n has %v, catalog names products in %v", got, names)
	}
}
