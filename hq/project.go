package hq

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// project updates sales and interventions from a lane's new events, in
// their order, inside the ingest's transaction (they are stored already).
func (s *Service) project(tx *gorm.DB, store, lane string, evs []Event) error {
	for i := range evs {
		e := &evs[i]
		switch e.Type {
		case "alert_raised", "alert_acknowledged", "alert_escalated", "alert_resolved", "txn_paid", "txn_cancelled":
		default:
			continue
		}
		var b eventBody
		if err := json.Unmarshal([]byte(e.Body), &b); err != nil {
			s.log.Warn("hq: event body not understood", "lane", lane, "seq", e.Seq, "type", e.Type, "err", err)
			continue
		}
		var err error
		switch e.Type {
		case "alert_raised":
			raised := b.RaisedAt
			if raised.IsZero() {
				raised = e.At
			}
			err = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Intervention{Lane: lane, AlertID: b.ID, Store: store,
				Txn: firstOf(b.Txn, e.Txn), Type: b.Type, RaisedAt: raised.UTC(), Level: b.Level}).Error
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
			err = s.projectSale(tx, store, lane, e, &b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// projectSale records the sale an ended transaction is, with what the
// transaction's earlier events say: help opened, a help alert, the effort
// answer, the staff interventions.
func (s *Service) projectSale(tx *gorm.DB, store, lane string, e *Event, b *eventBody) error {
	txn := e.Txn
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
	if staffRoles[b.Role] && b.By != "" { // a staff cancel
		sale.Interventions++
	}
	var evs []Event
	if err := tx.Select("type, body").Where("lane = ? AND txn = ? AND seq < ?", lane, txn, e.Seq).Order("seq").Find(&evs).Error; err != nil {
		return err
	}
	for _, ev := range evs {
		var eb eventBody
		if json.Unmarshal([]byte(ev.Body), &eb) != nil {
			continue
		}
		switch ev.Type {
		case "help_opened":
			sale.HelpOpened = true
		case "alert_raised":
			if eb.Type == "help" {
				sale.HelpAlert = true
			}
		case "effort_answered":
			if eb.Score >= 1 && eb.Score <= 5 && sale.Effort == 0 {
				sale.Effort = eb.Score
			}
		}
		if ev.Type != "alert_raised" && ev.Type != "alert_escalated" && eb.By != "" && staffRoles[eb.Role] {
			sale.Interventions++
		}
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sale)
	if res.Error != nil || res.RowsAffected == 0 || b.Sale == nil || sale.Outcome != "paid" {
		return res.Error
	}
	vats := make([]SaleVAT, 0, len(b.Sale.VAT))
	for _, v := range b.Sale.VAT {
		if len(v.Rate) > 16 || len(v.Class) > 32 {
			continue
		}
		vats = append(vats, SaleVAT{Txn: txn, Class: v.Class, Rate: v.Rate, NetMinor: v.NetMinor, TaxMinor: v.TaxMinor, GrossMinor: v.GrossMinor})
	}
	if len(vats) == 0 {
		return nil
	}
	return tx.Create(&vats).Error
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
