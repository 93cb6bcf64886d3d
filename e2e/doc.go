// Package e2e tries lanes and HQ together, each as it runs in a store: real
// lanes on their own SQLite files push through the real sync code to the
// kiosk-hq binary (built by the tests, on SQLite or PostgreSQL), through a
// proxy that injects HQ's outages, and the pull API is read as an analyst
// reads it. HQ runs in its own process: it links glebarez's SQLite driver,
// the lane modernc's, and one process cannot register both.
package e2e
