package kiosk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/devices"
	"github.com/kiosk-sco/kiosk/kiosk/bagging"
	"github.com/kiosk-sco/kiosk/kiosk/pricing"
	"github.com/kiosk-sco/kiosk/store"
)

// Config describes one lane.
type Config struct {
	Store    string // store number, digits
	Lane     string // lane number within the store, digits
	Currency string // ISO 4217, e.g. EUR
	Lang     string // default screen language
	Rates    catalog.VATRates
	Decode   catalog.DecodeOptions
	Receipt  ReceiptConfig
	// ProduceScale says the lane has a produce scale: weighed items are then
	// weighed on it, and a weight typed on the screen is refused (it is for
	// lanes without a scale).
	ProduceScale bool
	// ScaleNoiseG is the produce scale's noise in grams (default 10): a
	// reading at most this is an empty scale, which a new load needs between
	// two weighed lines.
	ScaleNoiseG int
	// PlusKey is when "+" may raise a line's quantity; otherwise each further
	// unit is scanned.
	PlusKey PlusKeyRule
	// IdemMaxAge is how long an idempotency key is remembered (default 48 h).
	IdemMaxAge time.Duration
	// MaxLines bounds the lines of one basket, voided ones included
	// (default DefaultMaxLines): a basket is a shopping trip, not a storage
	// that a stuck key or a game can fill.
	MaxLines int
	// Location is the store's time zone: transaction ids, receipts and the
	// screen show its local time; what is stored stays UTC. Default time.Local.
	Location *time.Location
	// Terminal is the lane's card terminal; nil: shoppers pay at the attendant.
	Terminal devices.PaymentTerminal
	// Printer prints the paid receipt when the shopper asks for it; nil: the
	// receipt is shown as a QR code only.
	Printer Printer
	// Payment holds the caps on offline card approvals.
	Payment PaymentConfig
	// RemoteAgeChecks lets remote staff approve age checks (a store with a
	// camera at the lane, where the law allows it); otherwise an age check
	// needs someone at the lane.
	RemoteAgeChecks bool
	// StaffBadge reports whether a code the lane's scanner read is a staff
	// badge. Such a read is neither looked up nor journaled: subscribers get a
	// Notice{Kind: "staff_badge", Code: code} (the lane's own screen opens the
	// attendant login with it). It runs on the lane's goroutine: keep it
	// quick (a lookup in memory). nil: no badges.
	StaffBadge func(code string) bool
	// Bagging turns on the bagging-area rules with these thresholds (see
	// package bagging); nil: the lane has no bagging scale to check, its
	// weights are only journaled.
	Bagging *bagging.Settings
	// Now is the lane's clock: timestamps and alert escalations follow it.
	Now func() time.Time
	// Tick makes the lane check its alerts' escalations, at Now (the value
	// sent is ignored). nil: once a second.
	Tick <-chan time.Time
	Log  *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Store == "" {
		c.Store = "0001"
	}
	if c.Lane == "" {
		c.Lane = "01"
	}
	if !digits(c.Store) || len(c.Store) > 6 || !digits(c.Lane) || len(c.Lane) > 3 {
		return fmt.Errorf("kiosk: store (1-6 digits) and lane (1-3 digits) must be digits, got %q and %q", c.Store, c.Lane)
	}
	if c.Currency == "" {
		c.Currency = "EUR"
	}
	if c.Lang == "" {
		c.Lang = "en"
	}
	if !knownLang(c.Lang) {
		return fmt.Errorf("kiosk: unknown language %q", c.Lang)
	}
	if c.Rates == nil {
		c.Rates = catalog.DefaultVATRates()
	}
	if c.Receipt.WidthMM == 0 {
		c.Receipt.WidthMM = 80
	}
	if len(c.Receipt.Header) == 0 {
		c.Receipt.Header = []string{"kiosk demo store", "Store " + c.Store + " / Lane " + c.Lane}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ScaleNoiseG <= 0 {
		c.ScaleNoiseG = 10
	}
	if c.PlusKey.MaxUnitPrice.IsNegative() || c.PlusKey.MaxQty < 0 || c.PlusKey.MaxQty > MaxQty {
		return fmt.Errorf("kiosk: plusKey: maxUnitPrice must be 0 or more and maxQty 0..%d", MaxQty)
	}
	if c.IdemMaxAge <= 0 {
		c.IdemMaxAge = 48 * time.Hour
	}
	if c.MaxLines <= 0 {
		c.MaxLines = DefaultMaxLines
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Payment.StatusEvery <= 0 {
		c.Payment.StatusEvery = time.Minute
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Bagging != nil {
		s := c.Bagging.WithDefaults()
		if err := s.Check(); err != nil {
			return err
		}
		c.Bagging = &s
	}
	return nil
}

// PlusKeyRule says when "+" on the screen may raise the quantity of a line
// sold by the piece. The zero rule never allows it: each further unit is
// scanned, so that what is in the bag went over the scanner. A store may allow
// it for low-value items (bread rolls at 0.35) up to a quantity; never for
// age-restricted items.
type PlusKeyRule struct {
	MaxUnitPrice decimal.Decimal `json:"maxUnitPrice"` // highest unit price "+" works for; 0: never
	MaxQty       int             `json:"maxQty"`       // highest quantity "+" may reach (default MaxQty)
}

// allows reports whether "+" may take ln to qty.
func (r PlusKeyRule) allows(ln *line, qty int) bool {
	if ln.minAge > 0 || ln.embedded != nil || ln.soldBy != catalog.ByEach || ln.voided {
		return false
	}
	maxQty := r.MaxQty
	if maxQty == 0 {
		maxQty = MaxQty
	}
	return r.MaxUnitPrice.IsPositive() && ln.unit.LessThanOrEqual(r.MaxUnitPrice) && qty <= maxQty
}

// DefaultMaxLines is the default limit of lines per basket.
const DefaultMaxLines = 300

func knownLang(s string) bool {
	for _, l := range catalog.Langs {
		if string(l) == s {
			return true
		}
	}
	return false
}

// Lane is one self-checkout lane. Its state belongs to the goroutine in Run; other
// goroutines talk to it through Do, View, Subscribe and EventsAfter.
type Lane struct {
	cfg     Config
	id      string
	db      *store.DB
	cat     *catalog.DB
	reqs    chan request
	devs    chan devices.Event
	done    chan struct{}
	view    atomic.Pointer[View]
	devView atomic.Pointer[[]DeviceView]
	hub     hub
	st      state // owned by Run
	idem    map[string]idemEntry
	stmt    statements
	// currencyNumeric is the store currency's ISO 4217 number, as GS1 AI
	// 393n labels carry it.
	currencyNumeric string
	// runCtx is Run's context: the payment and print workers run under it.
	runCtx  context.Context
	workers sync.WaitGroup
	term    *guardedTerminal // cfg.Terminal, one call at a time
	// learned is what the lane learned of its products' bagging weights,
	// by GTIN; owned by Run, changed only after a commit.
	learned map[string]bagging.Stats
}

type request struct {
	ctx   context.Context
	cmd   Command
	reply chan reply
}

type reply struct {
	res Result
	err error
}

// Open loads the lane's open transaction and alerts from db. Call Run to serve it.
func Open(ctx context.Context, db *store.DB, cat *catalog.DB, cfg Config) (*Lane, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	l := &Lane{
		cfg:  cfg,
		id:   cfg.Store + "-" + cfg.Lane,
		db:   db,
		cat:  cat,
		reqs: make(chan request),
		devs: make(chan devices.Event, 64),
		done: make(chan struct{}),
		idem: map[string]idemEntry{},
	}
	// Unknown to the table: a GS1 393n label (price with its currency) is
	// then refused, as in any other currency; nothing else needs the number.
	l.currencyNumeric, _ = catalog.CurrencyNumeric(cfg.Currency)
	l.Attach(cfg.Terminal, cfg.Printer)
	if err := l.stmt.prepare(ctx, db.W); err != nil {
		return nil, err
	}
	st, err := l.load(ctx)
	if err == nil {
		err = l.loadLearned(ctx)
	}
	if err != nil {
		l.stmt.close()
		return nil, err
	}
	l.st = st
	l.view.Store(l.buildView(&l.st))
	return l, nil
}

// Attach sets the lane's card terminal and receipt printer (nil: none), for
// devices started after Open. Call it before Run.
func (l *Lane) Attach(term devices.PaymentTerminal, p Printer) {
	if g, ok := term.(*guardedTerminal); ok {
		term = g.PaymentTerminal
	}
	l.term = nil
	l.cfg.Terminal, l.cfg.Printer = nil, p
	if term != nil {
		l.term = &guardedTerminal{PaymentTerminal: term}
		l.cfg.Terminal = l.term
	}
	l.view.Store(l.buildView(&l.st)) // what the pay screen offers may change
}

// ID returns the lane id, store-lane (e.g. "0001-01").
func (l *Lane) ID() string { return l.id }

// Config returns the lane's configuration.
func (l *Lane) Config() Config { return l.cfg }

// View returns the latest committed view.
func (l *Lane) View() *View { return l.view.Load() }

// Done is closed when Run has returned.
func (l *Lane) Done() <-chan struct{} { return l.done }

// Run serves commands one at a time until ctx ends, then closes every subscription.
func (l *Lane) Run(ctx context.Context) {
	defer func() {
		l.stmt.close()
		l.hub.closeAll()
		close(l.done)
	}()
	l.runCtx = ctx
	l.resumePayment(ctx)
	if l.term != nil {
		l.workers.Add(1)
		go l.watchTerminal(ctx, l.term)
	}
	tick := l.cfg.Tick
	if tick == nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			l.tick(context.WithoutCancel(ctx))
		case r := <-l.reqs:
			// Once the lane took a command it runs it to its end, whatever
			// becomes of the caller: a commit half-way is not a thing, and
			// the caller learns the outcome by retrying with its key. Without
			// a cancellable context database/sql also starts no goroutine per
			// statement to watch it.
			res, err := l.handle(context.WithoutCancel(r.ctx), r.cmd)
			r.reply <- reply{res, err}
		case ev := <-l.devs:
			l.handleDevice(context.WithoutCancel(ctx), ev) // as commands: run to the end
		}
	}
}

// tick escalates the open alerts whose time is up. The clock is read only
// while an alert may still escalate, and the state copied only when one is due.
func (l *Lane) tick(ctx context.Context) {
	var bagDue time.Time
	if l.bagOn(&l.st) {
		bagDue = l.st.txn.bag.NextDue()
	}
	if !l.st.escalating() && bagDue.IsZero() {
		return
	}
	now := l.cfg.Now().UTC()
	if !l.st.due(now) && (bagDue.IsZero() || now.Before(bagDue)) {
		return
	}
	if _, err := l.handle(ctx, Command{Op: opTick, staffOnly: true, at: now}); err != nil {
		l.cfg.Log.Error("lane: escalation failed", "lane", l.id, "err", err)
	}
}

// Do hands cmd to the lane and waits for its result. A command that returns an
// error changed nothing.
func (l *Lane) Do(ctx context.Context, cmd Command) (Result, error) {
	cmd.staffOnly = false
	return l.do(ctx, cmd)
}

// Resolve is the staff command that closes an alert with an outcome (approved,
// rejected or done). It is not reachable from the shopper API.
func (l *Lane) Resolve(ctx context.Context, alertID int64, outcome, by, idemKey string) (Result, error) {
	return l.do(ctx, Command{Op: OpResolve, AlertID: alertID, Outcome: outcome, By: by, IdemKey: idemKey, staffOnly: true})
}

// CashTaken is the staff command that completes a pay-at-attendant sale: the
// money was taken. It is not reachable from the shopper API.
func (l *Lane) CashTaken(ctx context.Context, by, idemKey string) (Result, error) {
	return l.do(ctx, Command{Op: OpCashTaken, By: by, IdemKey: idemKey, staffOnly: true})
}

func (l *Lane) do(ctx context.Context, cmd Command) (Result, error) {
	r := request{ctx: ctx, cmd: cmd, reply: make(chan reply, 1)}
	select {
	case l.reqs <- r:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-l.done:
		return Result{}, ErrClosed
	}
	select {
	case rep := <-r.reply:
		return rep.res, rep.err
	case <-l.done:
		return Result{}, ErrClosed
	}
}

// Subscribe returns a channel of updates after each commit and a cancel func. A
// subscriber that falls behind by more than buf updates is dropped (its channel
// closes) and should resume from the journal with EventsAfter.
func (l *Lane) Subscribe(buf int) (<-chan Update, func()) { return l.hub.subscribe(buf) }

// handle runs one command against a copy of the state and, when it changed
// something, commits events and projections in one transaction before making the
// copy the lane's state and telling subscribers.
func (l *Lane) handle(ctx context.Context, cmd Command) (Result, error) {
	if err := cmd.check(); err != nil {
		return Result{}, err
	}
	if cmd.IdemKey != "" {
		if res, ok, err := l.replay(ctx, cmd); err != nil || ok {
			return res, err
		}
	}
	st := l.st.clone()
	now := cmd.at
	if now.IsZero() {
		now = l.cfg.Now().UTC()
	}
	w := &writer{l: l, ctx: ctx, st: &st, now: now}
	err := l.apply(w, cmd)
	if err == nil && len(w.events) == 0 && cmd.IdemKey == "" {
		// Nothing to record. Every journaled change emits an event, so what the
		// copy may differ in is device memory (a status without new faults):
		// keep it.
		w.rollback()
		l.st = st
		l.storeDevices(&st)
		return Result{View: l.View(), Events: []Event{}}, nil
	}
	var view *View
	if err == nil && st.txn != nil && len(w.changed) > 0 {
		view = l.buildView(&st)
		err = w.exec(l.stmt.txnTotals, view.totalMinor, view.Totals.Items, st.txn.id)
	}
	if err == nil && w.bagDirty && st.txn != nil {
		var b []byte
		if b, err = json.Marshal(st.txn.bag); err == nil {
			_, err = w.execSQL(`UPDATE transactions SET bagging = ? WHERE id = ?`, string(b), st.txn.id)
		}
	}
	var idem idemEntry
	if err == nil && cmd.IdemKey != "" {
		// The key is kept even for a command that changed nothing, so that
		// another command cannot be sent under it later.
		idem = idemEntry{request: cmd.fingerprint()}
		if len(w.events) > 0 {
			idem.first, idem.last = w.events[0].Seq, w.events[len(w.events)-1].Seq
		}
		err = w.exec(l.stmt.idemInsert, l.id, cmd.IdemKey, store.Stamp(w.now), idem.request, idem.response())
	}
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		w.rollback()
		if _, ok := err.(*Error); !ok {
			l.cfg.Log.Error("lane: command failed", "lane", l.id, "op", cmd.Op, "err", err)
			err = &Error{Kind: KindInternal, Code: "lane.storage", Err: err}
		}
		return Result{}, err
	}
	if cmd.IdemKey != "" {
		l.rememberIdem(cmd.IdemKey, idem)
	}
	defer func() {
		for _, f := range w.after { // committed: now the terminal or the printer may be asked
			f()
		}
	}()
	if len(w.events) == 0 { // a no-op under a key: only the key was recorded
		l.st = st
		l.storeDevices(&st)
		return Result{View: l.View(), Events: []Event{}}, nil
	}
	if view == nil {
		view = l.buildView(&st)
	}
	view.Seq = st.seq
	res := Result{View: view, Events: w.events, Patch: view.patch(l.st.seq, w.changed)}
	l.st = st
	l.view.Store(view)
	l.storeDevices(&st)
	l.hub.publish(Update{Events: w.events, View: view, Patch: res.Patch})
	return res, nil
}

