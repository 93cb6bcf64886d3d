package hq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Service is HQ: its database and the one ingest that runs at a time.
type Service struct {
	db  *gorm.DB
	log *slog.Logger
	now func() time.Time

	// ingest serializes Ingest. Rows are then committed in the order of
	// their autoincrement IDs, which the pull API's cursors rely on: with
	// concurrent writers (on PostgreSQL a sequence value is taken before the
	// commit) a reader paging by ID could pass a row that commits later
	// with a lower ID, and never see it.
	ingest sync.Mutex
	// tokens caches Authenticate: token hash -> Principal (cleared when a
	// token is made or disabled).
	tokens sync.Map
}

// Options are a Service's settings; the zero value is fine.
type Options struct {
	Log *slog.Logger
	Now func() time.Time
}

// Open opens HQ's database through dialector (glebarez/sqlite's or
// postgres's) and creates or updates its tables.
func Open(ctx context.Context, dialector gorm.Dialector, opt Options) (*Service, error) {
	db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, PrepareStmt: true,
		NowFunc: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		return nil, fmt.Errorf("hq: open: %w", err)
	}
	s := &Service{db: db.WithContext(ctx), log: opt.Log, now: opt.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if db.Dialector.Name() == "sqlite" {
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		// One writer connection: SQLite has one writer anyway, and a second
		// connection would only wait on the file lock.
		sqlDB.SetMaxOpenConns(1)
		for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"} {
			if err := db.Exec(p).Error; err != nil {
				return nil, fmt.Errorf("hq: %s: %w", p, err)
			}
		}
	}
	if err := db.WithContext(ctx).AutoMigrate(models...); err != nil {
		return nil, fmt.Errorf("hq: migrate: %w", err)
	}
	return s, nil
}

// DB is the service's database, for tests and benchmarks.
func (s *Service) DB() *gorm.DB { return s.db }

// Close closes the database.
func (s *Service) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Kinds of error the HTTP layer maps to status codes.
var (
	ErrInvalid   = errors.New("invalid")      // 400: the request is malformed
	ErrForbidden = errors.New("forbidden")    // 403: not this token's store
	ErrConflict  = errors.New("conflict")     // 409: contradicts what HQ holds
	ErrNotFound  = errors.New("not found")    // 404
	ErrAuth      = errors.New("unauthorized") // 401
)

// GapError says a batch starts beyond the next Seq HQ expects of its lane:
// HQ stored nothing of it, and the lane should send from Next.
type GapError struct {
	Lane      string
	Next, Got int64
	AuditNext int64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("hq: lane %s: expected seq %d, the batch starts at %d", e.Lane, e.Next, e.Got)
}
