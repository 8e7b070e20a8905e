package evidence

import (
	"encoding/json"
	"testing"
)

func TestSeverityJSON(t *testing.T) {
	for s := Info; s <= Critical; s++ {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%v: round trip gave %v, %v (json %s)", s, back, err, b)
		}
	}
	var s Severity
	if err := json.Unmarshal([]byte(`"catastrophic"`), &s); err == nil {
		t.Error("unknown severity accepted")
	}
	if got := Severity(9).String(); got != "severity(9)" {
		t.Errorf("out of range severity prints %q", got)
	}
}

func TestCategoryValid(t *testing.T) {
	seen := map[Category]bool{}
	for _, c := range Categories {
		if !c.Valid() {
			t.Errorf("%q not valid", c)
		}
		if seen[c] {
			t.Errorf("%q listed twice", c)
		}
		seen[c] = true
	}
	for _, c := range []Category{"", "SQLI", "benign", "sqli "} {
		if c.Valid() {
			t.Errorf("%q accepted", c)
		}
	}
}