// idemEntry is what an idempotency key stands for: a fingerprint of the
// command it came with and the journal range of its events (zero when it
// changed nothing). It stays small whatever the basket holds: a replay reads
// the events back and shows today's view.
type idemEntry struct {
	request     string
	first, last int64
}

func (e idemEntry) response() string {
	return fmt.Sprintf(`{"first":%d,"last":%d}`, e.first, e.last)
}

func (l *Lane) rememberIdem(key string, e idemEntry) {
	if len(l.idem) >= 4096 {
		clear(l.idem)
	}
	l.idem[key] = e
}

// replay answers a command whose idempotency key was seen before: the same
// command gets its events again, with the lane's current view; another command
// under the same key is refused, since answering it with the first result would
// silently drop it.
func (l *Lane) replay(ctx context.Context, cmd Command) (Result, bool, error) {
	e, ok := l.idem[cmd.IdemKey]
	if !ok {
		var resp string
		err := l.db.R.QueryRowContext(ctx, `SELECT request, response FROM idempotency WHERE lane_id = ? AND key = ?`, l.id, cmd.IdemKey).
			Scan(&e.request, &resp)
		if err == sql.ErrNoRows {
			return Result{}, false, nil
		}
		if err != nil {
			return Result{}, false, &Error{Kind: KindInternal, Code: "lane.storage", Err: err}
		}
		var r struct{ First, Last int64 }
		if err := json.Unmarshal([]byte(resp), &r); err != nil {
			return Result{}, false, &Error{Kind: KindInternal, Code: "lane.storage", Err: err}
		}
		e.first, e.last = r.First, r.Last
		l.rememberIdem(cmd.IdemKey, e)
	}
	if e.request != cmd.fingerprint() {
		return Result{}, false, errorf(KindState, "request.idempotency_key_reused", "idempotency key %q was used for another command", cmd.IdemKey)
	}
	res := Result{View: l.View(), Events: []Event{}, Replayed: true}
	if e.first > 0 {
		evs, err := l.eventsBetween(ctx, e.first, e.last)
		if err != nil {
			return Result{}, false, &Error{Kind: KindInternal, Code: "lane.storage", Err: err}
		}
		res.Events = evs
	}
	return res, true, nil
}

