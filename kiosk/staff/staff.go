// Package staff keeps the store's staff accounts, their logins and sessions,
// and the append-only audit log of what staff did at the lanes.
package staff

import (
	"context"
	"errors"
	"time"

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
	LockedTo  time.Time `json:"lockedUntil,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Session is a logged-in staff member. Token goes into the HttpOnly session
// cookie; CSRF must come back in the X-CSRF-Token header of every
// state-changing request.
type Session struct {
	Token   string
	CSRF    string
	Actor   kiosk.Actor
	Name    string
	Expires time.Time
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq     int64          `json:"seq"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"` // staff id, or the id tried for a failed login
	Role    string         `json:"role,omitempty"`
	Action  string         `json:"action"` // login, login_failed, logout, ack, resolve, staff_void, ..., staff_add, staff_disable
	Lane    string         `json:"lane,omitempty"`
	Target  string         `json:"target,omitempty"` // alert id, line, transaction
	Where   string         `json:"where"`            // handheld address, lane screen, cli
	Outcome string         `json:"outcome"`          // ok, or the refusal's code
	Detail  map[string]any `json:"detail,omitempty"`
}

// Options configure the service.
type Options struct {
	MaxFailures int           // failed logins in a row before the account locks (default 5)
	LockFor     time.Duration // how long it stays locked (default 15 min)
	SessionIdle time.Duration // a session ends after this long unused (default 30 min)
	Now         func() time.Time
}

// Errors a login answers; both count as a failure and are audited.
var (
	ErrBadLogin = errors.New("staff: unknown staff id or wrong PIN")
	ErrLocked   = errors.New("staff: too many failed logins: account locked for a while")
)

// Service is the staff side of one kiosk.
type Service struct {
	db  *store.DB
	opt Options
}

// New returns the service over db.
func New(db *store.DB, opt Options) *Service { return &Service{db: db, opt: opt} }

var errTODO = errors.New("staff: not built yet")

// Add creates an account with a PIN (4..12 digits) and an optional badge code.
func (s *Service) Add(ctx context.Context, id, name, role, pin, badge, by string) error {
	return errTODO
}

// List returns every account, disabled ones included.
func (s *Service) List(ctx context.Context) ([]Account, error) { return nil, errTODO }

// Disable ends an account's logins and sessions.
func (s *Service) Disable(ctx context.Context, id, by string) error { return errTODO }

// Login checks id and PIN and opens a session; where says where from.
func (s *Service) Login(ctx context.Context, id, pin, where string) (*Session, error) {
	return nil, errTODO
}

// LoginBadge opens a session for the account whose badge code this is.
func (s *Service) LoginBadge(ctx context.Context, badge, where string) (*Session, error) {
	return nil, errTODO
}

// Session returns the live session of token and extends it.
func (s *Service) Session(token string) (*Session, bool) { return nil, false }

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) {}

// Act runs a staff action on lane for the session's staff member and audits it.
func (s *Service) Act(ctx context.Context, lane *kiosk.Lane, sess *Session, a kiosk.StaffAction, idemKey string) (kiosk.Result, error) {
	return kiosk.Result{}, errTODO
}

// Audit appends an entry to the audit log.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error { return errTODO }

// AuditLog returns up to limit entries after seq.
func (s *Service) AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	return nil, errTODO
}
