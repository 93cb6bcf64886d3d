package staff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiosk-sco/kiosk/kiosk"
	"github.com/kiosk-sco/kiosk/store"
)

// productionKDF is pinKDF as shipped; the tests hash with a cheap one so that
// a hundred logins take milliseconds (BenchmarkHashPIN measures the real one).
var productionKDF = pinKDF

func TestMain(m *testing.M) {
	pinKDF = kdfParams{Time: 1, Memory: 64, Threads: 1}
	os.Exit(m.Run())
}

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type fixture struct {
	t   *testing.T
	db  *store.DB
	clk *clock
	svc *Service
}

func newFixture(t *testing.T, opt Options) *fixture {
	t.Helper()
	f := &fixture{t: t, db: openDB(t), clk: newClock()}
	opt.Now = f.clk.Now
	f.svc = New(f.db, opt)
	return f
}

// restart is a new service on the same database, as after a restart.
func (f *fixture) restart(opt Options) *Service {
	opt.Now = f.clk.Now
	return New(f.db, opt)
}

func (f *fixture) add(id, role, pin, badge string) {
	f.t.Helper()
	if err := f.svc.Add(context.Background(), id, "Name of "+id, role, pin, badge, "admin"); err != nil {
		f.t.Fatalf("add %s: %v", id, err)
	}
}

