package zvtsim

import (
	"testing"
	"time"
)

func TestParseBehavior(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Behavior
		bad  bool
	}{
		{in: "approve", want: Behavior{Kind: Approve}},
		{in: " approve_offline ", want: Behavior{Kind: ApproveOffline}},
		{in: "decline", want: Behavior{Kind: Decline}},
		{in: "decline:51", want: Behavior{Kind: Decline, Result: 0x51}},
		{in: "decline:00", bad: true},
		{in: "decline:1FF", bad: true},
		{in: "decline:05:06", bad: true},
		{in: "timeout", want: Behavior{Kind: Timeout}},
		{in: "drop_reply", want: Behavior{Kind: DropReply}},
		{in: "lose_link", want: Behavior{Kind: LoseLink}},
		{in: "lose_link:before", want: Behavior{Kind: LoseLink}},
		{in: "lose_link:after", want: Behavior{Kind: LoseLink, AfterApproval: true}},
		{in: "lose_link:after:2s", want: Behavior{Kind: LoseLink, AfterApproval: true, ReplugAfter: 2 * time.Second}},
		{in: "lose_link:during", bad: true},
		{in: "lose_link:after:-1s", bad: true},
		{in: "printer_not_ready", want: Behavior{Kind: PrinterNotReady}},
		{in: "busy", want: Behavior{Kind: Busy}},
		{in: "busy:1", bad: true},
		{in: "", bad: true},
		{in: "approved", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBehavior(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseBehavior(%q) = %+v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseBehavior(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			again, err := ParseBehavior(got.String())
			if err != nil || again.Kind != got.Kind || again.result() != got.result() || again.AfterApproval != got.AfterApproval || again.ReplugAfter != got.ReplugAfter {
				t.Fatalf("String %q reads back as %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestKindsAllParse(t *testing.T) {
	for _, k := range Kinds() {
		if b, err := ParseBehavior(string(k)); err != nil || b.Kind != k {
			t.Errorf("%s: %+v %v", k, b, err)
		}
	}
}

func TestQueue(t *testing.T) {
	s, err := Listen("127.0.0.1:0", ledgerOpt(t, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Next(Behavior{Kind: Decline})
	s.Next(Behavior{})
	if p := s.Pending(); len(p) != 2 || p[0].Kind != Decline || p[1].Kind != Approve {
		t.Fatalf("pending %+v", p)
	}
	if b := s.take(); b.Kind != Decline {
		t.Fatalf("took %+v", b)
	}
	s.Next(Behavior{Kind: LoseLink, AfterApproval: true})
	s.SetUnacked(ReverseUnacked)
	st := s.State()
	if len(st.Pending) != 2 || st.Pending[1] != "lose_link:after" || st.Unacked != "reverse" || !st.Plugged || st.Status != 0 || st.Last != nil {
		t.Fatalf("state %+v", st)
	}
	s.Clear()
	if b := s.take(); b.Kind != Approve || len(s.Pending()) != 0 {
		t.Fatalf("empty queue took %+v", b)
	}
	s.Next(Behavior{Kind: PrinterNotReady})
	if st := s.State(); st.Status != 0xCC {
		t.Fatalf("state with printer_not_ready queued: %+v", st)
	}
}

func FuzzParseBehavior(f *testing.F) {
	for _, s := range []string{"approve", "decline:51", "lose_link:after:2s", "busy", ":", "decline:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBehavior(s)
		if err != nil {
			return
		}
		again, err := ParseBehavior(b.String())
		if err != nil || again.Kind != b.Kind || again.result() != b.result() {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, b, b.String(), again, err)
		}
	})
}
