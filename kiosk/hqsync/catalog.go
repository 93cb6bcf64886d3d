package hqsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kiosk-sco/kiosk/catalog"
)

// ImportCatalog is the Apply of a lane: HQ's push goes through the lane's
// own catalog import (validated whole before anything is written, applied
// in short transactions beside the selling lane, switched in atomically,
// recorded as a catalog version), full as a replace. A file with a bad row
// is refused whole; the error is the report HQ shows.
func ImportCatalog(cat *catalog.DB, rates catalog.VATRates) func(ctx context.Context, r io.Reader, full bool, version int64) error {
	return func(ctx context.Context, r io.Reader, full bool, version int64) error {
		res, err := cat.Import(ctx, r, catalog.ImportOptions{Rates: rates, Replace: full, Source: fmt.Sprintf("hq:v%d", version), Yield: -1})
		if errors.Is(err, catalog.ErrInvalidRows) {
			var b strings.Builder
			fmt.Fprintf(&b, "%d of %d rows are invalid; nothing was imported:", res.Bad, res.Rows+res.Bad)
			for _, re := range res.Errors[:min(len(res.Errors), 20)] {
				fmt.Fprintf(&b, " line %d", re.Line)
				if re.Column != "" {
					fmt.Fprintf(&b, " %s %q", re.Column, re.Value)
				}
				fmt.Fprintf(&b, ": %s;", re.Reason)
			}
			return errors.New(b.String())
		}
		return err
	}
}
