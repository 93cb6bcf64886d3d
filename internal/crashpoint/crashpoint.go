//go:build !sim

package crashpoint

// Hit does nothing outside builds with the "sim" tag.
func Hit(string) {}
