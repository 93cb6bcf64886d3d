package kiosk

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kiosk-sco/kiosk/devices"
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
	if r.TxnID != id || r.Total != "6.16" || len(r.Lines) != 3 {
		t.Fatalf("receipt %+v", r)
	}
	if l := r.Lines[0]; l.Name != "Frische Vollmilch 3,5 % 1 l" || l.Qty != 2 || l.Amount != "2.38" || l.VATLetter != "B" {
		t.Fatalf("line 1 %+v", l)
	}
	if l := r.Lines[2]; l.WeightG != 1234 || l.UnitPrice != "1.69" || l.Amount != "2.09" {
		t.Fatalf("weighed line %+v", l)
	}
	if len(r.VAT) != 2 || r.VAT[0].Letter != "A" || r.VAT[0].Rate != "19%" || r.Lines[1].VATLetter != "A" {
		t.Fatalf("VAT %+v", r.VAT)
	}
	if len(r.Payment) != 1 || r.Payment[0] != "NICHT BEZAHLT - Kopie des Warenkorbs" || r.Labels.Total != "SUMME" {
		t.Fatalf("an open basket's receipt must say it is not paid, in German: %q %+v", r.Payment, r.Labels)
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

	// A refused job records nothing.
	p.err = errors.New("cover open")
	seq = tl.View().Seq
	if err := tl.PrintReceipt(context.Background(), p, id, "anna"); KindOf(err) != KindState {
		t.Fatalf("err %v", err)
	}
	if tl.View().Seq != seq {
		t.Fatal("a failed print was journaled")
	}
	if _, err := tl.Receipt(context.Background(), "nope"); KindOf(err) != KindNotFound {
		t.Fatalf("unknown txn: %v", err)
	}
}
