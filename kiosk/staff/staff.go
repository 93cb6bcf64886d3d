package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// Account is a staff member as listed; the PIN's hash never leaves the package.
type Account struct {
	ID        string    `json:"id"`   // login name: 1..32 of a-z, 0-9, '.', '-', '_'
	Name      string    `json:"name"` // shown on screens and in the audit log
	Role      string    `json:"role"` // kiosk.RoleAttendant, RoleSupervisor or RoleRemote
	Disabled  bool      `json:"disabled,omitempty"`
	HasBadge  bool      `json:"hasBadge,omitempty"`
	LockedTo  time.Time `json:"lockedUntil,omitempty"` // zero unless locked now
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
}

// Session is a logged-in staff member. Token goes into the HttpOnly session
// cookie; CSRF must come back in the X-CSRF-Token header of every
// state-changing request. Both are 256-bit random, base64url without padding.
// Service hands out copies: changing one changes no session.
type Session struct {
	Token   string
	CSRF    string
	Actor   kiosk.Actor
	Name    string
	Expires time.Time // when it ends unless used again (never after its absolute limit)
}

// CheckCSRF reports, in constant time, whether token is the session's CSRF
// token.
func (s *Session) CheckCSRF(token string) bool {
	return s != nil && s.CSRF != "" && constantEqual(token, s.CSRF)
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq     int64          `json:"seq"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"` // staff id, or the id tried for a failed login
	Role    string         `json:"role,omitempty"`
	Action  string         `json:"action"` // login, login_failed, lockout, logout, ack, resolve, staff_void, ..., reprint, staff_add, staff_disable
	Lane    string         `json:"lane,omitempty"`
	Target  string         `json:"target,omitempty"` // alert id, line, transaction
	Where   string         `json:"where"`            // handheld address, lane screen, cli
	Outcome string         `json:"outcome"`          // ok, or the refusal's code
	Detail  map[string]any `json:"detail,omitempty"`
}

// Audit actions besides the lane's staff operations (whose action is the
// kiosk.Op).
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLockout      = "lockout"
	ActionLogout       = "logout"
	ActionReprint      = "reprint"
	ActionStaffAdd     = "staff_add"
	ActionStaffDisable = "staff_disable"
)

// Outcomes of failed logins, as audited.
const (
	OutcomeOK           = "ok"
	OutcomeBadPIN       = "bad_pin"
	OutcomeLocked       = "locked"     // the account is locked (or became locked by this failure: action lockout)
	OutcomeUnknownID    = "unknown_id" // no such account
	OutcomeUnknownBadge = "unknown_badge"
	OutcomeDisabled     = "disabled"
	OutcomeThrottled    = "throttled" // the source failed too often
	OutcomeError        = "error"     // a failure that is no refusal (storage, a cancelled request)
)

// Options configure the service. Zero fields take the defaults.
type Options struct {
	MaxFailures int           // failed logins in a row before the account locks (default 5)
	LockFor     time.Duration // how long it stays locked (default 15 min)
	SessionIdle time.Duration // a session ends after this long unused (default 30 min)
	SessionMax  time.Duration // and this long after the login, however used (default 8 h)
	// MaxSourceFailures failed logins from one where (any accounts) within
	// LockFor refuse that where's logins for the rest of the window (default
	// 4 × MaxFailures: one client locks at most 4 accounts per window).
	MaxSourceFailures int
	// Where is where Add and Disable are audited from (default "local"; the
	// command line says "cli").
	Where string
	Now   func() time.Time
}

func (o *Options) setDefaults() {
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockFor <= 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = 30 * time.Minute
	}
	if o.SessionMax <= 0 {
		o.SessionMax = 8 * time.Hour
	}
	if o.MaxSourceFailures <= 0 {
		o.MaxSourceFailures = 4 * o.MaxFailures
	}
	if o.Where == "" {
		o.Where = "local"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Errors a login answers; each counts as a failure and is audited.
var (
	ErrBadLogin  = errors.New("staff: unknown staff id or wrong PIN")
	ErrLocked    = errors.New("staff: too many failed logins: account locked for a while")
	ErrThrottled = errors.New("staff: too many failed logins from here: wait a while")
)

// Errors of account management and sessions.
var (
	ErrInvalid   = errors.New("staff: invalid")           // wrapped with what is wrong
	ErrExists    = errors.New("staff: the id is taken")   // Add
	ErrBadgeUsed = errors.New("staff: the badge is used") // Add
	ErrNoAccount = errors.New("staff: no such account")   // Disable
	ErrNoSession = errors.New("staff: not logged in, or the session ended")
)

// Service is the staff side of one kiosk. Its methods are safe for
// concurrent use.
type Service struct {
	db  *store.DB
	opt Options
	pin *hasher

	mu       sync.Mutex
	sessions map[[32]byte]*session // by SHA-256 of the token
	ghosts   failures              // ids nobody has, locking as real ones do
	sources  failures              // by where
}

// New returns the service over db.
func New(db *store.DB, opt Options) *Service {
	opt.setDefaults()
	return &Service{db: db, opt: opt, pin: newHasher(), sessions: map[[32]byte]*session{}, ghosts: failures{}, sources: failures{}}
}

// ValidID checks a login name: 1..32 of a-z, 0-9, '.', '-', '_'.
func ValidID(id string) error {
	if len(id) < 1 || len(id) > 32 {
		return fmt.Errorf("%w: id must be 1 to 32 characters", ErrInvalid)
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: id may hold only a-z, 0-9, '.', '-' and '_'", ErrInvalid)
		}
	}
	return nil
}

