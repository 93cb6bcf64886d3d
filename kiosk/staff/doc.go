// Package staff keeps the store's staff accounts, their logins and sessions,
// and the append-only audit log of what staff did at the lanes.
//
// Accounts live in the kiosk's SQLite file (table staff): a PIN of 4 to 12
// digits only as an argon2id hash, a badge code only as its SHA-256. A login
// that fails MaxFailures times in a row locks the account for LockFor, in
// the database, so a restart does not unlock it; one source (the where of a
// login: a handheld's address, the lane screen) that fails MaxSourceFailures
// times within LockFor is refused for the rest of that window, in memory, so
// one client cannot lock out every account quickly. Ids nobody has answer
// exactly as real ones do, in time (the same hash is spent) and in lockout
// (they lock in memory), so logins do not tell which ids exist.
//
// Sessions are in memory: a 256-bit random token for the cookie, a separate
// 256-bit CSRF token, an idle timeout extended by use and an absolute limit;
// at most MaxAccountSessions per account and MaxSessions in all (a login past
// either ends the least recently used).
// A session ends when its account is disabled, also when another process
// (the kiosk staff disable command) disabled it in the database: Session
// reads the account's state on every use.
//
// Every login, failed login, lockout, logout, account change and staff action
// goes to the audit table, which triggers make append-only; HQ pulls it by
// sequence number (AuditLog). No PIN or badge code is ever written there.
package staff
