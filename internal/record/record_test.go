package record

import (
	"net/netip"
	"testing"
)

func TestActor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::/64"},
		{"2001:db8:85a3::1", "2001:db8:85a3::/64"},
	}
	for _, tt := range tests {
		got := ActorString(Actor(netip.MustParseAddr(tt.in)))
		if got != tt.want {
			t.Errorf("Actor(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
