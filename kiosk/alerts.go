package kiosk

import (
	"encoding/json"
	"time"
)

// AlertType says how one kind of exception is handled.
type AlertType struct {
	// Blocking alerts suspend the lane: no scanning until staff resolve them.
	Blocking bool
	// BlocksPayment alerts let the shopper keep scanning but not pay.
	BlocksPayment bool
	// Role is the least staff role that may resolve it.
	Role string
	// EscalateAfter is how long it may stay open before the next role is called.
	EscalateAfter time.Duration
	// Presence says whether someone must go to the lane (PresenceLane) or it
	// may be cleared from anywhere (PresenceRemote).
	Presence string
	// NextRole is the role called when the alert escalates.
	NextRole string
}

// Alert types raised by the lane.
const (
	AlertItemNotFound  = "item_not_found"
	AlertVoidRequest   = "void_request"
	AlertCancelRequest = "cancel_request"
	AlertAgeCheck      = "age_check"
	AlertHelp          = "help"
	// AlertTypedLabel: a code typed on the screen carries a price, weight or
	// count; staff check the label, and approving sells it.
	AlertTypedLabel = "typed_label"

	// Device faults; detail names the device and the fault, and the lane resolves
	// them itself ("recovered") when the device reports the fault gone.
	AlertScannerFault   = "scanner_fault"   // blocking when raised mid-transaction
	AlertPrinterFault   = "printer_fault"   // no payment until the printer can print
	AlertPrinterWarning = "printer_warning" // paper near end: staff refill
	AlertScaleFault     = "scale_fault"
	AlertTerminalFault  = "terminal_fault" // the card terminal does not answer or is not ready: shoppers pay at the attendant

	// Payments. cash_payment: the shopper waits to pay at the attendant;
	// approving it records the money taken. payment_failed: a decline, a
	// terminal that did not take the request, a timeout (the shopper may try
	// again or pay at the attendant). payment_unknown: the terminal's answer
	// was lost and is being asked for; staff may settle it (approved: the
	// terminal shows the payment; rejected: it does not). receipt_not_printed:
	// the paid receipt could not be printed (the screen showed its QR code):
	// staff reprint it.
	AlertCashPayment       = "cash_payment"
	AlertPaymentFailed     = "payment_failed"
	AlertPaymentUnknown    = "payment_unknown"
	AlertReceiptNotPrinted = "receipt_not_printed"
	// AlertRefundDue: the terminal took money no sale stands on and the lane
	// could not reverse it (or cannot tell whose it is): staff check the
	// terminal's journal and refund. It outlives the sale.
	AlertRefundDue = "refund_due"

	// The bagging area (Config.Bagging): a settled increase no scan explains,
	// a change after a scan that is not what the item weighs, a settled
	// decrease before payment, a scanned item that did not arrive in time.
	// The lane resolves them itself ("corrected") when the shopper puts
	// things right; staff at the lane clear them otherwise, taking the area
	// as it is.
	AlertBagUnexpected = "bag_unexpected_item"
	AlertBagMismatch   = "bag_weight_mismatch"
	AlertBagRemoved    = "bag_item_removed"
	AlertBagNotBagged  = "bag_item_not_bagged"

	// AlertHQBacklog: the lane has not reached HQ for longer than the store
	// allows (its oldest unsent event is that old). It blocks nothing — the
	// lane sells offline and loses nothing — but HQ's figures are late:
	// someone checks the store's network. The lane resolves it itself
	// ("recovered") once HQ has confirmed everything; it is raised once per
	// outage.
	AlertHQBacklog = "hq_backlog"
)

