package zvtsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind names what the next card does.
type Kind string

// The behaviours a payment can be given with Sim.Next.
const (
	// Approve: the card is read and the payment approved online (payment
	// type 60 contactless below 50.00, 70 with PIN from 50.00 on).
	Approve Kind = "approve"
	// ApproveOffline: approved offline by the terminal (payment type 40,
	// intermediate status 2B).
	ApproveOffline Kind = "approve_offline"
	// Decline: the card is read and declined with Behavior.Result (05 when
	// zero): 04 0F with that result, then Abort 06 1E with it.
	Decline Kind = "decline"
	// Timeout: no card is ever presented; the terminal waits until the cash
	// register aborts (06 B0) or Options.CardTimeout passes, then 06 1E 6C.
	Timeout Kind = "timeout"
	// DropReply: approved and recorded in the ledger, then the terminal goes
	// silent for that payment: no 04 0F, no Completion. The approval counts
	// as unacknowledged (see Unacked) once T3 has passed or the cash
	// register sends its next command, whichever comes first.
	DropReply Kind = "drop_reply"
	// LoseLink: the cable is pulled (pseudo-terminal unplugged) or the TCP
	// connection closed mid-payment; before the card is read, or after the
	// approval is recorded when Behavior.AfterApproval is set.
	LoseLink Kind = "lose_link"
	// PrinterNotReady: status enquiries answer CC until a payment takes this
	// behaviour; that payment ends with 06 1E CC before any card is asked for.
	PrinterNotReady Kind = "printer_not_ready"
	// Busy: the Authorization is refused with 84 A0 00 (receiver not ready).
	Busy Kind = "busy"
)

var kinds = []Kind{Approve, ApproveOffline, Decline, Timeout, DropReply, LoseLink, PrinterNotReady, Busy}

// Kinds lists every behaviour, for a page that offers them.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// Behavior is what the terminal does with one Authorization. The zero
// Behavior approves.
type Behavior struct {
	Kind Kind
	// Result is the decline's result code (ZVT §10: 05 declined, 51
	// insufficient funds, …); zero means 05.
	Result byte
	// AfterApproval makes LoseLink cut the line after the approval is in the
	// ledger, instead of before the card is read.
	AfterApproval bool
	// ReplugAfter puts a pulled cable (LoseLink on a pseudo-terminal) back
	// after this long; zero leaves it out until Sim.Replug.
	ReplugAfter time.Duration
}

// String spells b as ParseBehavior reads it.
func (b Behavior) String() string {
	k := b.Kind
	if k == "" {
		k = Approve
	}
	s := string(k)
	switch {
	case k == Decline:
		s += fmt.Sprintf(":%02X", b.result())
	case k == LoseLink:
		if b.AfterApproval {
			s += ":after"
		} else {
			s += ":before"
		}
		if b.ReplugAfter > 0 {
			s += ":" + b.ReplugAfter.String()
		}
	}
	return s
}

func (b Behavior) result() byte {
	if b.Result == 0 {
		return 0x05
	}
	return b.Result
}

// ParseBehavior reads a behaviour as a page or a flag spells it: a Kind,
// then for decline an optional ":" and the result code in hex ("decline:51"),
// for lose_link an optional ":before" or ":after" and a replug delay
// ("lose_link:after:2s").
func ParseBehavior(s string) (Behavior, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	b := Behavior{Kind: Kind(parts[0])}
	known := false
	for _, k := range kinds {
		known = known || k == b.Kind
	}
	if !known {
		return Behavior{}, fmt.Errorf("zvtsim: unknown behaviour %q", parts[0])
	}
	args := parts[1:]
	switch b.Kind {
	case Decline:
		if len(args) > 1 {
			return Behavior{}, fmt.Errorf("zvtsim: %q: decline takes one result code", s)
		}
		if len(args) == 1 {
			v, err := strconv.ParseUint(args[0], 16, 8)
			if err != nil || v == 0 {
				return Behavior{}, fmt.Errorf("zvtsim: %q: result code is one hex byte other than 00", s)
			}
			b.Result = byte(v)
		}
	case LoseLink:
		if len(args) > 2 {
			return Behavior{}, fmt.Errorf("zvtsim: %q: lose_link[:before|:after[:delay]]", s)
		}
		if len(args) > 0 {
			switch args[0] {
			case "before":
			case "after":
				b.AfterApproval = true
			default:
				return Behavior{}, fmt.Errorf("zvtsim: %q: lose_link takes before or after", s)
			}
		}
		if len(args) == 2 {
			d, err := time.ParseDuration(args[1])
			if err != nil || d <= 0 {
				return Behavior{}, fmt.Errorf("zvtsim: %q: bad replug delay", s)
			}
			b.ReplugAfter = d
		}
	default:
		if len(args) > 0 {
			return Behavior{}, fmt.Errorf("zvtsim: %q: %s takes no argument", s, b.Kind)
		}
	}
	return b, nil
}

// Unacked is what the terminal does with an approval whose status
// information (04 0F) the cash register did not acknowledge within T3. The
// ZVT specification says both: §2.2.8 has the terminal reverse it, chapter 4
// has it stand.
type Unacked int

const (
	// KeepUnacked lets the approval stand (the default).
	KeepUnacked Unacked = iota
	// ReverseUnacked reverses it: a reversal entry marked Auto goes into the
	// ledger, and the payment ends with 06 1E 6C when the line still works.
	ReverseUnacked
)

func (u Unacked) String() string {
	if u == ReverseUnacked {
		return "reverse"
	}
	return "keep"
}
