package detect

import (
	"testing"

	"github.com/logsift/logsift/internal/record"
)

func TestStaticExtFold(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/static/app.js", true}, {"/IMG/Logo.PNG", true}, {"/a.b/c", false}, {"/.env", false},
		{"/", false}, {"", false}, {"/x.verylongextension", false}, {"/favicon.ico", true}, {"/api/items", false},
	}
	for _, tt := range tests {
		if got := staticExtFold(tt.path); got != tt.want {
			t.Errorf("staticExtFold(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { staticExtFold("/Static/App.JS") }); n != 0 {
		t.Errorf("staticExtFold allocates %v times", n)
	}
}

func TestPageSizes(t *testing.T) {
	p := NewPageSizes()
	for _, r := range []record.Record{
		{Path: "/", Status: 200, Bytes: 1520},
		{Path: "/about", Status: 200, Bytes: 1525},
		{Path: "/app.js", Status: 200, Bytes: 90000}, // asset: not a page
		{Path: "/missing", Status: 404, Bytes: 1520}, // not 2xx
		{Path: "/empty", Status: 204, Bytes: 0},      // no body
	} {
		p.Observe(&r)
	}
	if p.Pages != 2 || p.near(1520) != 2 || p.near(90000) != 0 {
		t.Errorf("pages %d, near(1520) %d, near(90000) %d", p.Pages, p.near(1520), p.near(90000))
	}
}
