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
)

// AlertTypes is the policy of every alert type.
var AlertTypes = map[string]AlertType{
	AlertItemNotFound:  {Blocking: true, Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertVoidRequest:   {Blocking: true, Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertCancelRequest: {Blocking: true, Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertAgeCheck:      {BlocksPayment: true, Role: "attendant", EscalateAfter: 90 * time.Second},
	AlertHelp:          {Role: "attendant", EscalateAfter: 90 * time.Second},
	AlertTypedLabel:    {Blocking: true, Role: "attendant", EscalateAfter: 60 * time.Second},

	AlertScannerFault:   {Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertPrinterFault:   {BlocksPayment: true, Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertPrinterWarning: {Role: "attendant", EscalateAfter: 10 * time.Minute},
	AlertScaleFault:     {Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertTerminalFault:  {Role: "attendant", EscalateAfter: 60 * time.Second},

	AlertCashPayment:       {Role: "attendant", EscalateAfter: 60 * time.Second},
	AlertPaymentFailed:     {Role: "attendant", EscalateAfter: 90 * time.Second},
	AlertPaymentUnknown:    {Role: "supervisor", EscalateAfter: 60 * time.Second},
	AlertReceiptNotPrinted: {Role: "attendant", EscalateAfter: 5 * time.Minute},
	AlertRefundDue:         {Role: "supervisor", EscalateAfter: 10 * time.Minute},
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
}
