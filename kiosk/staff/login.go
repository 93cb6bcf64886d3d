package staff

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// failures counts failed logins per key (an id nobody has, or a source) in
// memory, each within a window that starts with its first failure.
type failures map[string]*failCount

type failCount struct {
	n           int
	since       time.Time
	lockedUntil time.Time // ghosts: as an account's locked_until
	audited     bool      // a throttled source's refusal is audited once per window
}

// maxTracked bounds a failures map: past it, windows that ended are dropped,
// and if none ended, the oldest goes.
const maxTracked = 4096

func (f failures) get(key string, now time.Time, window time.Duration) *failCount {
	c := f[key]
	if c != nil && now.Sub(c.since) >= window && !c.lockedUntil.After(now) {
		delete(f, key)
		c = nil
	}
	if c == nil {
		if len(f) >= maxTracked {
			f.prune(now, window)
		}
		c = &failCount{since: now}
		f[key] = c
	}
	return c
}

func (f failures) prune(now time.Time, window time.Duration) {
	var oldest string
	for k, c := range f {
		if now.Sub(c.since) >= window && !c.lockedUntil.After(now) {
			delete(f, k)
		} else if oldest == "" || c.since.Before(f[oldest].since) {
			oldest = k
		}
	}
	if len(f) >= maxTracked {
		delete(f, oldest)
	}
}

// account is a staff row as a login reads it.
type account struct {
	id, name, role, pinHash string
	disabled                bool
	lockedUntil             time.Time
}

const accountCols = `id, name, role, pin_hash, disabled, coalesce(locked_until, '')`

func scanAccount(row *sql.Row) (*account, error) {
	var a account
	var locked string
	if err := row.Scan(&a.id, &a.name, &a.role, &a.pinHash, &a.disabled, &locked); err != nil {
		return nil, err
	}
	a.lockedUntil = store.ParseStamp(locked)
	return &a, nil
}

