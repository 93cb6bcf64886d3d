package e2e

import (
	"context"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/kiosk-sco/kiosk/kiosk/hqsync"
)

// startNATS runs a real nats-server with JetStream in this process, its
// store in dir, on port (0: any free one).
func startNATS(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	if port == 0 {
		port = -1
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true,
		SyncAlways: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	return s
}

// TestNATSSinkIntoHQ: three lanes publish through JetStream while the
// nats-server is restarted mid-drain; kiosk-hq consumes the stream and
// ends with every event once, in each lane's order.
func TestNATSSinkIntoHQ(t *testing.T) {
	dir := t.TempDir()
	natsDir := filepath.Join(dir, "nats")
	ns := startNATS(t, natsDir, 0)
	natsURL := ns.ClientURL()
	natsPort := ns.Addr().(*net.TCPAddr).Port
	hqDB := filepath.Join(dir, "hq.db")
	hq := startHQ(t, "--db", hqDB, "--nats", natsURL)
	analyst := pull{t: t, base: hq.URL, token: hqTool(t, "token", "add", "--db", hqDB, "--name", "ana", "--role", "analyst")}
	// Poison first: messages HQ can never store must not block the stream.
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	waitStream := time.Now().Add(10 * time.Second)
	for { // kiosk-hq creates the stream at start
		if _, err := js.Stream(context.Background(), "KIOSK"); err == nil || time.Now().After(waitStream) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range []struct{ subj, data string }{
		{"kiosk.events.0005.0005-01", "{not json"},
		{"kiosk.events.0005.0005-02", `{"id":"x","lane":"0005-01","seq":1,"type":"t","at":"2026-12-01T00:00:00Z","body":{}}`}, // another lane's subject
		{"kiosk.weird.0005.0005-01", `{}`},
		{"kiosk.audit.0005.0005-01", `{"seq":1,"at":"2026-12-01T00:00:00Z","actor":"a","action":"b","outcome":"ok"}`}, // no install header
	} {
		if _, err := js.Publish(context.Background(), p.subj, []byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	nc.Close()
	var lanes []*lane
	for _, n := range []string{"01", "02", "03"} {
		sink, err := hqsync.NewNATSSink(natsURL, "", nil, 2*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sink.Close)
		lanes = append(lanes, startLane(t, dir, "0005", n, sink))
	}
	// The broker goes down while the lanes sell and drain, and comes back
	// on the same port and store.
	var selling sync.WaitGroup
	for _, l := range lanes {
		selling.Add(1)
		go func() { defer selling.Done(); l.sell(t, 120) }()
	}
	time.Sleep(300 * time.Millisecond)
	ns.Shutdown()
	ns.WaitForShutdown()
	selling.Wait()
	ns = startNATS(t, natsDir, natsPort)
	defer ns.Shutdown()
	for _, l := range lanes {
		l.sell(t, 30)
	}
	waitDrained(t, time.Minute, lanes...)
	// The lanes' part is done once the stream holds everything; HQ drains it.
	deadline := time.Now().Add(90 * time.Second)
	for {
		all, _ := analyst.events("", "")
		want := 0
		for _, l := range lanes {
			want += len(l.journal(t))
		}
		if time.Now().After(deadline) {
			nc, _ := nats.Connect(natsURL)
			js, _ := jetstream.New(nc)
			if st, err := js.Stream(context.Background(), "KIOSK"); err == nil {
				si, _ := st.Info(context.Background())
				t.Logf("stream: %+v", si.State)
				if c, err := st.Consumer(context.Background(), "kiosk-hq"); err == nil {
					ci, _ := c.Info(context.Background())
					t.Logf("consumer: pending %d ackPending %d redelivered %d delivered %+v ackfloor %+v", ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.Delivered, ci.AckFloor)
				}
			}
		}
		if len(all) == want || time.Now().After(deadline) {
			checkExactlyOnce(t, all, lanes...)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
