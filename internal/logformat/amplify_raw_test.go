package logformat

import (
	"strings"
	"testing"
)

// The Amplify export escapes '(' and '=' with a backslash; the raw fields are
// the request as the client sent it, so the escaping must not leak into them.
func TestAmplifyRawFieldsUnescaped(t *testing.T) {
	header := "date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs\\(Host),cs-uri-stem,sc-status,cs\\(Referer),cs\\(User-Agent),cs-uri-query,cs\\(Cookie),x-edge-result-type,x-edge-request-id,x-host-header,cs-protocol,cs-bytes,time-taken,x-forwarded-for,ssl-protocol,ssl-cipher,x-edge-response-result-type,cs-protocol-version,fle-status,fle-encrypted-fields,c-port,time-to-first-byte,x-edge-detailed-result-type,sc-content-type,sc-content-len,sc-range-start,sc-range-end\n"
	row := "2026-11-20,10:00:00,IAD89-C1,500,192.0.2.9,GET,d1.cloudfront.net,/a\\(b),404,-,curl/8.0,id\\=1%20union%20select%20\\(1),-,Error,abc\\=\\=,example.com,https,100,0.001,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Error,HTTP/1.1,-,-,443,0.001,Error,text/html,-,-,-\n"
	r, err := NewReader(strings.NewReader(header+row), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"RawPath", rec.RawPath, "/a(b)"},
		{"RawQuery", rec.RawQuery, "id=1%20union%20select%20(1)"},
		{"Query", rec.Query, "id=1 union select (1)"},
		{"RequestID", rec.RequestID, "abc=="},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
