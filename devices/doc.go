// Package devices holds the contracts between the lane and its serial devices —
// scanner, scales, receipt printer — whose drivers and simulators live in the
// sub-packages.
//
// A driver speaks one wire protocol over an io.ReadWriteCloser (only
// devices/serialport opens real ports) and reports what happened as Events: a scan,
// a settled weight, or a status change such as a fault, an unplug or a recovery.
// The lane turns faults into alerts; devices import nothing of ours above them.
package devices
