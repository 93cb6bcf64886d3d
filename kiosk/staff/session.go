package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

type session struct {
	Session
	created, used time.Time
}

// expires is when the session ends unless used again.
func (s *session) expires(o Options) time.Time {
	idle, max := s.used.Add(o.SessionIdle), s.created.Add(o.SessionMax)
	if max.Before(idle) {
		return max
	}
	return idle
}

// randomToken is 256 random bits, base64url without padding (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenKey is how a session is found: by the token's SHA-256, so that a map
// lookup's timing says nothing about the tokens held.
func tokenKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Session returns the live session of token and extends it. A session ends
// SessionIdle after its last use, SessionMax after its login, and when its
// account is disabled or gone from the database (read on every call, so a
// "kiosk staff disable" in another process ends it too).
func (s *Service) Session(token string) (*Session, bool) {
	var c Session
	ok := s.check(token, func(sess *session, now time.Time) {
		if now.After(sess.used) {
			sess.used = now
		}
		sess.Expires = sess.expires(s.opt)
		c = sess.Session
	})
	if !ok {
		return nil, false
	}
	return &c, true
}

// Alive reports whether token's session is live as Session does (not
// expired, its account enabled), without extending it: a long request
// (the handheld's event stream) asks it now and then, so that it ends with
// the session and does not keep the session alive.
func (s *Service) Alive(token string) bool { return s.check(token, nil) }

// check checks token's session: not expired (an expired one is dropped), its
// account enabled. For a live session, use runs under s.mu before it returns.
func (s *Service) check(token string, use func(sess *session, now time.Time)) bool {
	now := s.opt.Now()
	key := tokenKey(token)
	s.mu.Lock()
	sess := s.sessions[key]
	if sess != nil && !now.Before(sess.expires(s.opt)) {
		delete(s.sessions, key)
		sess = nil
	}
	var id string
	if sess != nil {
		id = sess.Actor.ID
	}
	s.mu.Unlock()
	if sess == nil {
		return false
	}
	var disabled bool
	err := s.db.R.QueryRowContext(context.Background(), `SELECT disabled FROM staff WHERE id = ?`, id).Scan(&disabled)
	if err != nil || disabled { // gone, disabled, or unreadable: no session
		s.endSessions(id)
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[key] != sess { // ended meanwhile
		return false
	}
	if use != nil {
		use(sess, now)
	}
	return true
}

// Logout ends a session and audits it; an unknown or ended token does
// nothing.
func (s *Service) Logout(ctx context.Context, token string) {
	key := tokenKey(token)
	s.mu.Lock()
	sess := s.sessions[key]
	delete(s.sessions, key)
	s.mu.Unlock()
	if sess != nil {
		s.Audit(ctx, AuditEntry{Actor: sess.Actor.ID, Role: sess.Actor.Role, Action: ActionLogout, Where: sess.Actor.Where, Outcome: OutcomeOK})
	}
}

// endSessions ends every session of account id.
func (s *Service) endSessions(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sess := range s.sessions {
		if sess.Actor.ID == id {
			delete(s.sessions, k)
		}
	}
}

// MaxAccountSessions bounds the live sessions of one account (a handheld or
// two, the lane screens): a login past it ends that account's least recently
// used session. MaxSessions bounds them all, past which a login ends the
// least recently used session of any account. Without them, logging in again
// and again (a script with one valid PIN, a page that never logs out) would
// grow the sessions map for as long as SessionIdle keeps each alive.
const (
	MaxAccountSessions = 8
	MaxSessions        = 1024
)

// pruneSessions drops expired sessions, and makes room for one more session
// of account id within MaxAccountSessions and MaxSessions by ending the
// least recently used; s.mu is held.
func (s *Service) pruneSessions(now time.Time, id string) {
	var mine int
	for k, sess := range s.sessions {
		switch {
		case !now.Before(sess.expires(s.opt)):
			delete(s.sessions, k)
		case sess.Actor.ID == id:
			mine++
		}
	}
	for mine >= MaxAccountSessions {
		s.evictLRU(func(sess *session) bool { return sess.Actor.ID == id })
		mine--
	}
	for len(s.sessions) >= MaxSessions {
		s.evictLRU(func(*session) bool { return true })
	}
}

// evictLRU ends the least recently used session that match holds for; s.mu
// is held.
func (s *Service) evictLRU(match func(*session) bool) {
	var key [32]byte
	var lru *session
	for k, sess := range s.sessions {
		if match(sess) && (lru == nil || sess.used.Before(lru.used)) {
			key, lru = k, sess
		}
	}
	if lru != nil {
		delete(s.sessions, key)
	}
}