// AlertTypes is the policy of every alert type: every type the lane raises is
// here (raising another is refused as a bug). Role is the least role that may
// resolve it — an escalation calls NextRole, and whoever came first may still
// resolve it. Presence is lane when someone must stand at the lane to clear it
// (see the item, the shopper, their ID, the bagging area, a device), remote
// when it can be cleared from anywhere (a look at the terminal's journal, a
// word over the intercom); only remote staff are bound by it. A bagging
// mismatch needs someone at the lane; a full disk cannot be journaled at all, so it is logged, not raised.
var AlertTypes = map[string]AlertType{
	// Someone must look at the item in the shopper's hands.
	AlertItemNotFound: {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// Taking an item back: someone checks it leaves the bag.
	AlertVoidRequest: {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// A basket with items is cancelled: someone sees the items go back.
	AlertCancelRequest: {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// An ID is checked in person (remote staff only where the store allows it:
	// Config.RemoteAgeChecks, e.g. with a camera at the lane).
	AlertAgeCheck: {BlocksPayment: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 90 * time.Second, NextRole: RoleSupervisor},
	// A question can be answered over the intercom or the handheld.
	AlertHelp: {Role: RoleAttendant, Presence: PresenceRemote, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// Staff read the label on the item itself.
	AlertTypedLabel: {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},

	// A device is replugged, refilled or closed by hand; they clear themselves on recovery.
	AlertScannerFault: {Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	AlertPrinterFault: {BlocksPayment: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// Paper near end blocks nothing: remote staff may note it for the next
	// round, and the printer clears it once refilled.
	AlertPrinterWarning: {Role: RoleAttendant, Presence: PresenceRemote, EscalateAfter: 10 * time.Minute, NextRole: RoleSupervisor},
	AlertScaleFault:     {Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	AlertTerminalFault:  {Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},

	// Money changes hands at the lane.
	AlertCashPayment: {Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// The shopper may try again or pay at the attendant; staff may advise from anywhere.
	AlertPaymentFailed: {Role: RoleAttendant, Presence: PresenceRemote, EscalateAfter: 90 * time.Second, NextRole: RoleSupervisor},
	// Settled from the terminal's journal, which the back office reads too.
	AlertPaymentUnknown: {Role: RoleSupervisor, Presence: PresenceRemote, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	// A reprint is sent to the lane's printer from anywhere; the shopper may be gone.
	AlertReceiptNotPrinted: {Role: RoleAttendant, Presence: PresenceRemote, EscalateAfter: 5 * time.Minute, NextRole: RoleSupervisor},
	// A refund goes through the terminal's or the acquirer's back office.
	AlertRefundDue: {Role: RoleSupervisor, Presence: PresenceRemote, EscalateAfter: 10 * time.Minute, NextRole: RoleSupervisor},

	// Someone looks at the bagging area. The three that may hide a theft stop
	// scanning until put right; an item not bagged only stops paying (the
	// shopper may bag it with the next one).
	AlertBagUnexpected: {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	AlertBagMismatch:   {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	AlertBagRemoved:    {Blocking: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},
	AlertBagNotBagged:  {BlocksPayment: true, Role: RoleAttendant, Presence: PresenceLane, EscalateAfter: 60 * time.Second, NextRole: RoleSupervisor},

	// The store's network is a supervisor's matter, checked from anywhere.
	AlertHQBacklog: {Role: RoleSupervisor, Presence: PresenceRemote, EscalateAfter: 30 * time.Minute, NextRole: RoleSupervisor},
}

// MaxAlertLevel is how often an alert escalates: after that the supervisor
// it reached stays called, and the journal is not filled with pages for an
// alert that stays open overnight (a scanner left unplugged).
const MaxAlertLevel = 3

// roleRank orders the roles for "the least role that may": remote staff rank
// as attendants, and only on alerts that need no one at the lane.
func roleRank(role string) int {
	switch role {
	case RoleAttendant, RoleRemote:
		return 1
	case RoleSupervisor:
		return 2
	}
	return 0
}

// Alert is an open or resolved exception of a lane.
type Alert struct {
	ID         int64           `json:"id"`
	Type       string          `json:"type"`
	TxnID      string          `json:"txn,omitempty"`
	Blocking   bool            `json:"blocking"`
	Detail     json.RawMessage `json:"detail"`
	RaisedAt   time.Time       `json:"raisedAt"`
	ResolvedAt *time.Time      `json:"resolvedAt,omitempty"`
	ResolvedBy string          `json:"resolvedBy,omitempty"`
	Resolution string          `json:"resolution,omitempty"`
	// Role is the role called now: the type's, or NextRole after an
	// escalation; Level counts the escalations.
	Role  string `json:"role,omitempty"`
	Level int    `json:"level,omitempty"`
	// AckedAt is when staff first took the alert ("on my way"); AckedBy who
	// took it last (another staff member may take it over).
	AckedAt *time.Time `json:"ackedAt,omitempty"`
	AckedBy string     `json:"ackedBy,omitempty"`
	// EscalatesAt is when the next role is called if it is still open; nil
	// once it reached MaxAlertLevel.
	EscalatesAt *time.Time `json:"escalatesAt,omitempty"`
}

// AlertDetail is what an alert carries; fields are set per type.
type AlertDetail struct {
	Code      string `json:"code,omitempty"`      // item_not_found: the scanned data
	Symbology string `json:"symbology,omitempty"` // item_not_found
	GTIN      string `json:"gtin,omitempty"`      // item_not_found
	AltGTIN   string `json:"altGtin,omitempty"`   // item_not_found: a code both of whose readings are products
	Line      int    `json:"line,omitempty"`      // void_request
	FromQty   int    `json:"fromQty,omitempty"`   // void_request
	ToQty     int    `json:"toQty,omitempty"`     // void_request: 0 (absent) removes the line
	MinAge    int    `json:"minAge,omitempty"`    // age_check
	Device    string `json:"device,omitempty"`    // device faults: role
	Fault     string `json:"fault,omitempty"`     // device faults: fault code
	Attempt   int    `json:"attempt,omitempty"`   // payments: the attempt
	Amount    string `json:"amount,omitempty"`    // payments: the amount due
	Reason    string `json:"reason,omitempty"`    // payment_failed, receipt_not_printed: message key
	ExpectedG int    `json:"expectedG,omitempty"` // bag_*: what the scanned item should weigh
	DeltaG    int    `json:"deltaG,omitempty"`    // bag_*: the settled change from the accepted weight
	Events    int64  `json:"events,omitempty"`    // hq_backlog: events waiting for HQ
	AgeS      int64  `json:"ageS,omitempty"`      // hq_backlog: age of the oldest, seconds
}
