package hq

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kiosk-sco/kiosk/hqwire"
)

// MaxCatalogBytes bounds a published catalog.
const MaxCatalogBytes = 256 << 20

// requiredColumns are the catalog CSV columns every row must have (the
// lane's import format; the lane checks every field again when it imports).
var requiredColumns = []string{"gtin", "name_en", "price", "sold_by", "vat_class"}

// knownColumns are every column of the import format.
var knownColumns = map[string]bool{"gtin": true, "plu": true, "name_en": true, "name_de": true, "name_es": true, "price": true,
	"sold_by": true, "vat_class": true, "min_age": true, "weight_g": true, "weight_tolerance_g": true, "category": true,
	"variable_measure": true, "bagging": true}

// CatalogError is a refused publication: each problem with its line.
type CatalogError struct {
	Problems []string
}

func (e *CatalogError) Error() string {
	return fmt.Sprintf("hq: catalog refused: %s", strings.Join(e.Problems, "; "))
}

// Unwrap makes a CatalogError an ErrInvalid.
func (e *CatalogError) Unwrap() error { return ErrInvalid }

// PublishCatalog checks a catalog CSV and publishes it as the next version,
// full (it replaces the lane's catalog) or delta (it adds or changes the
// products it lists), for one store or, store empty, the chain. A file with
// a problem is refused whole: nothing is published, and the error lists the
// problems by line (at most 50).
func (s *Service) PublishCatalog(ctx context.Context, body []byte, mode, store, by, note string) (Catalog, error) {
	if mode != hqwire.CatalogFull && mode != hqwire.CatalogDelta {
		return Catalog{}, fmt.Errorf("%w: mode %q: full or delta", ErrInvalid, mode)
	}
	if store != "" && !ident(store, 32) {
		return Catalog{}, fmt.Errorf("%w: store %q", ErrInvalid, store)
	}
	if !text(note, 256) {
		return Catalog{}, fmt.Errorf("%w: note: at most 256 characters", ErrInvalid)
	}
	rows, err := checkCatalog(body)
	if err != nil {
		return Catalog{}, err
	}
	sum := sha256.Sum256(body)
	c := Catalog{Mode: mode, Store: store, SHA256: hex.EncodeToString(sum[:]), Rows: rows, Size: int64(len(body)), Body: body,
		PublishedAt: s.now().UTC(), By: by, Note: note}
	if err := s.db.WithContext(ctx).Create(&c).Error; err != nil {
		return Catalog{}, err
	}
	c.Body = nil
	return c, nil
}

// checkCatalog is the structural check HQ can make of the import format:
// UTF-8 CSV (comma or semicolon), the required columns, no unknown or
// repeated one, every row as wide as the header with a GTIN of 8..14 digits
// and a price. It returns the number of product rows.
func checkCatalog(body []byte) (int, error) {
	var probs []string
	add := func(f string, a ...any) bool {
		probs = append(probs, fmt.Sprintf(f, a...))
		return len(probs) < 50
	}
	switch {
	case len(body) == 0:
		return 0, &CatalogError{[]string{"the file is empty"}}
	case len(body) > MaxCatalogBytes:
		return 0, &CatalogError{[]string{fmt.Sprintf("the file has %d bytes, at most %d", len(body), MaxCatalogBytes)}}
	case !utf8.Valid(body):
		return 0, &CatalogError{[]string{"the file is not UTF-8 text"}}
	}
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(body))
	if first, _, _ := bytes.Cut(body, []byte("\n")); bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return 0, &CatalogError{[]string{"line 1: no header row: " + err.Error()}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !knownColumns[h]:
			add("line 1: unknown column %q", h)
		case col[h] != 0:
			add("line 1: column %q twice", h)
		}
		col[h] = i + 1
	}
	for _, c := range requiredColumns {
		if col[c] == 0 {
			add("line 1: column %q is missing", c)
		}
	}
	if len(probs) > 0 {
		return 0, &CatalogError{probs}
	}
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			add("line %d: %v", line, err)
			break
		}
		line, _ := r.FieldPos(0)
		rows++
		if len(rec) != len(header) {
			if !add("line %d: %d fields, the header has %d", line, len(rec), len(header)) {
				break
			}
			continue
		}
		g := strings.TrimSpace(rec[col["gtin"]-1])
		if len(g) < 8 || len(g) > 14 || strings.Trim(g, "0123456789") != "" {
			if !add("line %d: gtin %q: 8 to 14 digits", line, cut(g)) {
				break
			}
		}
		p := strings.TrimSpace(rec[col["price"]-1])
		if p == "" || strings.Trim(p, "0123456789.,") != "" {
			if !add("line %d: price %q: a number such as 1.99", line, cut(p)) {
				break
			}
		}
	}
	if rows == 0 && len(probs) == 0 {
		add("no product rows")
	}
	if len(probs) > 0 {
		return 0, &CatalogError{probs}
	}
	return rows, nil
}

func cut(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// NextCatalog is the publication a lane of store should apply after the
// version it has (HQ's version numbers): the newest full catalog beyond
// have, if there is one (it replaces everything before it); else the oldest
// delta beyond have, so that deltas apply in order. nil: nothing new.
func (s *Service) NextCatalog(ctx context.Context, store string, have int64) (*Catalog, error) {
	db := s.db.WithContext(ctx)
	var c Catalog
	err := db.Where("version > ? AND mode = ? AND (store = '' OR store = ?)", have, hqwire.CatalogFull, store).Order("version DESC").Take(&c).Error
	if err == nil {
		return &c, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	err = db.Where("version > ? AND mode = ? AND (store = '' OR store = ?)", have, hqwire.CatalogDelta, store).Order("version").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Catalogs lists the publications, newest first, without their bodies.
func (s *Service) Catalogs(ctx context.Context, limit int) ([]Catalog, error) {
	var out []Catalog
	err := s.db.WithContext(ctx).Omit("body").Order("version DESC").Limit(max(1, min(limit, 1000))).Find(&out).Error
	return out, err
}