// ValidPIN checks a PIN: 4 to 12 digits. The error never quotes the PIN.
func ValidPIN(pin string) error {
	if len(pin) < 4 || len(pin) > 12 {
		return fmt.Errorf("%w: a PIN is 4 to 12 digits", ErrInvalid)
	}
	for _, c := range []byte(pin) {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: a PIN is digits only", ErrInvalid)
		}
	}
	return nil
}

// ValidBadge checks a badge code: 6 to 64 printable ASCII characters. The
// error never quotes the code.
func ValidBadge(code string) error {
	if len(code) < 6 || len(code) > 64 {
		return fmt.Errorf("%w: a badge code is 6 to 64 characters", ErrInvalid)
	}
	for _, c := range []byte(code) {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: a badge code is printable ASCII only", ErrInvalid)
		}
	}
	return nil
}

func validName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 64 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: name must be 1 to 64 characters", ErrInvalid)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: name holds a control character", ErrInvalid)
		}
	}
	return nil
}

func validRole(role string) error {
	switch role {
	case kiosk.RoleAttendant, kiosk.RoleSupervisor, kiosk.RoleRemote:
		return nil
	}
	return fmt.Errorf("%w: role must be %s, %s or %s", ErrInvalid, kiosk.RoleAttendant, kiosk.RoleSupervisor, kiosk.RoleRemote)
}

// Add creates an account with a PIN (4..12 digits) and an optional badge
// code; by is who creates it (audited, with Options.Where).
func (s *Service) Add(ctx context.Context, id, name, role, pin, badge, by string) error {
	err := s.add(ctx, id, name, role, pin, badge, by)
	out := OutcomeOK
	if err != nil {
		out = outcomeOf(err)
	}
	aerr := s.Audit(ctx, AuditEntry{Actor: by, Action: ActionStaffAdd, Target: clean(id), Where: s.opt.Where, Outcome: out,
		Detail: map[string]any{"role": clean(role), "badge": badge != ""}})
	return joinErr(err, aerr)
}

func (s *Service) add(ctx context.Context, id, name, role, pin, badge, by string) error {
	if err := errors.Join(ValidID(id), validName(name), validRole(role), ValidPIN(pin)); err != nil {
		return err
	}
	if badge != "" {
		if err := ValidBadge(badge); err != nil {
			return err
		}
	}
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("%w: who creates the account must be named", ErrInvalid)
	}
	h, err := s.pin.hash(ctx, pin)
	if err != nil {
		return err
	}
	return s.insert(ctx, id, name, role, h, badge, by)
}

