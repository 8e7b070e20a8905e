package evidence

import (
	"encoding/json"
	"slices"
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

func TestCategoryOrder(t *testing.T) {
	tests := []struct {
		name      string
		a, b      []Category
		wantUnion []Category
		wantSort  []Category // SortCategories of a then b
	}{
		{"empty", nil, nil, nil, nil},
		{"report order", []Category{BadRequest, SQLInjection}, []Category{Log4Shell}, []Category{Log4Shell, SQLInjection, BadRequest}, []Category{Log4Shell, SQLInjection, BadRequest}},
		{"repeats", []Category{XSS, XSS}, []Category{XSS}, []Category{XSS}, []Category{XSS, XSS, XSS}},
		{"unknown dropped from the union, last when sorted", []Category{"made-up", ScannerUA}, []Category{"", Webshell}, []Category{Webshell, ScannerUA}, []Category{Webshell, ScannerUA, "made-up", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnionCategories(tt.a, tt.b); !slices.Equal(got, tt.wantUnion) {
				t.Errorf("UnionCategories = %v, want %v", got, tt.wantUnion)
			}
			all := append(slices.Clone(tt.a), tt.b...)
			SortCategories(all)
			if !slices.Equal(all, tt.wantSort) {
				t.Errorf("SortCategories = %v, want %v", all, tt.wantSort)
			}
		})
	}
}
