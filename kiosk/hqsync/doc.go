// Package hqsync drains a lane's journal and audit log to HQ, exactly once
// and in order, through a sink (HTTPS JSON batches or NATS JetStream), and
// applies the catalog pushes HQ publishes.
//
// The journal is the outbox: every event was written in the same SQLite
// transaction as the change it records. sync_state.journal_id is the
// highest journal id HQ confirmed it holds; the Syncer reads the rows after
// it in id order (one lane per database: id order is seq order), sends them
// as one batch with the event ids as idempotency keys, and moves the cursor
// only after the sink confirmed a durable store. A crash between HQ's commit
// and the cursor's update resends the batch; HQ keeps each event id once.
// While HQ cannot be reached, answers 5xx or hangs, the Syncer waits with
// exponential backoff and full jitter (so that a store's lanes do not come
// back in step) and tries again; nothing is skipped. When HQ answers that it
// expects an earlier seq (it restored a backup), the cursor moves back and
// the lane sends again from there.
package hqsync
