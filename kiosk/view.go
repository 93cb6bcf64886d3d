package kiosk

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/kiosk-sco/kiosk/catalog"
)

// State is what the lane is doing, as the shopper sees it.
type State string

const (
	StateIdle       State = "idle"
	StateShopping   State = "shopping"
	StateSuspended  State = "suspended" // a blocking alert is open
	StateReadyToPay State = "ready_to_pay"
	StatePaying     State = "paying"  // the card terminal or staff are taking the payment
	StatePaid       State = "paid"    // paid in full: the shopper chooses a receipt
	StateReceipt    State = "receipt" // the receipt is printed or shown; "finish" ends the sale
	StateClosed     State = "closed"  // staff closed the lane: no transaction starts until they open it
)

// View is the lane as shown to the shopper: a snapshot taken after a commit.
type View struct {
	Lane     string      `json:"lane"`
	Seq      int64       `json:"seq"`
	State    State       `json:"state"`
	Lang     string      `json:"lang"`
	Currency string      `json:"currency"`
	Txn      *TxnView    `json:"txn,omitempty"`
	Lines    []LineView  `json:"lines"`
	Totals   TotalsView  `json:"totals"`
	Alerts   []AlertView `json:"alerts"`
	// Payment is the payment in progress or the last failed attempt, in
	// states ready_to_pay and paying.
	Payment *PaymentView `json:"payment,omitempty"`
	// PayMethods are the ways to pay offered on the pay screen (ready_to_pay):
	// card (when the lane has a card terminal that answers) and attendant.
	PayMethods []string `json:"payMethods,omitempty"`
	// Receipt is the paid sale's receipt, in states paid and receipt.
	Receipt *ReceiptView `json:"receipt,omitempty"`
	// Closed: staff closed the lane. No transaction starts; an open one may
	// finish (State is then its own, and closed once it ended).
	Closed bool `json:"closed,omitempty"`
	// Bagging is the bagging area of the open transaction, on lanes that
	// check it (Config.Bagging).
	Bagging *BaggingView `json:"bagging,omitempty"`
	// LineCount is the number of lines in the basket, voided ones included.
	LineCount int `json:"lineCount"`
	// Partial views hold in Lines only the lines one change touched, by their
	// number; they apply onto the view whose Seq is From. SSE state events after
	// the first and command answers carry them, so that what travels per scan
	// does not grow with the basket; GET /api/lane is always whole.
	Partial bool  `json:"partial,omitempty"`
	From    int64 `json:"from,omitempty"`

	totalMinor int64      // Totals.Total in minor units, for the transactions row
	enc        *viewCache // the view's JSON, encoded once for all its readers
}

// BaggingView is what the bagging area holds and awaits.
type BaggingView struct {
	WeightG   int `json:"weightG"`   // the last settled reading
	AcceptedG int `json:"acceptedG"` // the weight the scans explain
	// AwaitedG is what the scanned items not yet bagged weigh together (0:
	// none, or of unknown weight); Awaited counts them; AwaitedLine is the
	// oldest one's line; DueAt is when it counts as not bagged.
	AwaitedG    int        `json:"awaitedG"`
	Awaited     int        `json:"awaited"`
	AwaitedLine int        `json:"awaitedLine,omitempty"`
	DueAt       *time.Time `json:"dueAt,omitempty"`
	OwnBag      bool       `json:"ownBag,omitempty"` // an own bag may still be put down and tared
	WindowS     float64    `json:"windowS"`
}

type viewCache struct {
	once sync.Once
	b    []byte
}

// JSON is the view as JSON, encoded once however many streams send it.
func (v *View) JSON() []byte {
	if v.enc == nil {
		b, _ := json.Marshal(v)
		return b
	}
	v.enc.once.Do(func() { v.enc.b, _ = json.Marshal(v) })
	return v.enc.b
}

