package kiosk

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Staff roles. An attendant works the floor; a supervisor may do all an
// attendant does and more (price overrides, escalations); remote staff clear,
// from anywhere, what needs no one at the lane.
const (
	RoleAttendant  = "attendant"
	RoleSupervisor = "supervisor"
	RoleRemote     = "remote"
)

// Where an alert may be cleared from.
const (
	PresenceLane   = "lane"   // someone must go to the lane (an age check, a bagging area)
	PresenceRemote = "remote" // it may be cleared from a handheld or an office anywhere
)

// Actor is the staff member behind a staff action, as the staff login
// established it.
type Actor struct {
	ID    string `json:"id"`    // login name
	Role  string `json:"role"`  // attendant, supervisor or remote
	Where string `json:"where"` // where the action came from: "handheld 10.1.2.3", "lane screen", "cli"
}

// Staff operations (besides OpResolve and OpCashTaken), never reachable from
// the shopper API.
const (
	OpAck           Op = "ack"            // "on my way": the alert is taken
	OpStaffVoid     Op = "staff_void"     // remove a line or lower its quantity directly
	OpPriceOverride Op = "price_override" // set a line's unit price (supervisor)
	OpSellUnknown   Op = "sell_unknown"   // item_not_found: sell it under a generic code at a price (or weight × price per kg)
	OpStaffCancel   Op = "staff_cancel"   // cancel the open transaction
	OpLaneClose     Op = "lane_close"     // close the lane: no new transaction starts
	OpLaneOpen      Op = "lane_open"      // open it again
)

// OpHelpOpened: the shopper opened a self-help topic (no staff call).
const OpHelpOpened Op = "help_opened"

// StaffAction is one staff command on a lane. Which fields matter depends on Op.
type StaffAction struct {
	Op       Op     `json:"op"`
	AlertID  int64  `json:"alertId,omitempty"`  // ack, resolve, sell_unknown
	Outcome  string `json:"outcome,omitempty"`  // resolve: approved, rejected or done
	Reason   string `json:"reason,omitempty"`   // resolve, staff_void, price_override, staff_cancel, lane_close: why (≤ 200 characters)
	Line     int    `json:"line,omitempty"`     // staff_void, price_override
	Qty      int    `json:"qty,omitempty"`      // staff_void: the new quantity (0 removes the line)
	Price    string `json:"price,omitempty"`    // price_override, sell_unknown: gross unit price (per kg for a weight), e.g. "2.49"
	WeightG  int    `json:"weightG,omitempty"`  // sell_unknown: net grams of an item sold by weight
	VATClass string `json:"vatClass,omitempty"` // sell_unknown: the VAT class (default the standard rate)
}

// Staff runs a staff action on the lane on behalf of who. The lane checks
// that who's role may do it and journals who did what; a refused action
// returns an *Error with a stable Code and changes nothing. idemKey makes a
// retry safe.
//
// Roles rank attendant < supervisor; a supervisor may do everything. An
// alert's type names the least role that may resolve it (AlertTypes: Role),
// whoever an escalation called since. Remote staff rank as attendants and act
// only where no one is needed at the lane: alerts whose type is
// PresenceRemote (age checks too when Config.RemoteAgeChecks), acknowledging
// any alert, and opening or closing the lane. Per op:
//
//   - ack: any role; another staff member may take an acknowledged alert over.
//   - resolve: outcome approved, rejected or done, with an optional reason.
//   - staff_void: attendant at the lane; the line's quantity drops to Qty (0 removes it).
//   - price_override: supervisor; the line's unit price (or its label's price) becomes Price.
//   - sell_unknown: resolves an open item_not_found (approved) and sells the
//     code at Price (per kg with WeightG) under VATClass.
//   - staff_cancel: attendant at the lane; not while a card payment runs or once paid.
//   - cash_taken: attendant at the lane.
//   - lane_close, lane_open: any role.
//
// Refusals: staff.actor (who is malformed), staff.role, staff.presence,
// alert.not_found, alert.resolved, alert.type (sell_unknown on another
// type), request.* (a malformed action), and the lane's own (txn.none,
// payment.in_progress, line.not_found, ...).
func (l *Lane) Staff(ctx context.Context, who Actor, a StaffAction, idemKey string) (Result, error) {
	if err := who.check(); err != nil {
		return Result{}, err
	}
	cmd := Command{Op: a.Op, By: who.ID, IdemKey: idemKey, staffOnly: true, actor: &who, staff: &a}
	switch a.Op {
	case OpResolve:
		cmd.AlertID, cmd.Outcome = a.AlertID, a.Outcome
	case OpCashTaken:
	case OpAck, OpStaffVoid, OpPriceOverride, OpSellUnknown, OpStaffCancel, OpLaneClose, OpLaneOpen:
	default:
		return Result{}, errorf(KindInvalid, "request.op", "unknown staff action %q", a.Op)
	}
	return l.do(ctx, cmd)
}

