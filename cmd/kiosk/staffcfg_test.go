package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaffConfig: the staff listener never offers PINs to the LAN in clear
// unless the store says so, and a hub's peers are real kiosk URLs sharing a
// real secret.
func TestStaffConfig(t *testing.T) {
	dir := t.TempDir()
	pem := filepath.Join(dir, "staff.pem")
	os.WriteFile(pem, []byte("-----"), 0o600)
	token := strings.Repeat("k", 32)
	for _, tc := range []struct {
		name string
		cfg  StaffConfig
		want string // "" accepts
	}{
		{"default: this machine only", StaffConfig{}, ""},
		{"LAN without TLS", StaffConfig{Addr: "0.0.0.0:8443"}, "without TLS"},
		{"LAN, plain HTTP allowed", StaffConfig{Addr: "0.0.0.0:8443", PlainHTTP: true}, ""},
		{"LAN with TLS", StaffConfig{Addr: "0.0.0.0:8443", Cert: pem, Key: pem}, ""},
		{"cert without key", StaffConfig{Addr: "0.0.0.0:8443", Cert: pem}, "both cert and key"},
		{"missing cert file", StaffConfig{Addr: "0.0.0.0:8443", Cert: pem + ".x", Key: pem}, "no such file"},
		{"bad addr", StaffConfig{Addr: "8443"}, "staff.addr"},
		{"peers without token", StaffConfig{Peers: []string{"https://10.0.0.12:8443"}}, "peerToken"},
		{"short token", StaffConfig{Peers: []string{"https://10.0.0.12:8443"}, PeerToken: "secret"}, "peerToken"},
		{"peers", StaffConfig{Peers: []string{"https://10.0.0.12:8443", "https://10.0.0.13:8443"}, PeerToken: token}, ""},
		{"peer over plain HTTP", StaffConfig{Peers: []string{"http://10.0.0.12:8443"}, PeerToken: token}, "plainHttp"},
		{"peer on loopback over HTTP", StaffConfig{Peers: []string{"http://127.0.0.1:8082"}, PeerToken: token}, ""},
		{"peer with a path", StaffConfig{Peers: []string{"https://10.0.0.12:8443/staff"}, PeerToken: token}, "staff URL"},
		{"peer not a URL", StaffConfig{Peers: []string{"10.0.0.12"}, PeerToken: token}, "staff URL"},
		{"peer twice", StaffConfig{Peers: []string{"https://10.0.0.12:8443", "https://10.0.0.12:8443/"}, PeerToken: token}, "twice"},
		{"attendant timeout too short", StaffConfig{AttendantTimeoutS: 1}, "attendantTimeoutS"},
		{"lockout off", StaffConfig{MaxFailures: 100}, "maxFailures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.defaults("127.0.0.1:8080")
			err := tc.cfg.validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	for addr, want := range map[string]string{"127.0.0.1:8080": "127.0.0.1:8081", "127.0.0.1:0": "127.0.0.1:0", "[::1]:9000": "[::1]:9001", "localhost:80": "localhost:81"} {
		var c StaffConfig
		if c.defaults(addr); c.Addr != want {
			t.Errorf("beside %s the staff listener defaults to %s, want %s", addr, c.Addr, want)
		}
	}
	// From the file and the flag: the flag wins.
	p := filepath.Join(dir, "k.json")
	os.WriteFile(p, []byte(`{"staff":{"addr":"0.0.0.0:9443","plainHttp":true,"maxFailures":3}}`), 0o600)
	cfg, err := serveConfig([]string{"--config", p}, &strings.Builder{}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Staff.Addr != "0.0.0.0:9443" || cfg.Staff.MaxFailures != 3 || cfg.Staff.LockMinutes != 15 {
		t.Fatalf("staff config %+v", cfg.Staff)
	}
	cfg, err = serveConfig([]string{"--config", p, "--staff-addr", "127.0.0.1:9444"}, &strings.Builder{}, &strings.Builder{})
	if err != nil || cfg.Staff.Addr != "127.0.0.1:9444" {
		t.Fatalf("--staff-addr: %v %+v", err, cfg.Staff)
	}
	if _, err := serveConfig([]string{"--staff-addr", "0.0.0.0:9445"}, &strings.Builder{}, &strings.Builder{}); err == nil {
		t.Fatal("--staff-addr on the LAN without TLS was accepted")
	}
}