// TxnView identifies the open transaction.
type TxnView struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"startedAt"`
	// Effort is the shopper's answer to "How easy was your checkout?" once
	// given (1..5), asked on the thank-you screen of a paid sale.
	Effort int `json:"effort,omitempty"`
}

// LineView is one basket line. Amounts are decimal strings with two places.
type LineView struct {
	No        int            `json:"no"`
	GTIN      string         `json:"gtin"`
	PLU       string         `json:"plu,omitempty"`
	Names     catalog.Names  `json:"names"`
	SoldBy    catalog.SoldBy `json:"soldBy"`
	Qty       int            `json:"qty"`
	WeightG   int            `json:"weightG,omitempty"`
	UnitPrice string         `json:"unitPrice"`
	Embedded  bool           `json:"embedded,omitempty"`
	Amount    string         `json:"amount"`
	VATClass  string         `json:"vatClass"`
	VATRate   string         `json:"vatRate"`
	MinAge    int            `json:"minAge,omitempty"`
	Voided    bool           `json:"voided,omitempty"`
	// CanAdd says whether "+" may raise the quantity; otherwise each further
	// unit is scanned.
	CanAdd bool `json:"canAdd,omitempty"`
}

// TotalsView is the basket total with its VAT breakdown.
type TotalsView struct {
	Total string    `json:"total"`
	Items int       `json:"items"`
	VAT   []VATView `json:"vat"`
}

// VATView is the VAT of one rate.
type VATView struct {
	Class string `json:"class"`
	Rate  string `json:"rate"`
	Gross string `json:"gross"`
	Net   string `json:"net"`
	Tax   string `json:"tax"`
}

// PaymentView is a payment as the shopper screen shows it.
type PaymentView struct {
	Method string `json:"method"` // card or attendant
	// Status: starting (asking the terminal), in_progress (the terminal has the
	// request), waiting_staff (pay at the attendant), unknown (the outcome is
	// being asked; staff are called when it stays unknown), failed (the last
	// attempt charged nothing: see Error; in ready_to_pay).
	Status string `json:"status"`
	// Progress is the terminal's latest intermediate status: insert_card,
	// enter_pin, wait, remove_card, wrong_pin, declined, offline or other.
	Progress string `json:"progress,omitempty"`
	Amount   string `json:"amount"`
	// Error is the message key of a failed attempt, e.g. payment.declined,
	// payment.terminal_unavailable, payment.timeout, payment.cancelled.
	Error string `json:"error,omitempty"`
	// CanCancel says whether the shopper may still cancel (before the card is read).
	CanCancel bool `json:"canCancel"`
}

// ReceiptView is the paid sale's receipt.
type ReceiptView struct {
	TxnID   string       `json:"txnId"`
	URL     string       `json:"url"` // the e-receipt, for the QR code; "" when the store has none
	Total   string       `json:"total"`
	Tenders []TenderView `json:"tenders"`
	// Choice is what the shopper chose in state receipt: print, qr or none.
	Choice string `json:"choice,omitempty"`
	// Printed is true once the paper receipt was printed; PrintError is the
	// message key when printing failed (the screen then shows the QR).
	Printed    bool   `json:"printed,omitempty"`
	PrintError string `json:"printError,omitempty"`
	// PrinterReady says whether "print" can be offered.
	PrinterReady bool `json:"printerReady"`
	// Verifying: after a restart the lane is checking with the terminal that
	// the card payment stands; the receipt choice waits for it.
	Verifying bool `json:"verifying,omitempty"`
}

// TenderView is one tender of a paid sale.
type TenderView struct {
	Kind      string `json:"kind"` // card or cash
	Amount    string `json:"amount"`
	CardName  string `json:"cardName,omitempty"`
	MaskedPAN string `json:"maskedPan,omitempty"`
	Offline   bool   `json:"offline,omitempty"`
}

// AlertView is an open alert as the shopper screen and the staff handheld
// show it.
type AlertView struct {
	ID       int64           `json:"id"`
	Type     string          `json:"type"`
	Blocking bool            `json:"blocking"`
	Detail   json.RawMessage `json:"detail"`
	RaisedAt time.Time       `json:"raisedAt"`
	TxnID    string          `json:"txn,omitempty"`
	// Role is the role called now: the type's role, or the next one after
	// an escalation; Level counts the escalations so far.
	Role  string `json:"role"`
	Level int    `json:"level,omitempty"`
	// Presence: lane (someone must go there) or remote (may be cleared from anywhere).
	Presence string `json:"presence"`
	// AckedAt and AckedBy: a staff member said "on my way".
	AckedAt *time.Time `json:"ackedAt,omitempty"`
	AckedBy string     `json:"ackedBy,omitempty"`
	// EscalatesAt is when the next role is called if nobody resolved it.
	EscalatesAt *time.Time `json:"escalatesAt,omitempty"`
	// ExpectedWaitS is how long the shopper is told to expect, in seconds from RaisedAt.
	ExpectedWaitS int `json:"expectedWaitS"`
}

// Event is one journal entry: a committed change of a lane.
type Event struct {
	ID   string          `json:"id"`
	Lane string          `json:"lane"`
	Seq  int64           `json:"seq"`
	Txn  string          `json:"txn,omitempty"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`

	raw []byte // JSON() of an event the lane committed, encoded once
}

// JSON is the event as JSON. An event the lane just committed was encoded
// once, for every reader of it: the command's answer and each event stream.
func (e Event) JSON() []byte {
	if e.raw != nil {
		return e.raw
	}
	type plain Event // without this method
	b, _ := json.Marshal(plain(e))
	return b
}

// MarshalJSON writes JSON().
func (e Event) MarshalJSON() ([]byte, error) { return e.JSON(), nil }

// Result is the answer to a command: the new lane view and the events it committed.
type Result struct {
	View   *View   `json:"view"`
	Events []Event `json:"events"`
	// Patch is View as a partial view onto the view before the command (nil
	// when the command changed nothing): what a screen needs to catch up.
	Patch *View `json:"-"`
	// Replayed is true when an idempotency key matched an earlier command.
	Replayed bool `json:"replayed,omitempty"`
}

// Update is what subscribers receive: after each commit the events and the new
// view; or, with View nil, a Notice that changed nothing on record.
type Update struct {
	Events []Event
	View   *View
	Patch  *View // View as a partial view onto the one before
	Notice *Notice
}

// Notice tells the screen something that is not a change of the lane: a refused
// device scan ("please scan again"), a new produce-scale weight, or a staff
// badge the scanner read (Code is the badge's code: for the lane's own
// screen only, never to be sent off the kiosk).
type Notice struct {
	Kind    string `json:"kind"` // scan_refused, scale, staff_badge
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Role    string `json:"role,omitempty"`
	Grams   *int   `json:"grams,omitempty"`  // scale notices: the settled weight
	Moving  bool   `json:"moving,omitempty"` // scale notices: the load is changing, wait
}