func (a *Actor) check() error {
	if a.ID == "" || utf8.RuneCountInString(a.ID) > 64 || !utf8.ValidString(a.ID) || strings.ContainsFunc(a.ID, isControl) {
		return errorf(KindInvalid, "staff.actor", "staff id must be 1..64 characters")
	}
	if roleRank(a.Role) == 0 {
		return errorf(KindInvalid, "staff.actor", "role must be attendant, supervisor or remote")
	}
	if utf8.RuneCountInString(a.Where) > 128 || !utf8.ValidString(a.Where) || strings.ContainsFunc(a.Where, isControl) {
		return errorf(KindInvalid, "staff.actor", "where must be at most 128 characters")
	}
	return nil
}

// check validates the action's shape; what depends on the lane comes later.
func (a *StaffAction) check() error {
	if utf8.RuneCountInString(a.Reason) > MaxReason || !utf8.ValidString(a.Reason) || strings.ContainsFunc(a.Reason, isControl) {
		return errorf(KindInvalid, "request.reason", "the reason must be at most %d characters, no control characters", MaxReason)
	}
	switch a.Op {
	case OpAck, OpResolve, OpSellUnknown:
		if a.AlertID < 1 {
			return errorf(KindInvalid, "request.alert", "alert id must be 1 or more")
		}
	case OpStaffVoid, OpPriceOverride:
		if a.Line < 1 {
			return errorf(KindInvalid, "request.line", "line must be 1 or more")
		}
	}
	switch a.Op {
	case OpStaffVoid:
		if a.Qty < 0 || a.Qty > MaxQty {
			return errorf(KindInvalid, "request.qty", "quantity must be 0..%d", MaxQty)
		}
	case OpPriceOverride, OpSellUnknown:
		if _, err := parsePrice(a.Price); err != nil {
			return err
		}
	}
	if a.Op == OpSellUnknown && (a.WeightG < 0 || a.WeightG > MaxWeightG) {
		return errorf(KindInvalid, "request.weight", "weight must be 1..%d g", MaxWeightG)
	}
	return nil
}

// MaxStaffPrice is the highest price staff may set or sell at.
var MaxStaffPrice = decimal.RequireFromString("9999.99")

// parsePrice reads a gross price as staff type it: digits, optionally a dot
// and one or two decimals, more than 0 and at most MaxStaffPrice.
func parsePrice(s string) (decimal.Decimal, error) {
	bad := errorf(KindInvalid, "request.price", "price must be like 2.49: more than 0, at most %s", MaxStaffPrice.StringFixed(2))
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 4 || !digits(whole) || (dot && (len(frac) < 1 || len(frac) > 2 || !digits(frac))) {
		return decimal.Decimal{}, bad
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsPositive() || d.GreaterThan(MaxStaffPrice) {
		return decimal.Decimal{}, bad
	}
	return d, nil
}