func (s *Service) insert(ctx context.Context, id, name, role, pinHash, badge, by string) error {
	var bh any
	if badge != "" {
		bh = badgeHash(badge)
	}
	_, err := s.db.W.ExecContext(ctx, `INSERT INTO staff (id, name, role, pin_hash, badge_hash, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, name, role, pinHash, bh, store.Stamp(s.opt.Now()), clean(by))
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: staff.badge_hash") {
		return ErrBadgeUsed
	}
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: staff.id") {
		return fmt.Errorf("%w: %s", ErrExists, id)
	}
	if err != nil {
		return fmt.Errorf("staff: add %s: %w", id, err)
	}
	return nil
}

// List returns every account, disabled ones included, by id.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, name, role, disabled, badge_hash IS NOT NULL,
		coalesce(locked_until, ''), created_at, created_by FROM staff ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("staff: list: %w", err)
	}
	defer rows.Close()
	now := s.opt.Now()
	var out []Account
	for rows.Next() {
		var a Account
		var locked, created string
		if err := rows.Scan(&a.ID, &a.Name, &a.Role, &a.Disabled, &a.HasBadge, &locked, &created, &a.CreatedBy); err != nil {
			return nil, fmt.Errorf("staff: list: %w", err)
		}
		if t := store.ParseStamp(locked); t.After(now) {
			a.LockedTo = t
		}
		a.CreatedAt = store.ParseStamp(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Disable ends an account's logins and sessions; by is who disables it
// (audited, with Options.Where). Disabling a disabled account does nothing
// more.
func (s *Service) Disable(ctx context.Context, id, by string) error {
	err := s.disable(ctx, id, by)
	out := OutcomeOK
	if err != nil {
		out = outcomeOf(err)
	}
	aerr := s.Audit(ctx, AuditEntry{Actor: by, Action: ActionStaffDisable, Target: clean(id), Where: s.opt.Where, Outcome: out})
	return joinErr(err, aerr)
}

func (s *Service) disable(ctx context.Context, id, by string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("%w: who disables the account must be named", ErrInvalid)
	}
	res, err := s.db.W.ExecContext(ctx, `UPDATE staff SET disabled = 1 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("staff: disable %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNoAccount, clean(id))
	}
	s.endSessions(id)
	return nil
}

// DemoAccount is an account EnsureDemo created, with its PIN and badge code,
// for the demo to print.
type DemoAccount struct {
	ID, Name, Role, PIN, Badge string
}

// demoAccounts are the demo's staff, one per role. Their PINs are public:
// EnsureDemo only creates them where no account exists.
var demoAccounts = []DemoAccount{
	{ID: "anna", Name: "Anna (demo)", Role: kiosk.RoleAttendant, PIN: "2580", Badge: "DEMO-BADGE-ANNA-2580"},
	{ID: "sam", Name: "Sam (demo)", Role: kiosk.RoleSupervisor, PIN: "1397"},
	{ID: "rita", Name: "Rita (demo)", Role: kiosk.RoleRemote, PIN: "4682"},
}

// EnsureDemo creates, when no account exists, one demo account per role with
// fixed, public PINs (and a badge code for the attendant). It returns the
// demo accounts that can log in: those it created, or on a later start those
// it created earlier and nobody disabled since (so that make run can print
// them every time); none where the store made its own accounts first.
func (s *Service) EnsureDemo(ctx context.Context) ([]DemoAccount, error) {
	var n int
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM staff`).Scan(&n); err != nil {
		return nil, fmt.Errorf("staff: demo accounts: %w", err)
	}
	if n > 0 {
		return s.liveDemo(ctx)
	}
	hashes := make([]string, len(demoAccounts))
	for i, d := range demoAccounts {
		h, err := s.pin.hash(ctx, d.PIN)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	created := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM staff`).Scan(&n); err != nil || n > 0 {
			return err // another process was first
		}
		for i, d := range demoAccounts {
			var bh any
			if d.Badge != "" {
				bh = badgeHash(d.Badge)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO staff (id, name, role, pin_hash, badge_hash, created_at, created_by)
				VALUES (?, ?, ?, ?, ?, ?, 'demo')`, d.ID, d.Name, d.Role, hashes[i], bh, store.Stamp(s.opt.Now())); err != nil {
				return err
			}
		}
		created = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("staff: demo accounts: %w", err)
	}
	if !created {
		return nil, nil
	}
	for _, d := range demoAccounts {
		if err := s.Audit(ctx, AuditEntry{Actor: "demo", Action: ActionStaffAdd, Target: d.ID, Where: s.opt.Where, Outcome: OutcomeOK,
			Detail: map[string]any{"role": d.Role, "badge": d.Badge != "", "demo": true}}); err != nil {
			return nil, err
		}
	}
	return append([]DemoAccount(nil), demoAccounts...), nil
}

// liveDemo returns the demo accounts EnsureDemo created that are enabled.
func (s *Service) liveDemo(ctx context.Context) ([]DemoAccount, error) {
	var out []DemoAccount
	for _, d := range demoAccounts {
		var one int
		err := s.db.R.QueryRowContext(ctx, `SELECT 1 FROM staff WHERE id = ? AND created_by = 'demo' AND disabled = 0`, d.ID).Scan(&one)
		switch {
		case err == nil:
			out = append(out, d)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("staff: demo accounts: %w", err)
		}
	}
	return out, nil
}

// outcomeOf is the audit outcome of an error.
func outcomeOf(err error) string {
	var ke *kiosk.Error
	switch {
	case errors.As(err, &ke):
		return ke.Code
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrExists):
		return "exists"
	case errors.Is(err, ErrBadgeUsed):
		return "badge_used"
	case errors.Is(err, ErrNoAccount):
		return "no_account"
	case errors.Is(err, ErrNoSession):
		return "no_session"
	}
	return OutcomeError
}

// clean makes outside text fit for the audit log: at most 64 bytes of valid
// UTF-8 without control characters.
func clean(s string) string { return cleanN(s, 64) }

// clean256 is clean for longer text (a reason: the lane takes 200
// characters).
func clean256(s string) string { return cleanN(s, 1024) }

func cleanN(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

// joinErr is errors.Join that returns err itself when more is nil, so that
// callers may compare it with ==.
func joinErr(err, more error) error {
	switch {
	case more == nil:
		return err
	case err == nil:
		return more
	}
	return errors.Join(err, more)
}