// Login checks id and PIN and opens a session; where says where from (a
// handheld's address without its port, "lane screen"): failures are also
// counted per where. It answers ErrBadLogin for an unknown id, a wrong PIN
// or a disabled account alike, ErrLocked while the account is locked
// (MaxFailures failures in a row lock it for LockFor; the failure that locks
// it answers ErrLocked already), ErrThrottled while where is. Every answer
// but ErrThrottled costs one PIN hash, whatever the id, so its time tells
// nothing either. A locked account refuses the right PIN too.
func (s *Service) Login(ctx context.Context, id, pin, where string) (*Session, error) {
	if err := s.throttled(ctx, id, where); err != nil {
		return nil, err
	}
	if ValidPIN(pin) != nil {
		pin = "" // matches no stored PIN, and costs the same hash as any
	}
	now := s.opt.Now()
	a, err := scanAccount(s.db.R.QueryRowContext(ctx, `SELECT `+accountCols+` FROM staff WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		s.spendHash(ctx, pin)
		return nil, s.failed(ctx, id, "", where, OutcomeUnknownID, map[string]any{"method": "pin"}, s.ghostFailed(id, now))
	}
	if err != nil {
		return nil, fmt.Errorf("staff: login: %w", err)
	}
	switch {
	case a.disabled:
		s.spendHash(ctx, pin)
		return nil, s.failed(ctx, a.id, a.role, where, OutcomeDisabled, map[string]any{"method": "pin"}, s.ghostFailed(a.id, now))
	case a.lockedUntil.After(now):
		s.spendHash(ctx, pin)
		return nil, s.failed(ctx, a.id, a.role, where, OutcomeLocked, map[string]any{"method": "pin", "until": a.lockedUntil}, true)
	}
	ok, err := s.pin.verify(ctx, pin, a.pinHash)
	if err != nil && !errors.Is(err, errHashFormat) {
		return nil, err
	}
	if !ok {
		return nil, s.badPIN(ctx, a, where, now)
	}
	return s.open(ctx, a, where, "pin", now)
}

// LoginBadge opens a session for the account whose badge code this is
// (where as for Login). An unknown code answers ErrBadLogin; a disabled or
// locked account refuses its badge as it refuses its PIN. A wrong badge
// counts against where, not against any account.
func (s *Service) LoginBadge(ctx context.Context, badge, where string) (*Session, error) {
	if err := s.throttled(ctx, "", where); err != nil {
		return nil, err
	}
	now := s.opt.Now()
	a, err := scanAccount(s.db.R.QueryRowContext(ctx, `SELECT `+accountCols+` FROM staff WHERE badge_hash = ?`, badgeHash(badge)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.failed(ctx, "", "", where, OutcomeUnknownBadge, map[string]any{"method": "badge"}, false)
	}
	if err != nil {
		return nil, fmt.Errorf("staff: login: %w", err)
	}
	switch {
	case a.disabled:
		return nil, s.failed(ctx, a.id, a.role, where, OutcomeDisabled, map[string]any{"method": "badge"}, false)
	case a.lockedUntil.After(now):
		return nil, s.failed(ctx, a.id, a.role, where, OutcomeLocked, map[string]any{"method": "badge", "until": a.lockedUntil}, true)
	}
	return s.open(ctx, a, where, "badge", now)
}

// throttled refuses a login from a where that failed too often.
func (s *Service) throttled(ctx context.Context, id, where string) error {
	now := s.opt.Now()
	s.mu.Lock()
	c := s.sources[clean(where)]
	over := c != nil && now.Sub(c.since) < s.opt.LockFor && c.n >= s.opt.MaxSourceFailures
	first := over && !c.audited
	var n int
	var until time.Time
	if first {
		c.audited = true
		n, until = c.n, c.since.Add(s.opt.LockFor)
	}
	s.mu.Unlock()
	if !over {
		return nil
	}
	if first { // once per window: a flood does not fill the log
		return joinErr(ErrThrottled, s.Audit(ctx, AuditEntry{Actor: clean(id), Action: ActionLoginFailed, Where: clean(where), Outcome: OutcomeThrottled,
			Detail: map[string]any{"failures": n, "until": until}}))
	}
	return ErrThrottled
}

// ghostMemory is how long failures of an id nobody can log in as are
// remembered (an account's are remembered until a success).
const ghostMemory = 24 * time.Hour

// ghostFailed counts a failed login for an id nobody can log in as (none
// has it, or it is disabled) as badPIN counts one for an account, in
// memory, and reports whether the id is now "locked": so that lockouts do
// not tell which ids exist either.
func (s *Service) ghostFailed(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ghosts.get(clean(id), now, ghostMemory) // clean: a key of at most 64 bytes
	if c.lockedUntil.After(now) {
		return true
	}
	c.n++
	if c.n >= s.opt.MaxFailures {
		c.n, c.lockedUntil = 0, now.Add(s.opt.LockFor)
		return true
	}
	return false
}

// spendHash spends the time of one PIN check: it checks pin against a hash
// with the parameters new PINs get, a fixed salt and a key of zeros, which
// no PIN matches (nor could one tell: the key is never used for anything
// else).
func (s *Service) spendHash(ctx context.Context, pin string) {
	p := pinKDF
	zero := make([]byte, keyLen)
	s.pin.verify(ctx, pin, fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString([]byte("kiosk-staff-none")), b64.EncodeToString(zero)))
}

// badPIN counts a wrong PIN against the account, locking it at MaxFailures.
func (s *Service) badPIN(ctx context.Context, a *account, where string, now time.Time) error {
	until := now.Add(s.opt.LockFor)
	var failures int
	var locked string
	err := s.db.W.QueryRowContext(ctx, `UPDATE staff SET
			failures = CASE WHEN failures + 1 >= ?1 THEN 0 ELSE failures + 1 END,
			locked_until = CASE WHEN failures + 1 >= ?1 THEN ?2 ELSE locked_until END
		WHERE id = ?3 AND (locked_until IS NULL OR locked_until <= ?4)
		RETURNING failures, coalesce(locked_until, '')`, s.opt.MaxFailures, store.Stamp(until), a.id, store.Stamp(now)).Scan(&failures, &locked)
	if errors.Is(err, sql.ErrNoRows) { // another login locked it meanwhile
		return s.failed(ctx, a.id, a.role, where, OutcomeLocked, map[string]any{"method": "pin"}, true)
	}
	if err != nil {
		return fmt.Errorf("staff: login: %w", err)
	}
	nowLocked := store.ParseStamp(locked).Equal(until.UTC())
	err = s.failed(ctx, a.id, a.role, where, OutcomeBadPIN, map[string]any{"method": "pin", "failures": failures}, nowLocked)
	if nowLocked {
		return joinErr(err, s.Audit(ctx, AuditEntry{Actor: a.id, Role: a.role, Action: ActionLockout, Where: clean(where), Outcome: OutcomeLocked,
			Detail: map[string]any{"failures": s.opt.MaxFailures, "until": until}}))
	}
	return err
}

// failed audits a failed login, counts it against where, and answers
// ErrLocked or ErrBadLogin.
func (s *Service) failed(ctx context.Context, id, role, where, outcome string, detail map[string]any, locked bool) error {
	now := s.opt.Now()
	s.mu.Lock()
	s.sources.get(clean(where), now, s.opt.LockFor).n++
	s.mu.Unlock()
	answer := ErrBadLogin
	if locked {
		answer = ErrLocked
	}
	if err := s.Audit(ctx, AuditEntry{Actor: clean(id), Role: role, Action: ActionLoginFailed, Where: clean(where), Outcome: outcome, Detail: detail}); err != nil {
		return joinErr(answer, err)
	}
	return answer
}

// open resets the account's failures and opens a session.
func (s *Service) open(ctx context.Context, a *account, where, method string, now time.Time) (*Session, error) {
	res, err := s.db.W.ExecContext(ctx, `UPDATE staff SET failures = 0, locked_until = NULL
		WHERE id = ? AND disabled = 0 AND (locked_until IS NULL OR locked_until <= ?)`, a.id, store.Stamp(now))
	if err != nil {
		return nil, fmt.Errorf("staff: login: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 { // disabled or locked meanwhile
		return nil, s.failed(ctx, a.id, a.role, where, OutcomeLocked, map[string]any{"method": method}, true)
	}
	sess := &session{
		Session: Session{Token: randomToken(), CSRF: randomToken(), Actor: kiosk.Actor{ID: a.id, Role: a.role, Where: clean(where)}, Name: a.name},
		created: now, used: now,
	}
	sess.Expires = sess.expires(s.opt)
	if err := s.Audit(ctx, AuditEntry{Actor: a.id, Role: a.role, Action: ActionLogin, Where: clean(where), Outcome: OutcomeOK,
		Detail: map[string]any{"method": method}}); err != nil {
		return nil, err // no session that is not on record
	}
	s.mu.Lock()
	s.pruneSessions(now, a.id)
	s.sessions[tokenKey(sess.Token)] = sess
	s.mu.Unlock()
	c := sess.Session
	return &c, nil
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// IsBadge reports whether code is the badge of an enabled account. The lane
// asks it of every scanner read (so that a badge opens the attendant login
// instead of being sold or journaled): one indexed read, and none for a code
// that cannot be a badge. A read that fails answers false: the code is then
// handled as a product code, which a badge never is.
func (s *Service) IsBadge(code string) bool {
	if ValidBadge(code) != nil {
		return false
	}
	var one int
	err := s.db.R.QueryRow(`SELECT 1 FROM staff WHERE badge_hash = ? AND disabled = 0`, badgeHash(code)).Scan(&one)
	return err == nil
}
