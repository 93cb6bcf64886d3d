package kiosk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiosk-sco/kiosk/devices"
)

// Op names a command.
type Op string

const (
	OpStart     Op = "start"      // begin a transaction
	OpScan      Op = "scan"       // a barcode from a scanner, the keyboard wedge or typed in
	OpQuantity  Op = "quantity"   // set the quantity of a line; lowering it asks staff
	OpWeighed   Op = "weighed"    // add an item sold by weight: PLU + grams
	OpVoid      Op = "void"       // ask staff to remove a line
	OpCancel    Op = "cancel"     // cancel the transaction (asks staff when it holds items)
	OpCheckout  Op = "checkout"   // finish scanning: ready to pay
	OpResume    Op = "resume"     // back from ready-to-pay to scanning
	OpHelp      Op = "help"       // the shopper asks for help
	OpLang      Op = "lang"       // switch the screen's language
	OpResolve   Op = "resolve"    // staff resolve an alert (never from the shopper API)
	OpPay       Op = "pay"        // pay the total: method card or attendant
	OpPayCancel Op = "pay_cancel" // stop the payment before the card is read, or stop waiting for staff
	OpReceipt   Op = "receipt"    // after paying: print, qr or none
	OpFinish    Op = "finish"     // the paid sale is over: free the lane
	OpCashTaken Op = "cash_taken" // staff took the money of a pay-at-attendant sale (never from the shopper API)
	OpEffort    Op = "effort"     // after paying: "How easy was your checkout?" Score 1 (very hard) to 5 (very easy)

	// Device inputs, accepted only from the lane's own drivers.
	opDeviceStatus Op = "device_status"
	opBagging      Op = "bagging_weight"
	opReceipt      Op = "receipt_printed"
	opPayment      Op = "payment_worker"  // news from the payment worker
	opPrinted      Op = "receipt_outcome" // how printing the paid receipt went
	opEndOfDay     Op = "terminal_end_of_day"
	opTick         Op = "tick" // the lane's clock: escalate what is due
	opHQBacklog    Op = "hq_backlog"
)

// Command is one input to the lane. Which fields matter depends on Op.
type Command struct {
	Op        Op     `json:"op"`
	Code      string `json:"code,omitempty"`    // OpScan: raw scanner data
	Source    string `json:"source,omitempty"`  // OpScan: scanner, keyboard, typed, sim
	Line      int    `json:"line,omitempty"`    // OpQuantity, OpVoid: line number
	Qty       int    `json:"qty,omitempty"`     // OpQuantity: new quantity
	PLU       string `json:"plu,omitempty"`     // OpWeighed
	WeightG   int    `json:"weightG,omitempty"` // OpWeighed: net grams
	Lang      string `json:"lang,omitempty"`    // OpLang
	AlertID   int64  `json:"alertId,omitempty"` // OpResolve
	Outcome   string `json:"outcome,omitempty"` // OpResolve: approved, rejected, done
	By        string `json:"by,omitempty"`      // OpResolve, OpCashTaken: staff member
	Method    string `json:"method,omitempty"`  // OpPay: card or attendant
	Choice    string `json:"choice,omitempty"`  // OpReceipt: print, qr or none
	Bags      string `json:"bags,omitempty"`    // OpStart: own (brought bags) or none; empty: not asked
	Topic     string `json:"topic,omitempty"`   // OpHelpOpened: a HelpTopics entry
	Score     int    `json:"score,omitempty"`   // OpEffort: 1..5
	IdemKey   string `json:"-"`                 // idempotency key: a retry returns the first result
	staffOnly bool
	dev       *devices.Event // device inputs
	note      map[string]any // opReceipt: what was printed
	pay       *payInput      // opPayment
	payTxn    string         // opPrinted, opPayment reversals: the transaction
	// Staff actions (Lane.Staff): who acts and what they asked; nil for the
	// staff socket's Resolve and CashTaken, whose user is the kiosk's owner.
	actor *Actor
	staff *StaffAction
	at    time.Time // opTick: the clock reading the tick was checked at
	// opHQBacklog: what the HQ syncer reports; nil: caught up.
	backlog *AlertDetail
}

// HelpTopics are the self-help topics the shopper's help screen opens
// (OpHelpOpened).
var HelpTopics = []string{"weighing", "not_scanning", "own_bag", "paying", "age"}

// MaxReason bounds the reason staff give for an action, in characters.
const MaxReason = 200

// MaxIdemKey bounds an idempotency key.
const MaxIdemKey = 128

// Sources a scan may come from.
var scanSources = map[string]bool{"": true, "scanner": true, "keyboard": true, "typed": true, "sim": true}

// MaxWeightG is the heaviest weighed item the lane accepts (a produce scale's range).
const MaxWeightG = 30000

// MaxQty bounds a line's quantity.
const MaxQty = 99

