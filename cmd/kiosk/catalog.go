package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/kiosk-sco/kiosk/catalog"
	"github.com/kiosk-sco/kiosk/internal/atomicfile"
	"github.com/kiosk-sco/kiosk/store"
)

func catalogCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const catalogUsage = `Usage:
  kiosk catalog import [flags] FILE.csv     validate and import a catalog, all or nothing
  kiosk catalog export [flags] [-o FILE]    write the catalog as CSV
`
	if wantsHelp(args) {
		fmt.Fprint(stdout, catalogUsage)
		return nil
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, catalogUsage)
		return fmt.Errorf("%w: catalog import FILE.csv | catalog export [-o FILE]", errUsage)
	}
	switch args[0] {
	case "import":
		return catalogImport(ctx, args[1:], stdout, stderr)
	case "export":
		return catalogExport(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown catalog command %q", errUsage, args[0])
}

func catalogImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("catalog import", "catalog import [flags] FILE.csv",
		"Validate every row of FILE.csv, then import it (in short transactions into a staged copy,\nswitched in at once, while the lane keeps selling), or report every bad row as\nFILE:LINE: column \"value\": reason and import nothing.", stderr)
	var c commonFlags
	c.register(fs)
	replace := fs.Bool("replace", false, "delete products that are not in the file (default: add and update only)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: catalog import takes one FILE.csv", errUsage)
	}
	if err := c.load(fs); err != nil {
		return err
	}
	rates, err := c.cfg.rates()
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, c.cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()

	progress := newImportProgress(stderr, fi.Size(), fs.Arg(0))
	start := time.Now()
	res, err := catalog.NewDB(db).Import(ctx, f, catalog.ImportOptions{Rates: rates, Replace: *replace, Source: fs.Arg(0), Progress: progress.update})
	progress.done()
	if errors.Is(err, catalog.ErrInvalidRows) {
		for _, re := range res.Errors {
			where := ""
			if re.Column != "" {
				where = fmt.Sprintf(" %s %q:", re.Column, re.Value)
			}
			at := fs.Arg(0) + ":"
			if re.Line > 0 { // a clash with the catalog has no line of its own
				at += fmt.Sprintf("%d:", re.Line)
			}
			fmt.Fprintf(stderr, "%s%s %s\n", at, where, re.Reason)
		}
		if more := res.Bad - len(res.Errors); more > 0 {
			fmt.Fprintf(stderr, "... and %d more bad rows\n", more)
		}
		return fmt.Errorf("%s: %d of %d rows are invalid; nothing was imported", fs.Arg(0), res.Bad, res.Rows+res.Bad)
	}
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "imported %d products from %s in %s (%.0f rows/s)", res.Rows, fs.Arg(0), took.Round(time.Millisecond), float64(res.Rows)/took.Seconds())
	if *replace {
		fmt.Fprintf(stdout, ", removed %d", res.Deleted)
	}
	if res.Version.Version > 0 {
		fmt.Fprintf(stdout, "; catalog version %d, %d products", res.Version.Version, res.Version.Products)
	}
	fmt.Fprintln(stdout)
	return nil
}

// importProgress shows an import's two phases: validating the file (bytes
// read) and writing the new catalog (rows written).
type importProgress struct {
	w     io.Writer
	size  int64
	file  string
	phase catalog.ImportPhase
	set   func(n int64)
	end   func()
}

func newImportProgress(w io.Writer, size int64, file string) *importProgress {
	return &importProgress{w: w, size: size, file: file}
}

func (p *importProgress) update(ip catalog.ImportProgress) {
	if ip.Phase != p.phase {
		p.done()
		p.phase = ip.Phase
		// A small file is done before anyone reads a log line.
		logLines := p.size >= 1<<20
		switch ip.Phase {
		case catalog.PhaseValidate:
			p.set, p.end = newProgress(p.w, p.size, "checking "+p.file, false, logLines)
		default:
			p.set, p.end = newProgress(p.w, int64(ip.Total), "importing "+p.file, true, logLines)
		}
	}
	switch ip.Phase {
	case catalog.PhaseValidate:
		p.set(ip.Bytes)
	default:
		p.set(int64(ip.Rows))
	}
}

func (p *importProgress) done() {
	if p.end != nil {
		p.end()
		p.end = nil
	}
}

// newProgress draws a progress bar on a terminal and, with logLines, logs a
// line every 10 % otherwise. total counts bytes, or rows with rows.
func newProgress(w io.Writer, total int64, what string, rows, logLines bool) (func(int64), func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(!rows), progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		return func(n int64) { bar.Set64(n) }, func() { bar.Finish() }
	}
	next := int64(10)
	return func(n int64) {
		if !logLines || total <= 0 {
			return
		}
		for pct := n * 100 / total; pct >= next && next <= 100; next += 10 {
			fmt.Fprintf(w, "%s: %d%%\n", what, next)
		}
	}, func() {}
}

func catalogExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("catalog export", "catalog export [flags]", "Write the catalog as CSV, in the import's format.", stderr)
	var c commonFlags
	c.register(fs)
	out := fs.String("o", "", "output file, written atomically (default, or -: standard output)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: catalog export takes no arguments (the file is -o FILE)", errUsage)
	}
	if err := c.load(fs); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.NewDB(db)
	if *out == "" || *out == "-" {
		return cat.Export(ctx, stdout)
	}
	return atomicfile.Write(*out, func(w io.Writer) error { return cat.Export(ctx, w) })
}
