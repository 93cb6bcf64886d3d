package hq

import (
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// staffRoles are the roles of store staff: an event whose body names "by"
// and one of these as "role" is a staff intervention (hqwire's rule).
var staffRoles = map[string]bool{"attendant": true, "supervisor": true, "remote": true}

// eventBody is the fields of lane event bodies the projections read.
type eventBody struct {
	ID       int64        `json:"id"`
	Type     string       `json:"type"`
	Txn      string       `json:"txn"`
	By       string       `json:"by"`
	Role     string       `json:"role"`
	Outcome  string       `json:"outcome"`
	Reason   string       `json:"reason"`
	Level    int          `json:"level"`
	RaisedAt time.Time    `json:"raisedAt"`
	Score    int          `json:"score"`
	Sale     *hqwire.Sale `json:"sale"`
}

// facts are what a transaction's events say before it ends.
type facts struct {
	started       bool // its txn_started is among the events projected now
	help, called  bool
	effort        int
	interventions int
}

// project updates sales and interventions from a lane's new events, in
// their order, inside the ingest's transaction (they are stored already).
// What a sale needs of its transaction's earlier events is gathered on the
// way; only a transaction that began in an earlier batch is read back.
func (s *Service) project(tx *gorm.DB, store, lane string, evs []Event) error {
	byTxn := map[string]*facts{}
	for i := range evs {
		e := &evs[i]
		var b eventBody
		switch e.Type {
		case "alert_raised", "alert_acknowledged", "alert_escalated", "alert_resolved", "txn_paid", "txn_cancelled",
			"help_opened", "effort_answered", "txn_started":
			if err := json.Unmarshal([]byte(e.Body), &b); err != nil {
				s.log.Warn("hq: event body not understood", "lane", lane, "seq", e.Seq, "type", e.Type, "err", err)
				continue
			}
		default:
			if e.Txn == "" || !strings.Contains(e.Body, `"role"`) {
				continue
			}
			if err := json.Unmarshal([]byte(e.Body), &b); err != nil {
				continue
			}
		}
		var f *facts
		if e.Txn != "" {
			if f = byTxn[e.Txn]; f == nil {
				f = &facts{}
				byTxn[e.Txn] = f
			}
			f.add(e.Type, &b)
		}
		var err error
		switch e.Type {
		case "alert_raised":
			raised := b.RaisedAt
			if raised.IsZero() {
				raised = e.At
			}
			err = tx.Exec(`INSERT INTO interventions (lane, alert_id, store, txn, type, raised_at, level, acked_by, resolved_by, role, outcome, reason)
				VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', '', '') ON CONFLICT DO NOTHING`,
				lane, b.ID, store, firstOf(b.Txn, e.Txn), b.Type, raised.UTC(), b.Level).Error
		case "alert_acknowledged":
			err = tx.Model(&Intervention{}).Where("lane = ? AND alert_id = ?", lane, b.ID).
				Updates(map[string]any{"acked_by": b.By, "acked_at": gorm.Expr("COALESCE(acked_at, ?)", e.At.UTC())}).Error
		case "alert_escalated":
			err = tx.Model(&Intervention{}).Where("lane = ? AND alert_id = ?", lane, b.ID).Update("level", b.Level).Error
		case "alert_resolved":
			role := b.Role
			if !staffRoles[role] {
				role = ""
			}
			err = tx.Model(&Intervention{}).Where("lane = ? AND alert_id = ?", lane, b.ID).
				Updates(map[string]any{"resolved_at": e.At.UTC(), "resolved_by": b.By, "role": role, "outcome": b.Outcome, "reason": b.Reason}).Error
		case "txn_paid", "txn_cancelled":
			err = s.projectSale(tx, store, lane, e, &b, f, evs[0].Seq)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// add counts one event of the transaction.
func (f *facts) add(typ string, b *eventBody) {
	switch typ {
	case "txn_started":
		f.started = true
	case "help_opened":
		f.help = true
	case "alert_raised":
		f.called = f.called || b.Type == "help"
	case "effort_answered":
		if b.Score >= 1 && b.Score <= 5 && f.effort == 0 {
			f.effort = b.Score
		}
	}
	if typ != "alert_raised" && typ != "alert_escalated" && b.By != "" && staffRoles[b.Role] {
		f.interventions++
	}
}

// projectSale records the sale an ended transaction is, with what the
// transaction's earlier events say (f: those of this batch, the ending one
// included; batchFirst: the batch's first seq, before which the database
// holds the rest):
// help opened, a help alert, the effort answer, the staff interventions.
func (s *Service) projectSale(tx *gorm.DB, store, lane string, e *Event, b *eventBody, f *facts, batchFirst int64) error {
	txn := e.Txn
	if txn == "" {
		return nil
	}
	sale := Sale{Txn: txn, Store: store, Lane: lane, Outcome: e.Type[len("txn_"):], Started: e.At.UTC(), Ended: e.At.UTC()}
	if b.Sale != nil {
		sm := b.Sale
		sale.Started, sale.Items, sale.TotalMinor, sale.Currency, sale.Lang = sm.Started.UTC(), sm.Items, sm.TotalMinor, sm.Currency, sm.Lang
		if len(sm.Currency) > 3 {
			sale.Currency = ""
		}
		if len(sm.Lang) > 8 {
			sale.Lang = ""
		}
		if sale.Started.After(sale.Ended) {
			sale.Started = sale.Ended
		}
		detail, _ := json.Marshal(sm)
		sale.Detail = string(detail)
	}
	all := *f
	if !f.started { // it began in an earlier batch: read those events back
		// By the transaction's id alone, so that the planner takes its
		// index: a range on the lane's seq would scan the lane's history.
		var evs []Event
		if err := tx.Select("type, body, lane, seq").Where("txn = ?", txn).Find(&evs).Error; err != nil {
			return err
		}
		for _, ev := range evs {
			if ev.Lane != lane || ev.Seq >= batchFirst { // this batch's are in f already

				continue
			}
			var eb eventBody
			if json.Unmarshal([]byte(ev.Body), &eb) == nil {
				all.add(ev.Type, &eb)
			}
		}
	}
	sale.HelpOpened, sale.HelpAlert, sale.Effort, sale.Interventions = all.help, all.called, all.effort, all.interventions
	res := tx.Exec(`INSERT INTO sales (txn, store, lane, outcome, started, ended, items, total_minor, currency, lang, help_opened, help_alert, effort, interventions, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		sale.Txn, sale.Store, sale.Lane, sale.Outcome, sale.Started, sale.Ended, sale.Items, sale.TotalMinor, sale.Currency, sale.Lang,
		sale.HelpOpened, sale.HelpAlert, sale.Effort, sale.Interventions, sale.Detail)
	if res.Error != nil || res.RowsAffected == 0 || b.Sale == nil || sale.Outcome != "paid" {
		return res.Error
	}
	for _, v := range b.Sale.VAT {
		if len(v.Rate) > 16 || len(v.Class) > 32 {
			continue
		}
		if err := tx.Exec(`INSERT INTO sale_vats (txn, class, rate, net_minor, tax_minor, gross_minor) VALUES (?, ?, ?, ?, ?, ?)`,
			txn, v.Class, v.Rate, v.NetMinor, v.TaxMinor, v.GrossMinor).Error; err != nil {
			return err
		}
	}
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
