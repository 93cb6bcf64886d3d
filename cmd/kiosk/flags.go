package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns the flag set of "kiosk <synopsis>": errors go to stderr,
// and its usage is the synopsis, about (if any) and the flags.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: kiosk %s\n", synopsis)
		if about != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(about))
		}
		fmt.Fprintf(w, "\nFlags (before or after the arguments; -- ends them):\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args allowing flags before, between and after the
// arguments ("alert resolve 3 --by anna" and "alert resolve --by anna 3"); a
// "--" makes everything after it an argument. -h, -help and --help print the
// usage on stdout and return flag.ErrHelp, which run turns into exit code 0.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var flags, operands []string
	help := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if (name == "h" || name == "help") && fs.Lookup(name) == nil {
			help = true
			continue
		}
		flags = append(flags, a)
		f := fs.Lookup(name)
		if hasValue || f == nil || isBoolFlag(f) {
			continue // an unknown flag is left for fs.Parse to report
		}
		if i+1 == len(args) {
			fmt.Fprintf(fs.Output(), "flag needs an argument: %s\n", a)
			fs.Usage()
			return fmt.Errorf("%w: flag needs an argument: %s", errFlags, a)
		}
		i++ // the flag's value, even if it looks like a flag
		flags = append(flags, args[i])
	}
	if help {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(append(append(flags, "--"), operands...)); err != nil {
		return fmt.Errorf("%w: %v", errFlags, err)
	}
	return nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// wantsHelp reports whether args ask a command group for its usage.
func wantsHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help")
}