// pruneIdem forgets idempotency keys older than the configured age: a retry
// comes within seconds, or after a restart within minutes, never days later.
func (l *Lane) pruneIdem(w *writer) error {
	_, err := w.execSQL(`DELETE FROM idempotency WHERE lane_id = ? AND at < ?`, l.id, store.Stamp(w.now.Add(-l.cfg.IdemMaxAge)))
	// The cache forgets too (it reads what is still kept back on demand), so
	// that an old key is forgotten however long the process has run. Clearing
	// it before the commit is safe: a rolled-back prune only costs reads.
	clear(l.idem)
	return err
}

// writer collects one command's writes in a transaction begun at the first write.
type writer struct {
	l       *Lane
	ctx     context.Context
	st      *state
	now     time.Time
	tx      *sql.Tx
	events  []Event
	changed []int    // numbers of the lines the command added or changed
	after   []func() // run once the command is committed (start a payment, print)
	// bagDirty: the transaction's bagging state changed and is saved with
	// the commit.
	bagDirty bool
}

func (w *writer) begin() error {
	if w.tx != nil {
		return nil
	}
	tx, err := w.l.db.W.BeginTx(w.ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	w.tx = tx
	return nil
}

func (w *writer) exec(stmt *sql.Stmt, args ...any) error {
	if err := w.begin(); err != nil {
		return err
	}
	_, err := w.tx.StmtContext(w.ctx, stmt).ExecContext(w.ctx, args...)
	return err
}

func (w *writer) execSQL(q string, args ...any) (sql.Result, error) {
	if err := w.begin(); err != nil {
		return nil, err
	}
	return w.tx.ExecContext(w.ctx, q, args...)
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *writer) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

// emit appends an event to the journal in the command's transaction.
func (w *writer) emit(typ string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	seq := w.st.seq + 1
	var txn any
	ev := Event{ID: id.String(), Lane: w.l.id, Seq: seq, Type: typ, At: w.now, Body: b}
	if w.st.txn != nil {
		ev.Txn = w.st.txn.id
		txn = ev.Txn
	}
	if err := w.exec(w.l.stmt.journal, ev.ID, ev.Lane, ev.Seq, txn, ev.Type, store.Stamp(ev.At), string(b)); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	w.st.seq = seq
	ev.raw = ev.JSON() // once, for every reader of it
	w.events = append(w.events, ev)
	return nil
}

// statements are the hot-path statements, prepared once on the writer connection.
type statements struct {
	journal, lineInsert, lineUpdate, txnTotals, idemInsert, alertInsert, alertResolve *sql.Stmt
}

func (s *statements) prepare(ctx context.Context, db *sql.DB) error {
	var err error
	p := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, q)
		return st
	}
	s.journal = p(`INSERT INTO journal (event_id, lane_id, seq, txn_id, type, at, body) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	s.lineInsert = p(`INSERT INTO lines (txn_id, line_no, gtin, plu, code, names, sold_by, qty, weight_g, unit_minor, embedded_minor, amount_minor, vat_class, vat_rate, min_age, voided, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	s.lineUpdate = p(`UPDATE lines SET qty = ?, amount_minor = ?, voided = ? WHERE txn_id = ? AND line_no = ?`)
	s.txnTotals = p(`UPDATE transactions SET total_minor = ?, items = ? WHERE id = ?`)
	s.idemInsert = p(`INSERT INTO idempotency (lane_id, key, at, request, response) VALUES (?, ?, ?, ?, ?)`)
	s.alertInsert = p(`INSERT INTO alerts (lane_id, txn_id, type, blocking, detail, raised_at, role, escalates_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	s.alertResolve = p(`UPDATE alerts SET resolved_at = ?, resolved_by = ?, resolution = ?, reason = ? WHERE id = ? AND resolved_at IS NULL`)
	if err != nil {
		s.close()
		return fmt.Errorf("kiosk: prepare: %w", err)
	}
	return nil
}

func (s *statements) close() {
	for _, st := range []*sql.Stmt{s.journal, s.lineInsert, s.lineUpdate, s.txnTotals, s.idemInsert, s.alertInsert, s.alertResolve} {
		if st != nil {
			st.Close()
		}
	}
}

func minor(d decimal.Decimal) int64 { return d.Shift(pricing.MinorDigits).Round(0).IntPart() }

func fromMinor(m int64) decimal.Decimal { return decimal.New(m, -pricing.MinorDigits) }