// check validates the command's shape; state-dependent rules come later.
func (c *Command) check() error {
	if len(c.IdemKey) > MaxIdemKey || !printable(c.IdemKey) {
		return errorf(KindInvalid, "request.idempotency_key", "idempotency key must be at most %d printable ASCII characters", MaxIdemKey)
	}
	if c.staff != nil {
		if err := c.staff.check(); err != nil {
			return err
		}
	}
	switch c.Op {
	case OpStart:
		if c.Bags != "" && c.Bags != "own" && c.Bags != "none" {
			return errorf(KindInvalid, "request.bags", "bags must be own or none")
		}
	case OpCancel, OpCheckout, OpResume, OpHelp, OpPayCancel, OpFinish:
	case OpEffort:
		if c.Score < 1 || c.Score > 5 {
			return errorf(KindInvalid, "request.score", "score must be 1 to 5")
		}
	case OpHelpOpened:
		if !slices.Contains(HelpTopics, c.Topic) {
			return errorf(KindInvalid, "request.topic", "topic must be one of %s", strings.Join(HelpTopics, ", "))
		}
	case opTick:
		if !c.staffOnly {
			return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
		}
	case OpAck, OpStaffVoid, OpPriceOverride, OpSellUnknown, OpStaffCancel, OpLaneClose, OpLaneOpen:
		if !c.staffOnly || c.actor == nil || c.staff == nil {
			return errorf(KindInvalid, "request.op", "%s is a staff action", c.Op)
		}
	case OpPay:
		if c.Method != MethodCard && c.Method != MethodAttendant {
			return errorf(KindInvalid, "request.method", "method must be card or attendant")
		}
	case OpReceipt:
		switch c.Choice {
		case "print", "qr", "none":
		default:
			return errorf(KindInvalid, "request.choice", "choice must be print, qr or none")
		}
	case OpCashTaken:
		if !c.staffOnly {
			return errorf(KindInvalid, "request.op", "cash is taken by staff")
		}
		if c.By == "" || utf8.RuneCountInString(c.By) > 64 || !utf8.ValidString(c.By) || strings.ContainsFunc(c.By, isControl) {
			return errorf(KindInvalid, "request.by", "say who took the money (1..64 characters)")
		}
	case opPayment:
		if c.pay == nil {
			return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
		}
	case opPrinted:
		if c.payTxn == "" {
			return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
		}
	case OpScan:
		if !scanSources[c.Source] {
			return errorf(KindInvalid, "request.source", "unknown scan source %q", c.Source)
		}
	case OpQuantity:
		if c.Line < 1 {
			return errorf(KindInvalid, "request.line", "line must be 1 or more")
		}
		if c.Qty < 0 || c.Qty > MaxQty {
			return errorf(KindInvalid, "request.qty", "quantity must be 0..%d", MaxQty)
		}
	case OpVoid:
		if c.Line < 1 {
			return errorf(KindInvalid, "request.line", "line must be 1 or more")
		}
	case OpWeighed:
		if len(c.PLU) < 4 || len(c.PLU) > 5 || !digits(c.PLU) {
			return errorf(KindInvalid, "request.plu", "PLU must be 4 or 5 digits")
		}
		if c.WeightG < 0 || c.WeightG > MaxWeightG { // 0: take it from the produce scale
			return errorf(KindInvalid, "request.weight", "weight must be 1..%d g", MaxWeightG)
		}
	case OpLang:
		if !knownLang(c.Lang) {
			return errorf(KindInvalid, "request.lang", "language must be one of en, de, es")
		}
	case OpResolve:
		if !c.staffOnly {
			return errorf(KindInvalid, "request.op", "alerts are resolved by staff")
		}
		if c.AlertID < 1 {
			return errorf(KindInvalid, "request.alert", "alert id must be 1 or more")
		}
		switch c.Outcome {
		case "approved", "rejected", "done":
		default:
			return errorf(KindInvalid, "request.outcome", "outcome must be approved, rejected or done")
		}
		if c.By == "" || utf8.RuneCountInString(c.By) > 64 || !utf8.ValidString(c.By) || strings.ContainsFunc(c.By, isControl) {
			return errorf(KindInvalid, "request.by", "say who resolves the alert (1..64 characters)")
		}
	case opHQBacklog:
		if !c.staffOnly {
			return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
		}
	case opDeviceStatus, opBagging, opReceipt, opEndOfDay:
		if c.dev == nil && c.note == nil {
			return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
		}
	default:
		return errorf(KindInvalid, "request.op", "unknown command %q", c.Op)
	}
	return nil
}

func (c *Command) String() string { return fmt.Sprintf("%s%+v", c.Op, *c) }

// fingerprint identifies what a command asks for, so that a retry can be told
// from another command sent under the same idempotency key.
func (c *Command) fingerprint() string {
	b, _ := json.Marshal(c) // the exported fields; the key itself is not among them
	if c.staff != nil {
		// A staff action: what was asked and by whom, so that the same key on
		// another action, or another staff member's, is no retry.
		s, _ := json.Marshal(struct {
			A *StaffAction
			W *Actor
		}{c.staff, c.actor})
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