// audit returns the whole audit log.
func (f *fixture) audit() []AuditEntry {
	f.t.Helper()
	es, err := f.svc.AuditLog(context.Background(), 0, MaxAuditPage)
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

// last returns the last audit entry.
func (f *fixture) last() AuditEntry {
	f.t.Helper()
	es := f.audit()
	if len(es) == 0 {
		f.t.Fatal("audit log empty")
	}
	return es[len(es)-1]
}

// count counts audit entries with this action and outcome.
func (f *fixture) count(action, outcome string) int {
	n := 0
	for _, e := range f.audit() {
		if e.Action == action && e.Outcome == outcome {
			n++
		}
	}
	return n
}

func TestAuditIsAppendOnly(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	if err := f.svc.Audit(ctx, AuditEntry{Actor: "anna", Action: "ack", Where: "cli", Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit SET outcome = 'forged'`,
		`UPDATE audit SET actor = 'sam' WHERE seq = 1`,
		`DELETE FROM audit`,
		`DELETE FROM audit WHERE seq = 1`,
		`INSERT OR REPLACE INTO audit (seq, at, actor, action, outcome) VALUES (1, 'x', 'y', 'z', 'ok')`,
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := f.db.W.ExecContext(ctx, stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if e := f.audit(); len(e) != 1 || e[0].Actor != "anna" || e[0].Outcome != OutcomeOK {
		t.Fatalf("audit log changed: %+v", e)
	}
}

func TestAdd(t *testing.T) {
	f := newFixture(t, Options{Where: "cli"})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "BADGE-0001")
	for _, tc := range []struct {
		name                       string
		id, full, role, pin, badge string
		want                       error
		outcome                    string
	}{
		{"ok", "sam.k", "Sam K", kiosk.RoleSupervisor, "139713", "", nil, OutcomeOK},
		{"id upper case", "Sam", "Sam", kiosk.RoleSupervisor, "1397", "", ErrInvalid, "invalid"},
		{"id empty", "", "Sam", kiosk.RoleSupervisor, "1397", "", ErrInvalid, "invalid"},
		{"id too long", strings.Repeat("a", 33), "Sam", kiosk.RoleSupervisor, "1397", "", ErrInvalid, "invalid"},
		{"id space", "s m", "Sam", kiosk.RoleSupervisor, "1397", "", ErrInvalid, "invalid"},
		{"name empty", "x1", " ", kiosk.RoleAttendant, "1397", "", ErrInvalid, "invalid"},
		{"name control", "x2", "a\x1b[31m", kiosk.RoleAttendant, "1397", "", ErrInvalid, "invalid"},
		{"role", "x3", "X", "admin", "1397", "", ErrInvalid, "invalid"},
		{"pin short", "x4", "X", kiosk.RoleAttendant, "123", "", ErrInvalid, "invalid"},
		{"pin long", "x5", "X", kiosk.RoleAttendant, "1234567890123", "", ErrInvalid, "invalid"},
		{"pin letters", "x6", "X", kiosk.RoleAttendant, "12a4", "", ErrInvalid, "invalid"},
		{"badge short", "x7", "X", kiosk.RoleAttendant, "1234", "ABCDE", ErrInvalid, "invalid"},
		{"badge control", "x8", "X", kiosk.RoleAttendant, "1234", "ABC\tDEF", ErrInvalid, "invalid"},
		{"badge too long", "x9", "X", kiosk.RoleAttendant, "1234", strings.Repeat("B", 65), ErrInvalid, "invalid"},
		{"id taken", "anna", "Anna 2", kiosk.RoleAttendant, "1234", "", ErrExists, "exists"},
		{"badge taken", "y1", "Y", kiosk.RoleAttendant, "1234", "BADGE-0001", ErrBadgeUsed, "badge_used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.svc.Add(ctx, tc.id, tc.full, tc.role, tc.pin, tc.badge, "admin")
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tc.pin) {
				t.Errorf("the error quotes the PIN: %v", err)
			}
			e := f.last()
			if e.Action != ActionStaffAdd || e.Outcome != tc.outcome || e.Actor != "admin" || e.Where != "cli" {
				t.Fatalf("audit: %+v", e)
			}
		})
	}
	accts, err := f.svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 || accts[0].ID != "anna" || !accts[0].HasBadge || accts[1].ID != "sam.k" || accts[1].HasBadge ||
		accts[1].Role != kiosk.RoleSupervisor || accts[1].Name != "Sam K" || accts[0].CreatedBy != "admin" || !accts[0].CreatedAt.Equal(f.clk.Now()) {
		t.Fatalf("list: %+v", accts)
	}
}

// TestNoPINOrBadgeInTheClear: no column of the staff and audit tables, and
// no byte of the database file or its WAL, holds a PIN or badge code, after
// adding, logging in (rightly and wrongly) and failing with the PIN under
// another id.
func TestNoPINOrBadgeInTheClear(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	const pin, badge = "9081726354", "SECRET-BADGE-7Q2Z"
	f.add("anna", kiosk.RoleAttendant, pin, badge)
	if _, err := f.svc.Login(ctx, "anna", pin, "handheld 10.0.0.7"); err != nil {
		t.Fatal(err)
	}
	f.svc.Login(ctx, "anna", pin+"1", "handheld 10.0.0.7")
	f.svc.Login(ctx, "bob", pin, "handheld 10.0.0.7")
	f.svc.LoginBadge(ctx, badge, "lane screen")
	f.svc.LoginBadge(ctx, badge+"X", "lane screen")
	f.svc.Add(ctx, "bad", "X", "admin", pin, badge, "root") // refused, audited

	for _, table := range []string{"staff", "audit"} {
		rows, err := f.db.R.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				if strings.Contains(s, pin) || strings.Contains(s, badge) {
					t.Errorf("%s.%s holds a secret: %q", table, cols[i], s)
				}
			}
			n++
		}
		rows.Close()
		if n == 0 {
			t.Fatalf("%s is empty: the test saw nothing", table)
		}
	}
	for _, p := range []string{f.db.Path, f.db.Path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(pin)) || bytes.Contains(b, []byte(badge)) {
			t.Errorf("%s holds a secret", p)
		}
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "ANNA-BADGE-01")
	f.add("sam", kiosk.RoleSupervisor, "1397", "")
	f.add("gone", kiosk.RoleRemote, "4682", "GONE-BADGE-01")
	if err := f.svc.Disable(ctx, "gone", "admin"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, pin, badge string
		want                 error
		actor, role, outcome string
	}{
		{"pin", "anna", "2580", "", nil, "anna", kiosk.RoleAttendant, OutcomeOK},
		{"supervisor", "sam", "1397", "", nil, "sam", kiosk.RoleSupervisor, OutcomeOK},
		{"wrong pin", "anna", "2581", "", ErrBadLogin, "anna", kiosk.RoleAttendant, OutcomeBadPIN},
		{"other's pin", "sam", "2580", "", ErrBadLogin, "sam", kiosk.RoleSupervisor, OutcomeBadPIN},
		{"unknown id", "bob", "2580", "", ErrBadLogin, "bob", "", OutcomeUnknownID},
		{"disabled", "gone", "4682", "", ErrBadLogin, "gone", kiosk.RoleRemote, OutcomeDisabled},
		{"id with control bytes", "a\x1b[2Jb", "2580", "", ErrBadLogin, "a[2Jb", "", OutcomeUnknownID},
		{"overlong id", strings.Repeat("a", 1<<20), "2580", "", ErrBadLogin, strings.Repeat("a", 64), "", OutcomeUnknownID},
		{"pin not digits", "anna", "25800000000000000000", "", ErrBadLogin, "anna", kiosk.RoleAttendant, OutcomeBadPIN},
		{"badge", "", "", "ANNA-BADGE-01", nil, "anna", kiosk.RoleAttendant, OutcomeOK},
		{"unknown badge", "", "", "ANNA-BADGE-02", ErrBadLogin, "", "", OutcomeUnknownBadge},
		{"disabled badge", "", "", "GONE-BADGE-01", ErrBadLogin, "gone", kiosk.RoleRemote, OutcomeDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sess *Session
			var err error
			method := "pin"
			if tc.badge != "" {
				method = "badge"
				sess, err = f.svc.LoginBadge(ctx, tc.badge, "handheld 10.0.0.7")
			} else {
				sess, err = f.svc.Login(ctx, tc.id, tc.pin, "handheld 10.0.0.7")
			}
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				if sess.Actor != (kiosk.Actor{ID: tc.actor, Role: tc.role, Where: "handheld 10.0.0.7"}) || sess.Name != "Name of "+tc.actor {
					t.Fatalf("session: %+v", sess)
				}
				if got, ok := f.svc.Session(sess.Token); !ok || got.Actor != sess.Actor {
					t.Fatalf("Session(token) = %+v, %v", got, ok)
				}
			} else if sess != nil {
				t.Fatalf("a session on a failed login: %+v", sess)
			}
			e := f.last()
			action := ActionLogin
			if tc.want != nil {
				action = ActionLoginFailed
			}
			if e.Action != action || e.Actor != tc.actor || e.Role != tc.role || e.Outcome != tc.outcome || e.Where != "handheld 10.0.0.7" || e.Detail["method"] != method {
				t.Fatalf("audit: %+v", e)
			}
		})
	}
}

// TestEveryPINLoginSpendsOneHash: a login for an id nobody has, a disabled
// or a locked account costs the same PIN hash as a wrong PIN, so its time does
// not say which ids exist. Counted, not timed.
func TestEveryPINLoginSpendsOneHash(t *testing.T) {
	f := newFixture(t, Options{MaxFailures: 2, MaxSourceFailures: 1000})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	f.add("gone", kiosk.RoleAttendant, "2580", "")
	f.add("lock", kiosk.RoleAttendant, "2580", "")
	f.add("sam", kiosk.RoleAttendant, "1397", "")
	f.svc.Disable(ctx, "gone", "admin")
	f.svc.Login(ctx, "lock", "0000", "a")
	f.svc.Login(ctx, "lock", "0000", "a") // locked now
	for _, tc := range []struct{ name, id, pin string }{
		{"right", "anna", "2580"},
		{"wrong", "sam", "0000"},
		{"unknown id", "nobody", "2580"},
		{"disabled", "gone", "2580"},
		{"locked", "lock", "2580"},
		{"empty pin", "anna", ""},
		{"megabyte pin", "anna", strings.Repeat("9", 1<<20)},
		{"nul in pin", "anna", "25\x0080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 2 {
				before := f.svc.pin.verifies.Load()
				f.svc.Login(ctx, tc.id, tc.pin, "b")
				if n := f.svc.pin.verifies.Load() - before; n != 1 {
					t.Fatalf("login %d: %d PIN checks", i+1, n)
				}
			}
		})
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "ANNA-BADGE-01")
	f.add("sam", kiosk.RoleSupervisor, "1397", "")
	login := func(id, pin string) error {
		_, err := f.svc.Login(ctx, id, pin, fmt.Sprint("handheld ", f.clk.Now().UnixNano())) // no source throttling here
		return err
	}
	// Four wrong, a right one resets the count.
	for range 4 {
		if err := login("anna", "0000"); !errors.Is(err, ErrBadLogin) {
			t.Fatal(err)
		}
	}
	if err := login("anna", "2580"); err != nil {
		t.Fatal(err)
	}
	// Five wrong in a row lock; the fifth already says so.
	for i := range 5 {
		err := login("anna", "0000")
		if want := map[bool]error{false: ErrBadLogin, true: ErrLocked}[i == 4]; !errors.Is(err, want) {
			t.Fatalf("failure %d: %v, want %v", i+1, err, want)
		}
	}
	if f.count(ActionLockout, OutcomeLocked) != 1 {
		t.Fatalf("lockout not audited: %+v", f.audit())
	}
	lk := f.last()
	if lk.Action != ActionLockout || lk.Actor != "anna" || lk.Detail["until"] != f.clk.Now().Add(15*time.Minute).Format(time.RFC3339Nano) {
		t.Fatalf("lockout entry: %+v", lk)
	}
	// Locked: the right PIN and the badge are refused too, and audited.
	if err := login("anna", "2580"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN while locked: %v", err)
	}
	if e := f.last(); e.Action != ActionLoginFailed || e.Outcome != OutcomeLocked || e.Actor != "anna" {
		t.Fatalf("audit: %+v", e)
	}
	if _, err := f.svc.LoginBadge(ctx, "ANNA-BADGE-01", "lane screen"); !errors.Is(err, ErrLocked) {
		t.Fatalf("badge while locked: %v", err)
	}
	// Another account is not locked.
	if err := login("sam", "1397"); err != nil {
		t.Fatal(err)
	}
	// A restart does not unlock; List shows until when.
	f.svc = f.restart(Options{})
	if err := login("anna", "2580"); !errors.Is(err, ErrLocked) {
		t.Fatalf("after a restart: %v", err)
	}
	accts, _ := f.svc.List(ctx)
	if !accts[0].LockedTo.Equal(newClock().Now().Add(15 * time.Minute)) {
		t.Fatalf("list: %+v", accts[0])
	}
	// A second before the end still locked, at the end open.
	f.clk.Add(15*time.Minute - time.Second)
	if err := login("anna", "2580"); !errors.Is(err, ErrLocked) {
		t.Fatalf("before the end: %v", err)
	}
	f.clk.Add(time.Second)
	if err := login("anna", "2580"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if accts, _ := f.svc.List(ctx); !accts[0].LockedTo.IsZero() {
		t.Fatalf("still shown locked: %+v", accts[0])
	}
	if n := f.count(ActionLoginFailed, OutcomeBadPIN); n != 9 {
		t.Fatalf("%d bad_pin entries, want 9", n)
	}
}

// TestUnknownIDLocksAlike: an id nobody has answers as a real one does,
// lockout included.
func TestUnknownIDLocksAlike(t *testing.T) {
	f := newFixture(t, Options{MaxFailures: 3, MaxSourceFailures: 100})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	f.add("gone", kiosk.RoleAttendant, "2580", "")
	f.svc.Disable(ctx, "gone", "admin")
	for _, id := range []string{"anna", "nobody", "gone"} {
		t.Run(id, func(t *testing.T) {
			var got []error
			for range 4 {
				_, err := f.svc.Login(ctx, id, "0000", "x")
				got = append(got, err)
			}
			want := []error{ErrBadLogin, ErrBadLogin, ErrLocked, ErrLocked}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("answers %v, want %v", got, want)
				}
			}
		})
	}
}

func TestSourceThrottle(t *testing.T) {
	f := newFixture(t, Options{MaxFailures: 5, MaxSourceFailures: 6})
	ctx := context.Background()
	for _, id := range []string{"anna", "sam", "rita"} {
		f.add(id, kiosk.RoleAttendant, "2580", "")
	}
	for i := range 6 {
		id := []string{"anna", "sam", "rita"}[i%3]
		if _, err := f.svc.Login(ctx, id, "0000", "handheld 10.0.0.66"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// That source is refused, the right PIN too, and cheaply (no hash);
	// audited once per window.
	before := f.svc.pin.verifies.Load()
	for range 3 {
		if _, err := f.svc.Login(ctx, "anna", "2580", "handheld 10.0.0.66"); !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled source: %v", err)
		}
		if _, err := f.svc.LoginBadge(ctx, "whatever-badge", "handheld 10.0.0.66"); !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled source, badge: %v", err)
		}
	}
	if f.svc.pin.verifies.Load() != before {
		t.Fatal("a throttled login computed a hash")
	}
	if n := f.count(ActionLoginFailed, OutcomeThrottled); n != 1 {
		t.Fatalf("%d throttled entries, want 1", n)
	}
	// No account locked, another source logs in.
	if _, err := f.svc.Login(ctx, "anna", "2580", "lane screen"); err != nil {
		t.Fatal(err)
	}
	// After the window the source may try again.
	f.clk.Add(15 * time.Minute)
	if _, err := f.svc.Login(ctx, "sam", "2580", "handheld 10.0.0.66"); err != nil {
		t.Fatal(err)
	}
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		steps []time.Duration // time passing before each use
		alive []bool
	}{
		{"idle", []time.Duration{29 * time.Minute, 29 * time.Minute, 30 * time.Minute, time.Minute}, []bool{true, true, false, false}},
		{"idle just under", []time.Duration{30*time.Minute - time.Nanosecond}, []bool{true}},
		{"used all day", func() []time.Duration {
			d := make([]time.Duration, 24) // every 20 minutes: 8 h at the 24th use
			for i := range d {
				d[i] = 20 * time.Minute
			}
			return d
		}(), func() []bool {
			a := make([]bool, 24)
			for i := range 23 {
				a[i] = true
			}
			return a
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.add("anna", kiosk.RoleAttendant, "2580", "")
			sess, err := f.svc.Login(ctx, "anna", "2580", "h")
			if err != nil {
				t.Fatal(err)
			}
			if !sess.Expires.Equal(f.clk.Now().Add(30 * time.Minute)) {
				t.Fatalf("expires %v", sess.Expires)
			}
			for i, d := range tc.steps {
				f.clk.Add(d)
				got, ok := f.svc.Session(sess.Token)
				if ok != tc.alive[i] {
					t.Fatalf("use %d after %v: alive %v, want %v", i+1, d, ok, tc.alive[i])
				}
				if ok && !got.Expires.After(f.clk.Now()) {
					t.Fatalf("use %d: expires %v", i+1, got.Expires)
				}
			}
		})
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	seen := map[string]bool{}
	for range 20 {
		s, err := f.svc.Login(ctx, "anna", "2580", "h")
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{s.Token, s.CSRF} {
			if len(tok) != 43 || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" || seen[tok] {
				t.Fatalf("token %q: not 256 bits of base64url, or seen before", tok)
			}
			seen[tok] = true
		}
		for _, tc := range []struct {
			token string
			want  bool
		}{{s.CSRF, true}, {s.Token, false}, {"", false}, {s.CSRF[:42], false}, {s.CSRF + "A", false}} {
			if got := s.CheckCSRF(tc.token); got != tc.want {
				t.Fatalf("CheckCSRF(%q) = %v", tc.token, got)
			}
		}
		if _, ok := f.svc.Session(s.CSRF); ok {
			t.Fatal("the CSRF token opens the session")
		}
	}
	if (&Session{}).CheckCSRF("") || (*Session)(nil).CheckCSRF("") {
		t.Fatal("an empty CSRF token matched")
	}
}

func TestDisableEndsSessions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		other bool // disabled by another service on the same file (the CLI while serve runs)
	}{{"here", false}, {"another process", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.add("anna", kiosk.RoleAttendant, "2580", "")
			f.add("sam", kiosk.RoleSupervisor, "1397", "")
			a1, _ := f.svc.Login(ctx, "anna", "2580", "h1")
			a2, _ := f.svc.Login(ctx, "anna", "2580", "h2")
			s1, _ := f.svc.Login(ctx, "sam", "1397", "h1")
			by := f.svc
			if tc.other {
				by = f.restart(Options{Where: "cli"})
			}
			if err := by.Disable(ctx, "anna", "root"); err != nil {
				t.Fatal(err)
			}
			if e := f.last(); e.Action != ActionStaffDisable || e.Actor != "root" || e.Target != "anna" || e.Outcome != OutcomeOK {
				t.Fatalf("audit: %+v", e)
			}
			for _, s := range []*Session{a1, a2} {
				if _, ok := f.svc.Session(s.Token); ok {
					t.Fatal("a disabled account's session lives")
				}
			}
			if _, ok := f.svc.Session(s1.Token); !ok {
				t.Fatal("another account's session ended")
			}
			if _, err := f.svc.Login(ctx, "anna", "2580", "h1"); !errors.Is(err, ErrBadLogin) {
				t.Fatalf("login after disable: %v", err)
			}
			if accts, _ := f.svc.List(ctx); !accts[0].Disabled || accts[1].Disabled {
				t.Fatalf("list: %+v", accts)
			}
			if err := by.Disable(ctx, "nobody", "root"); !errors.Is(err, ErrNoAccount) {
				t.Fatalf("disable nobody: %v", err)
			}
			if e := f.last(); e.Action != ActionStaffDisable || e.Outcome != "no_account" {
				t.Fatalf("audit: %+v", e)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	s, _ := f.svc.Login(ctx, "anna", "2580", "handheld 10.0.0.7")
	f.svc.Logout(ctx, s.Token)
	if _, ok := f.svc.Session(s.Token); ok {
		t.Fatal("session lives after logout")
	}
	if e := f.last(); e.Action != ActionLogout || e.Actor != "anna" || e.Role != kiosk.RoleAttendant || e.Where != "handheld 10.0.0.7" {
		t.Fatalf("audit: %+v", e)
	}
	n := len(f.audit())
	f.svc.Logout(ctx, s.Token)
	f.svc.Logout(ctx, "nonsense")
	if len(f.audit()) != n {
		t.Fatal("a logout of no session was audited")
	}
}

func TestAuditLogPages(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	for i := range 25 {
		if err := f.svc.Audit(ctx, AuditEntry{Actor: fmt.Sprint("a", i), Action: "ack", Outcome: OutcomeOK, Detail: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	var all []AuditEntry
	after := int64(0)
	for {
		page, err := f.svc.AuditLog(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("page of %d", len(page))
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != 25 {
		t.Fatalf("%d entries", len(all))
	}
	for i, e := range all {
		if e.Seq != int64(i+1) || e.Actor != fmt.Sprint("a", i) || e.Detail["i"] != float64(i) || !e.At.Equal(f.clk.Now()) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if err := f.svc.Audit(ctx, AuditEntry{Actor: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("entry without action: %v", err)
	}
}

func TestEnsureDemo(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	demo, err := f.svc.EnsureDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, d := range demo {
		roles[d.Role] = true
		s, err := f.svc.Login(ctx, d.ID, d.PIN, "h")
		if err != nil || s.Actor.Role != d.Role {
			t.Fatalf("demo %s: %v", d.ID, err)
		}
		if d.Badge != "" {
			if s, err := f.svc.LoginBadge(ctx, d.Badge, "lane screen"); err != nil || s.Actor.ID != d.ID {
				t.Fatalf("demo badge %s: %v", d.ID, err)
			}
		}
	}
	if len(demo) != 3 || !roles[kiosk.RoleAttendant] || !roles[kiosk.RoleSupervisor] || !roles[kiosk.RoleRemote] || demo[0].Badge == "" {
		t.Fatalf("demo accounts: %+v", demo)
	}
	// A later start lists them again (make run prints them), but one
	// disabled since is not offered.
	if err := f.svc.Disable(ctx, "sam", "admin"); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.EnsureDemo(ctx)
	if err != nil || len(again) != 2 || again[0].ID != "anna" || again[1].ID != "rita" {
		t.Fatalf("second EnsureDemo: %+v %v", again, err)
	}
	if accts, _ := f.svc.List(ctx); len(accts) != 3 {
		t.Fatalf("the second EnsureDemo added accounts: %+v", accts)
	}
	// Where an account exists, none is added.
	g := newFixture(t, Options{})
	g.add("owner", kiosk.RoleSupervisor, "5555", "")
	if d, err := g.svc.EnsureDemo(ctx); err != nil || d != nil {
		t.Fatalf("EnsureDemo beside an account: %v %v", d, err)
	}
	if accts, _ := g.svc.List(ctx); len(accts) != 1 {
		t.Fatalf("accounts: %+v", accts)
	}
}

func TestPINHash(t *testing.T) {
	ctx := context.Background()
	h := newHasher()
	enc, err := h.hash(ctx, "2580")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := h.hash(ctx, "2580")
	if enc == other {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", enc)
	}
	for _, tc := range []struct {
		name, encoded, pin string
		ok                 bool
		err                error
	}{
		{"right", enc, "2580", true, nil},
		{"wrong", enc, "2581", false, nil},
		{"prefix", enc, "258", false, nil},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuQ8p4S8XB7rUmC9Ai1J0x8VcXoU9tCKa", "2580", false, errHashFormat},
		{"huge memory", strings.Replace(enc, "m=64,", "m=4194304,", 1), "2580", false, errHashFormat},
		{"many passes", strings.Replace(enc, "t=1,", "t=1000,", 1), "2580", false, errHashFormat},
		{"empty", "", "2580", false, errHashFormat},
		{"truncated key", enc[:len(enc)-30], "2580", false, errHashFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.verify(ctx, tc.pin, tc.encoded)
			if ok != tc.ok || !errors.Is(err, tc.err) && !(err == nil && tc.err == nil) {
				t.Fatalf("verify = %v, %v", ok, err)
			}
		})
	}
	// What ships: argon2id, at least RFC 9106's second recommended memory.
	if productionKDF.Memory < 64*1024 || productionKDF.Time < 2 || productionKDF.Threads != 1 {
		t.Fatalf("shipped parameters %+v", productionKDF)
	}
}

// BenchmarkHashPIN measures one PIN check with the shipped parameters:
// pinKDF is tuned so this takes 50-100 ms on the kiosk's reference machine.
func BenchmarkHashPIN(b *testing.B) {
	saved := pinKDF
	pinKDF = productionKDF
	defer func() { pinKDF = saved }()
	h := newHasher()
	enc, err := h.hash(context.Background(), "2580")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.verify(context.Background(), "2581", enc); ok {
			b.Fatal("wrong PIN matched")
		}
	}
}

// TestConcurrentLogins: wrong PINs from many handhelds at once lock the
// account once, and sessions used from many goroutines stay consistent
// (run with -race).
func TestConcurrentLogins(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	f.add("sam", kiosk.RoleSupervisor, "1397", "")
	sess, err := f.svc.Login(ctx, "sam", "1397", "office")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			f.svc.Login(ctx, "anna", "0000", fmt.Sprint("handheld ", i))
			if _, ok := f.svc.Session(sess.Token); !ok {
				t.Error("sam's session ended")
			}
		})
	}
	wg.Wait()
	if n := f.count(ActionLockout, OutcomeLocked); n != 1 {
		t.Fatalf("%d lockouts", n)
	}
	if n := f.count(ActionLoginFailed, OutcomeBadPIN) + f.count(ActionLoginFailed, OutcomeLocked); n != 12 {
		t.Fatalf("%d failed logins audited, want 12", n)
	}
	if _, err := f.svc.Login(ctx, "anna", "2580", "office"); !errors.Is(err, ErrLocked) {
		t.Fatalf("after the storm: %v", err)
	}
}

// TestIsBadge: the lane's badge check knows an enabled account's badge and
// nothing else: not a product code, not a PIN, not a disabled account's badge.
func TestIsBadge(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	f.add("anna", kiosk.RoleAttendant, "2580", "BADGE-ANNA-000001")
	f.add("sam", kiosk.RoleSupervisor, "1397", "BADGE-SAM-0000002")
	for _, tc := range []struct {
		code string
		want bool
	}{
		{"BADGE-ANNA-000001", true},
		{"BADGE-SAM-0000002", true},
		{"badge-anna-000001", false},
		{"4006381333931", false},
		{"2580", false},
		{"", false},
		{"BADGE-ANNA-000001\r", false},
	} {
		if got := f.svc.IsBadge(tc.code); got != tc.want {
			t.Errorf("IsBadge(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if err := f.svc.Disable(ctx, "sam", "admin"); err != nil {
		t.Fatal(err)
	}
	if f.svc.IsBadge("BADGE-SAM-0000002") {
		t.Error("a disabled account's badge still opens the login")
	}
}

// TestSessionsBounded: logging in again and again (one valid PIN, a page that
// never logs out) keeps at most MaxAccountSessions of an account and
// MaxSessions in all, ending the least recently used; the one in use stays.
func TestSessionsBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	f.add("anna", kiosk.RoleAttendant, "2580", "")
	kept, err := f.svc.Login(ctx, "anna", "2580", "h")
	if err != nil {
		t.Fatal(err)
	}
	var first *Session
	for i := range 3 * MaxAccountSessions {
		f.clk.Add(time.Second)
		if _, ok := f.svc.Session(kept.Token); !ok { // in use all along
			t.Fatalf("login %d ended the session in use", i)
		}
		s, err := f.svc.Login(ctx, "anna", "2580", "h")
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = s
		}
	}
	if _, ok := f.svc.Session(first.Token); ok {
		t.Error("the least recently used session outlived the account's limit")
	}
	f.svc.mu.Lock()
	n := len(f.svc.sessions)
	f.svc.mu.Unlock()
	if n != MaxAccountSessions {
		t.Errorf("%d sessions of one account, want %d", n, MaxAccountSessions)
	}

	// Across accounts: MaxSessions in all.
	var pins []string
	for i := range MaxSessions/MaxAccountSessions + 2 {
		id := fmt.Sprintf("s%03d", i)
		f.add(id, kiosk.RoleAttendant, "1111", "")
		pins = append(pins, id)
	}
	for _, id := range pins {
		for range MaxAccountSessions {
			if _, err := f.svc.Login(ctx, id, "1111", "h"); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.svc.mu.Lock()
	n = len(f.svc.sessions)
	f.svc.mu.Unlock()
	if n > MaxSessions {
		t.Errorf("%d sessions, want at most %d", n, MaxSessions)
	}
}

// TestAuditCleansWhatItIsGiven: an entry's text is made fit for the log by
// Audit itself, whoever wrote it (a hub forwards what a handheld sent; a
// reprint's target is the handheld's): no control characters, bounded.
func TestAuditCleansWhatItIsGiven(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	long := strings.Repeat("x", 10000)
	err := f.svc.Audit(ctx, AuditEntry{Actor: "sam\x1b[2J", Role: "supervisor\n", Action: "price_override", Lane: long,
		Target: "txn \x00" + long, Where: "via 10.0.0.1 from handheld\r\n" + long, Outcome: "ok",
		Detail: map[string]any{"reason": "\x1b]0;owned\x07" + long, "price": "1.00\n", "qty": 2}})
	if err != nil {
		t.Fatal(err)
	}
	log := f.audit()
	e := log[len(log)-1]
	for name, v := range map[string]string{"actor": e.Actor, "role": e.Role, "lane": e.Lane, "target": e.Target, "where": e.Where,
		"reason": e.Detail["reason"].(string), "price": e.Detail["price"].(string)} {
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(v) > 1024 {
			t.Errorf("%s = %q (%d bytes)", name, v[:min(len(v), 80)], len(v))
		}
	}
	if e.Actor != "sam[2J" || e.Role != "supervisor" || len(e.Lane) != 64 || e.Detail["price"] != "1.00" || e.Detail["qty"] != 2.0 {
		t.Errorf("entry %+v", e)
	}
}
