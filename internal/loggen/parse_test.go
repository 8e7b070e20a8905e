package loggen_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/loggen"
)

// Every generated format, and the committed sample, parse without a rejected
// line, and attacker payloads come back decoded.
func TestParses(t *testing.T) {
	sample, err := os.ReadFile("../../examples/access-logs.csv")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"examples/access-logs.csv": sample}
	want := map[string]logformat.Format{"examples/access-logs.csv": logformat.Amplify, "amplify": logformat.Amplify,
		"cloudfront": logformat.CloudFront, "combined": logformat.Combined, "alb": logformat.ALB}
	for _, f := range loggen.Formats {
		var b bytes.Buffer
		if err := loggen.Generate(&b, loggen.Options{Format: f, Rows: 5000, Seed: 2, Gzip: f == "cloudfront"}); err != nil {
			t.Fatal(err)
		}
		inputs[f] = b.Bytes()
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			r, err := logformat.NewReader(bytes.NewReader(in), logformat.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != want[name] {
				t.Errorf("detected as %s, want %s", r.Format(), want[name])
			}
			var jndi, traversal bool
			for {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				jndi = jndi || strings.HasPrefix(rec.UA, "${jndi:ldap://")
				traversal = traversal || strings.Contains(rec.Path+"?"+rec.Query, "../../")
			}
			st := r.Stats()
			if st.Rejected != 0 || st.Parsed == 0 {
				t.Fatalf("format %s: parsed %d, rejected %d %v %v", r.Format(), st.Parsed, st.Rejected, st.Reasons, st.Samples)
			}
			if !jndi || !traversal {
				t.Errorf("decoded payloads not found: jndi UA %v, traversal %v", jndi, traversal)
			}
		})
	}
}
