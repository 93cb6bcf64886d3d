package devices

import (
	"context"
	"errors"
	"time"
)

// RolePayment is the lane's card terminal.
const RolePayment Role = "payment"

// PaymentRequest asks a card terminal to charge an amount.
type PaymentRequest struct {
	Amount   int64  // minor units, 1 or more
	Currency string // ISO 4217 numeric, e.g. "978" for EUR
}

// Progress codes a terminal reports while a payment runs (ZVT 04 FF
// intermediate status), for the shopper's screen.
const (
	ProgressInsertCard = "insert_card" // present, insert or swipe the card
	ProgressEnterPIN   = "enter_pin"
	ProgressWait       = "wait" // please wait / processing
	ProgressRemoveCard = "remove_card"
	ProgressWrongPIN   = "wrong_pin"
	ProgressDeclined   = "declined"
	ProgressOffline    = "offline" // the terminal works in offline mode
	ProgressOther      = "other"
)

// PaymentResult is a terminal's status information on one payment (ZVT 04 0F).
// It never holds a full card number, track data or a PIN: MaskedPAN shows at
// most the first 6 and the last 4 digits.
type PaymentResult struct {
	Approved  bool
	Result    int    // terminal result code: 0 approved; otherwise why not (ZVT §10)
	Amount    int64  // minor units the terminal charged (0 when it did not say)
	Trace     int    // terminal trace number
	ReceiptNo int    // terminal receipt number; 0 when none
	MaskedPAN string // e.g. "476173******0010"
	CardName  string // e.g. "VISA"
	Offline   bool   // approved offline (store-and-forward inside the terminal)
	// Reversal marks the result of a reversal (ZVT 06 30, or one the terminal
	// made of an approval the cash register never acknowledged: it carries the
	// original trace, BMP 37): money returned, not taken.
	Reversal      bool
	ReversedTrace int       // a reversal's: the trace number of the payment it reversed
	TerminalID    string    // terminal id
	At            time.Time // the terminal's time of the payment, zero when it did not say
	Receipt       []string  // the terminal's own receipt text, when it sent one
}

// PaymentHooks let the lane follow a payment.
type PaymentHooks struct {
	// Progress is told every intermediate status; it may be nil and must not block.
	Progress func(code, text string)
	// Record must durably record the terminal's result before the terminal
	// is told that the cash register has it. When it returns an error the
	// result is not acknowledged (the terminal then reverses or keeps it,
	// depending on the terminal; the lane asks it afterwards).
	Record func(PaymentResult) error
}

// ErrNotSent reports that the terminal never took a request (busy, offline,
// refused by the terminal before any card was asked for): nothing was charged
// and the request may be made again.
var ErrNotSent = errors.New("payment request not taken by the terminal")

// ErrNoResult reports a terminal that has no payment result to repeat (it
// has made none since it was set up or closed its day): the last result the
// lane asked for does not exist, so nothing was charged since.
var ErrNoResult = errors.New("the terminal has no last result")

// TerminalStatus is the answer to a status enquiry (ZVT 05 01).
type TerminalStatus struct {
	Code       int    // 0 ready; e.g. 0xCC printer not ready, 0xDC card inserted, 0xDF out of order
	Ready      bool   // the terminal can take a payment now
	TerminalID string // may be empty
}

// PaymentTerminal is a card terminal. Its methods are called one at a time,
// except Abort, which is called while Pay runs.
// A method returning an error other than ErrNotSent (wrapped) leaves the
// outcome of what it asked for unknown: the caller must ask with LastResult,
// never send the payment again.
type PaymentTerminal interface {
	// Pay charges req.Amount. It returns the result (approved or not) once the
	// terminal has finished, or an error when the outcome is unknown.
	Pay(ctx context.Context, req PaymentRequest, h PaymentHooks) (PaymentResult, error)
	// LastResult asks the terminal for its last payment result (ZVT Repeat
	// Receipt 06 20), to learn the outcome of a payment whose answer was lost.
	LastResult(ctx context.Context) (PaymentResult, error)
	// Reverse cancels an approved payment by its receipt number.
	Reverse(ctx context.Context, receiptNo int, amount int64, h PaymentHooks) (PaymentResult, error)
	// Abort asks the terminal to stop the payment Pay is running (ZVT 06 B0),
	// honoured until the card is read; Pay then returns a result that is not approved.
	Abort(ctx context.Context) error
	// Status asks whether the terminal is ready (ZVT 05 01).
	Status(ctx context.Context) (TerminalStatus, error)
	// EndOfDay closes the terminal's day (ZVT 06 50) and sends stored offline payments.
	EndOfDay(ctx context.Context) (PaymentResult, error)
}
