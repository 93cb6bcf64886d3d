package kiosk

import "context"

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
// that who's role may do it (AlertTypes: Role, Presence) and journals who did
// what; a refused action changes nothing. idemKey makes a retry safe.
func (l *Lane) Staff(ctx context.Context, who Actor, a StaffAction, idemKey string) (Result, error) {
	return Result{}, errorf(KindInvalid, "staff.unsupported", "staff actions are being built")
}
